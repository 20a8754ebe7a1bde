/**
 * Uniform shuffles for cardinality-only PSI: S permutes its replies so that R cannot tell which of
 * its records matched. Fisher–Yates (Knuth, TAOCP 2, Algorithm 3.4.2P) with indices drawn by
 * rejection sampling, so every permutation has probability exactly 1/n! given uniform rng bytes
 * (a plain `u32 % bound` would favour small indices).
 */
import type { RandomBytes } from '../group/group.js';
import { defaultRandomBytes, drawRandom } from '../group/random.js';
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';

const MAX_BLOCK_WORDS = 1024;

/** A stream of uniform integers below a bound, reading the rng in blocks of up to 4 KiB. */
function uniformBelow(rng: RandomBytes, expectedDraws: number): (bound: number) => number {
  // Rejections are rare (< 1 in 2 per draw, usually far fewer): a few spare words avoid a second read.
  const blockWords = Math.min(MAX_BLOCK_WORDS, expectedDraws + 8);
  let words = new Uint32Array(0);
  let next = 0;
  const word = () => {
    if (next === words.length) {
      const bytes = drawRandom(rng, 4 * blockWords);
      // Copy into a fresh, aligned buffer; the rng may return a view at any offset.
      words = new Uint32Array(Uint8Array.from(bytes).buffer);
      next = 0;
    }
    return words[next++];
  };
  return (bound) => {
    // Accept only u < limit, the largest multiple of bound ≤ 2^32, so u % bound is uniform.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const u = word();
      if (u < limit) return u % bound;
    }
  };
}

/** A uniformly random permutation of 0 … n−1. */
export function randomPermutation(n: number, rng: RandomBytes = defaultRandomBytes): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32) {
    throw new ProtocolError('PSI_INPUT_INVALID', `n: expected an integer in [0, 2^32], got ${n}`);
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const below = uniformBelow(rng, n);
  for (let i = n - 1; i > 0; i--) {
    const j = below(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/**
 * A uniformly shuffled copy of `data`, a concatenation of `itemLength`-byte items; `rng` defaults
 * to the CSPRNG (inject one only in tests).
 * @example
 * const reply = shuffle(evaluated, group.pointBytes, rng);
 */
export function shuffle(data: Uint8Array, itemLength: number, rng: RandomBytes = defaultRandomBytes): Uint8Array {
  if (!Number.isInteger(itemLength) || itemLength < 1) {
    throw new ProtocolError('PSI_INPUT_INVALID', `itemLength: expected a positive integer, got ${itemLength}`);
  }
  const n = itemCount(data, itemLength, 'data');
  const perm = randomPermutation(n, rng);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < n; i++) {
    const from = perm[i] * itemLength;
    out.set(data.subarray(from, from + itemLength), i * itemLength);
  }
  return out;
}
