/** Uniform residues mod t from an injected byte source (the querier's blinding values). */
import type { RandomBytes } from '../group/group.js';
import { ProtocolError } from '../errors.js';

/**
 * `count` independent values uniform in [0, t), by rejection sampling on 64-bit words: reducing a
 * word mod t directly would favour small residues by up to t/2^64 (2^-4 for a 60-bit t).
 */
export function uniformModulo(rng: RandomBytes, t: bigint, count: number): BigUint64Array {
  const limit = (1n << 64n) - ((1n << 64n) % t); // largest multiple of t ≤ 2^64
  const out = new BigUint64Array(count);
  let filled = 0;
  while (filled < count) {
    const want = count - filled;
    const bytes = rng(want * 8);
    if (!(bytes instanceof Uint8Array) || bytes.length !== want * 8) {
      throw new ProtocolError('HE_INPUT_INVALID', `rng: asked for ${want * 8} bytes, got ${bytes?.length}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < want; i++) {
      const word = view.getBigUint64(i * 8, true);
      if (word < limit) out[filled++] = word % t;
    }
  }
  return out;
}
