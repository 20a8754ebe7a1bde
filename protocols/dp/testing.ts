/**
 * TEST-ONLY helpers for the DP tests: the deterministic seeded byte source (SHA-512 counter
 * mode, shared with the group tests — never pass it to production code: the seed fixes every
 * noise value), exact pmfs in doubles, and a chi-square goodness-of-fit test.
 */
export { seededRandomBytesForTestsOnly } from '../group/testing.js';

/** Discrete Laplace pmf: (1 − q)/(1 + q) · q^|x|, q = exp(−1/scale). */
export function laplacePmf(scale: number): (x: number) => number {
  const q = Math.exp(-1 / scale);
  return (x) => ((1 - q) / (1 + q)) * q ** Math.abs(x);
}

/** Discrete Gaussian pmf exp(−x²/2σ²)/Z, Z summed over |x| ≤ 40σ + 40 (the rest is < 1e-300). */
export function gaussianPmf(sigma2: number): (x: number) => number {
  const reach = Math.ceil(40 * Math.sqrt(sigma2) + 40);
  let z = 0;
  for (let x = -reach; x <= reach; x++) z += Math.exp((-x * x) / (2 * sigma2));
  return (x) => Math.exp((-x * x) / (2 * sigma2)) / z;
}

export interface ChiSquare {
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  /** The 0.999 quantile of χ²(df) (Wilson–Hilferty): a correct sampler fails 1 time in 1000. */
  readonly critical: number;
  readonly pass: boolean;
}

/**
 * Pearson's χ² of integer samples against a symmetric pmf on ℤ: one bin per x in [−R, R], R the
 * largest reach where every bin expects ≥ 5 samples, plus one tail bin for |x| > R.
 */
export function chiSquare(samples: readonly number[], pmf: (x: number) => number): ChiSquare {
  const n = samples.length;
  let reach = 0;
  while (n * pmf(reach + 1) >= 5) reach++;
  const tail = (r: number) => n * (1 - Array.from({ length: 2 * r + 1 }, (_, i) => pmf(i - r)).reduce((a, b) => a + b, 0));
  // The tail bin must expect ≥ 5 too, or it dominates the statistic.
  while (reach > 0 && tail(reach) < 5) reach--;
  const observed = new Map<number, number>();
  for (const s of samples) {
    const bin = Math.abs(s) > reach ? Infinity : s;
    observed.set(bin, (observed.get(bin) ?? 0) + 1);
  }
  let statistic = 0;
  let inside = 0;
  for (let x = -reach; x <= reach; x++) {
    const expected = n * pmf(x);
    inside += pmf(x);
    statistic += ((observed.get(x) ?? 0) - expected) ** 2 / expected;
  }
  const tailExpected = n * (1 - inside);
  statistic += ((observed.get(Infinity) ?? 0) - tailExpected) ** 2 / tailExpected;
  const df = 2 * reach + 1; // 2R + 2 bins, one constraint
  const z = 3.090232306167813; // standard normal 0.999 quantile
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  return { statistic, degreesOfFreedom: df, critical, pass: statistic <= critical };
}

/** Sample mean and (unbiased) variance. */
export function moments(samples: readonly number[]): { mean: number; variance: number } {
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, variance };
}
