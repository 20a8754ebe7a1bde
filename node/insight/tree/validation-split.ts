/**
 * The held-out validation rows: a seeded, stratified sample, so the same seed gives the same split
 * and a rare target (a 3 % churn rate) is represented in both parts at its own rate.
 */
import { mulberry32 } from '../../random/seeded.js';

/**
 * Splits `rows` (indices with a known label) into training and validation rows, taking
 * round(fraction × count) of each class for validation. Both parts come back in ascending order.
 *
 * @example
 * const { train, validation } = stratifiedSplit(rows, labels, 0.2, 7);
 */
export function stratifiedSplit(rows: Uint32Array, labels: Uint8Array, fraction: number, seed: number): { train: Uint32Array; validation: Uint32Array } {
  const random = mulberry32(seed);
  const byClass = [0, 1].map((label) => rows.filter((r) => labels[r] === label));
  const held: Uint32Array[] = [];
  const kept: Uint32Array[] = [];
  for (const cls of byClass) {
    // Partial Fisher–Yates: the first `take` slots become a uniform random sample.
    const take = Math.round(fraction * cls.length);
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(random() * (cls.length - i));
      const t = cls[i];
      cls[i] = cls[j];
      cls[j] = t;
    }
    held.push(cls.subarray(0, take));
    kept.push(cls.subarray(take));
  }
  const join = (parts: Uint32Array[]) => {
    const out = new Uint32Array(parts[0].length + parts[1].length);
    out.set(parts[0]);
    out.set(parts[1], parts[0].length);
    return out.sort();
  };
  return { train: join(kept), validation: join(held) };
}
