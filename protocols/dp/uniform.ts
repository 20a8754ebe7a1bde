/**
 * Uniform integers from an injectable byte source, by rejection: draw just enough bytes for
 * n − 1, mask the unused top bits, retry when the result is ≥ n. No modulo bias, no floats, so
 * every sampler above this one is exact given uniform bytes.
 */
import type { RandomBytes } from '../group/group.js';
import { ProtocolError } from '../errors.js';

export type { RandomBytes };
export { defaultRandomBytes } from '../group/random.js';

/**
 * A uniform integer in [0, n), n ≥ 1. Expected draws < 2 (the masked range is < 2n).
 * @example uniformBelow(6n, rng) // a fair die roll minus one
 */
export function uniformBelow(n: bigint, rng: RandomBytes): bigint {
  if (n < 1n) throw new ProtocolError('DP_INPUT_INVALID', `uniform range: must be at least 1, got ${n}`);
  if (n === 1n) return 0n;
  const bits = (n - 1n).toString(2).length;
  const length = Math.ceil(bits / 8);
  const topMask = 0xff >> (length * 8 - bits);
  for (;;) {
    const bytes = rng(length);
    // An injected source that returns fewer bytes would silently bias every sample.
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
      throw new ProtocolError('DP_INPUT_INVALID', `rng: asked for ${length} bytes, got ${bytes?.length}`);
    }
    let x = BigInt(bytes[0] & topMask);
    for (let i = 1; i < length; i++) x = (x << 8n) | BigInt(bytes[i]);
    if (x < n) return x;
  }
}
