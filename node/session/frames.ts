/** Reading frames from a peer: every frame is checked for its kind before its fields are used. */
import { MofangError } from '../errors.js';
import { fromPeerCode } from '../wire/peer-code.js';
import { type FrameBody, type FrameKind, frameBody, type RunProgress } from '../wire/messages.js';
import type { Link } from './link.js';

/**
 * The next frame, which must be of `kind`; an abort from the peer becomes PEER_REFUSED with its reason.
 * Progress frames in between prove the peer is alive (they reset the receive timeout) and are
 * passed to `onProgress`, if given, for display.
 */
export async function expectFrame<K extends FrameKind>(link: Link, kind: K, peerName: string, onProgress?: (p: RunProgress) => void): Promise<FrameBody<K>> {
  let frame = await link.receive();
  while (frame.frame === 'progress' && kind !== 'progress') {
    onProgress?.(frame.progress);
    frame = await link.receive();
  }
  if (frame.frame === 'abort') throw fromPeerCode(peerName, frame.abort.code, frame.abort.message);
  const body = frameBody(frame, kind);
  if (body == null) throw new MofangError('PEER_MESSAGE_INVALID', `expected a ${kind} frame, got ${String(frame.frame)}`);
  return body;
}

/** Tells the peer why we stop; never throws (the link may already be gone). */
export async function sendAbort(link: Link, err: MofangError): Promise<void> {
  try {
    await link.send({ frame: 'abort', abort: { code: err.code, message: err.message } });
  } catch {
    /* the peer is gone: nothing to tell */
  }
}

export function requireField(ok: boolean, field: string, rule: string): void {
  if (!ok) throw new MofangError('PEER_MESSAGE_INVALID', `${field}: ${rule}`, { field });
}
