/**
 * A seedable PRNG for results that must repeat: the demo's synthetic files and the tree's
 * validation split give the same output for the same seed. Not cryptographic: never use it for
 * keys, blinding factors or noise that protects data (those take `randomBytes`).
 */

/**
 * mulberry32: 32 bits of state, uniform floats in [0, 1).
 *
 * @example
 * const random = mulberry32(7);
 * const roll = Math.floor(random() * 6) + 1;
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
