/**
 * Homomorphic objects over the Run stream: each object (public key, value ciphertext, result)
 * travels as he_chunk frames of at most `chunkBytes`, so none exceeds the peer's message limit.
 * The receiver checks kind, index and the running size against the plan's bound before it keeps a
 * byte: a peer cannot make us buffer more than the plan allows.
 */
import type { RunFrame } from '../wire/messages.js';
import { expectFrame, requireField } from './frames.js';
import type { Link } from './link.js';
import type { Transcript } from './transcript.js';

export const HE_KIND = { publicKey: 1, galoisKeys: 2, ciphertext: 3, result: 4 } as const;

/** Room left in one message for the frame's own fields. */
const FRAME_OVERHEAD = 64 * 1024;

export function heChunkBytes(maxMessageBytes: number): number {
  return Math.max(16 * 1024, maxMessageBytes - FRAME_OVERHEAD);
}

export async function sendHeObject(
  send: (frame: RunFrame) => Promise<void>,
  kind: number,
  index: number,
  bytes: Uint8Array,
  chunkBytes: number,
): Promise<void> {
  for (let offset = 0; ; offset += chunkBytes) {
    const end = Math.min(offset + chunkBytes, bytes.length);
    const piece = bytes.subarray(offset, end);
    await send({ frame: 'heChunk', heChunk: { kind, index, data: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength), last: end === bytes.length } });
    if (end === bytes.length) return;
  }
}

export async function receiveHeObject(
  link: Link,
  peer: { name: string; sender: 'querier' | 'responder' },
  transcript: Transcript,
  expected: { kind: number; index: number; maxBytes: number; what: string },
): Promise<Uint8Array> {
  const pieces: Buffer[] = [];
  let size = 0;
  for (;;) {
    const chunk = await expectFrame(link, 'heChunk', peer.name);
    transcript.add(peer.sender, { frame: 'heChunk', heChunk: chunk });
    requireField(
      chunk.kind === expected.kind && chunk.index === expected.index,
      'heChunk',
      `expected ${expected.what} (kind ${expected.kind}, index ${expected.index}), got kind ${chunk.kind} index ${chunk.index}`,
    );
    requireField(Buffer.isBuffer(chunk.data) && chunk.data.length > 0, 'heChunk.data', 'must not be empty');
    size += chunk.data.length;
    requireField(size <= expected.maxBytes, 'heChunk.data', `${expected.what} exceeds the plan's bound of ${expected.maxBytes} bytes`);
    pieces.push(chunk.data);
    if (chunk.last) return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size);
  }
}
