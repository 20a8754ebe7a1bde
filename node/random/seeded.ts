/** Reproducible pseudo-random numbers, shared by the demo's data and tree training. */
/**
 * mulberry32: a small, fast, seedable PRNG for draws that must repeat with their seed (synthetic
 * data, a tree's validation split). Never for keys, blinding or privacy noise.
 *
 * @example const random = mulberry32(7); random() // a number in [0, 1)
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
