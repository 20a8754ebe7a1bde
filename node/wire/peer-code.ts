/**
 * A peer's coded reason for stopping (an abort frame, or a gRPC status whose details start with
 * `CODE: `). What a peer says is its text, not ours: its message and any unknown code enter the
 * node here, through `untrustedText`, before they can be stored as a run's error, served by the
 * API or quoted in an audit entry.
 */
import { ERRORS, MofangError, type ErrorCode } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';

/** A peer's own code, when it is not one of ours, is kept only if it looks like a code. */
const PEER_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Turns a peer's coded message into our error; prefixing which peer said it. */
export function fromPeerCode(peerName: string, code: unknown, message: unknown): MofangError {
  const text = `peer ${peerName}: ${untrustedText(message)}`;
  if (typeof code === 'string' && Object.hasOwn(ERRORS, code)) return new MofangError(code as ErrorCode, text, { peer: peerName });
  const peerCode = typeof code === 'string' && PEER_CODE.test(code) ? code : untrustedText(code, 64);
  return new MofangError('PEER_REFUSED', text, { peer: peerName, peerCode });
}
