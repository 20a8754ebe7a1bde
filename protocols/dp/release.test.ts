/** Released numbers: noise scale, exact 95 % intervals and their coverage, means, suppression. */
import { describe, expect, it } from 'vitest';
import { confidenceHalfWidth, type NoiseParams, noiseScale, sampleNoise } from './noise.js';
import { rational } from './rational.js';
import { clamp, release, releaseMean, suppress } from './release.js';
import { gaussianPmf, laplacePmf, seededRandomBytesForTestsOnly } from './testing.js';

const laplace = (num: bigint, den = 1n): NoiseParams => ({ mechanism: 'discrete-laplace', scale: rational(num, den) });
const gaussian = (num: bigint, den = 1n): NoiseParams => ({ mechanism: 'discrete-gaussian', sigma2: rational(num, den) });

/** P[|X| ≤ k] from the pmf. */
function coverage(pmf: (x: number) => number, k: number): number {
  let p = 0;
  for (let x = -k; x <= k; x++) p += pmf(x);
  return p;
}

describe('confidenceHalfWidth', () => {
  it('discrete Laplace: the least k with P[|X| > k] ≤ 5 % (closed form)', () => {
    for (const [num, den] of [
      [10n, 1n],
      [1n, 2n],
      [9n, 2n],
      [1000n, 1n],
      [1n, 100n],
    ] as const) {
      const k = Number(confidenceHalfWidth(laplace(num, den)));
      const pmf = laplacePmf(Number(num) / Number(den));
      expect(coverage(pmf, k), `scale ${num}/${den}, k ${k}`).toBeGreaterThanOrEqual(0.95);
      if (k > 0) expect(coverage(pmf, k - 1), `scale ${num}/${den}: k − 1 would do`).toBeLessThan(0.95);
    }
    expect(confidenceHalfWidth(laplace(10n))).toBe(30n); // q = e^−0.1: 2q^31/(1+q) = 0.0473
    expect(confidenceHalfWidth(laplace(1n, 100n))).toBe(0n);
  });

  it('discrete Gaussian: ⌈1.96σ⌉, covers ≥ 95 % and is at most one unit above the least such k', () => {
    expect(confidenceHalfWidth(gaussian(9n))).toBe(6n); // ⌈1.96 × 3⌉
    expect(confidenceHalfWidth(gaussian(10n ** 18n))).toBe(1_959_963_985n); // σ = 10⁹
    for (const [num, den] of [
      [1n, 4n],
      [1n, 1n],
      [7n, 2n],
      [100n, 1n],
      [12345n, 7n],
    ] as const) {
      const k = Number(confidenceHalfWidth(gaussian(num, den)));
      const pmf = gaussianPmf(Number(num) / Number(den));
      expect(coverage(pmf, k), `σ² ${num}/${den}`).toBeGreaterThanOrEqual(0.95);
      if (k > 1) expect(coverage(pmf, k - 2), `σ² ${num}/${den}: k − 2 would do`).toBeLessThan(0.95);
    }
  });

  it('97.5 % intervals are wider; other levels are refused', () => {
    expect(confidenceHalfWidth(laplace(10n), 0.975)).toBeGreaterThan(confidenceHalfWidth(laplace(10n)));
    expect(() => confidenceHalfWidth(laplace(10n), 0.9 as never)).toThrow('confidence level: must be one of 0.95, 0.975, got 0.9');
  });

  it('coverage with sampled noise: the interval holds the exact value ≥ 95 % of the time', () => {
    const rng = seededRandomBytesForTestsOnly('dp/coverage');
    const trials = 4000;
    for (const noise of [laplace(5n, 2n), laplace(40n), gaussian(7n, 2n), gaussian(400n)]) {
      const exact = 1000n;
      let hits = 0;
      for (let i = 0; i < trials; i++) {
        const r = release({ exact }, noise, { rng });
        if (r.ci95.low <= 1000 && 1000 <= r.ci95.high) hits++;
      }
      // Nominal ≥ 95 %; 3 binomial sd below that is 94.0 % at 4000 trials.
      expect(
        hits / trials,
        JSON.stringify(noise, (_, v) => (typeof v === 'bigint' ? `${v}` : v)),
      ).toBeGreaterThan(0.95 - 3 * Math.sqrt((0.95 * 0.05) / trials));
    }
  });
});

describe('release', () => {
  it('a noisy value from the peer: value, noise scale (parameter and sd) and interval', () => {
    expect(release({ noisy: 100n }, laplace(10n))).toEqual({
      value: 100,
      noiseScale: { mechanism: 'discrete-laplace', parameter: 'scale', value: 10, standardDeviation: noiseScale(laplace(10n)).standardDeviation },
      ci95: { low: 70, high: 130 },
    });
    // √(2q)/(1−q), q = e^−0.1, against Σ x²·pmf(x)
    const pmf = laplacePmf(10);
    let variance = 0;
    for (let x = -2000; x <= 2000; x++) variance += x * x * pmf(x);
    expect(noiseScale(laplace(10n)).standardDeviation).toBeCloseTo(Math.sqrt(variance), 9);
    expect(noiseScale(laplace(10n)).standardDeviation).toBeCloseTo(14.1362, 4);
    expect(release({ noisy: -3n }, gaussian(9n))).toMatchObject({
      value: -3,
      noiseScale: { parameter: 'sigma', value: 3, standardDeviation: 3 },
      ci95: { low: -9, high: 3 },
    });
  });

  it('reports in column units when the integers carry decimals', () => {
    const r = release({ noisy: 12345n }, laplace(10n), { decimals: 2 });
    expect(r.value).toBe(123.45);
    expect(r.noiseScale.value).toBe(0.1);
    expect(r.ci95).toEqual({ low: 123.15, high: 123.75 });
    expect(() => release({ noisy: 1n }, laplace(1n), { decimals: 7 })).toThrow('decimals: must be an integer 0..6, got 7');
  });

  it('an exact value gets fresh noise from the given rng', () => {
    const noise = laplace(10n);
    const expected = 500n + sampleNoise(noise, seededRandomBytesForTestsOnly('dp/release-exact'));
    const r = release({ exact: 500n }, noise, { rng: seededRandomBytesForTestsOnly('dp/release-exact') });
    expect(r.value).toBe(Number(expected));
    expect(r.ci95).toEqual({ low: Number(expected) - 30, high: Number(expected) + 30 });
  });
});

describe('releaseMean', () => {
  const input = { noisySum: 5000n, sumNoise: laplace(100n), noisyCount: 100n, countNoise: laplace(2n), min: 0n, max: 200n };

  it('is noisy sum / noisy count with an interval from both 97.5 % intervals', () => {
    const a = Number(confidenceHalfWidth(laplace(100n), 0.975));
    const b = Number(confidenceHalfWidth(laplace(2n), 0.975));
    const r = releaseMean(input);
    expect(r.value).toBe(50);
    expect(r.ci95).toEqual({ low: (5000 - a) / (100 + b), high: (5000 + a) / (100 - b) });
    expect(r.noiseScale.sum.value).toBe(100);
    expect(r.noiseScale.count.value).toBe(2);
  });

  it('stays within the clamping bounds, in column units', () => {
    const r = releaseMean({ ...input, noisySum: 30_000n, noisyCount: 2n, decimals: 1 });
    expect(r.value).toBe(20); // 15000 clamped to 200, ÷ 10
    expect(r.ci95.high).toBe(20);
    expect(r.ci95.low).toBeGreaterThanOrEqual(0);
  });

  it('covers the exact mean ≥ 95 % of the time', () => {
    const rng = seededRandomBytesForTestsOnly('dp/mean-coverage');
    const trials = 2000;
    let hits = 0;
    for (let i = 0; i < trials; i++) {
      const noisySum = 5000n + sampleNoise(input.sumNoise, rng);
      const noisyCount = 100n + sampleNoise(input.countNoise, rng);
      const { ci95 } = releaseMean({ ...input, noisySum, noisyCount });
      if (ci95.low <= 50 && 50 <= ci95.high) hits++;
    }
    expect(hits / trials).toBeGreaterThan(0.95 - 3 * Math.sqrt((0.95 * 0.05) / trials));
  });

  it('refuses a group whose noisy count is below 1', () => {
    expect(() => releaseMean({ ...input, noisyCount: 0n })).toThrow('mean: noisy count 0 is below 1; suppress the group');
  });
});

describe('suppress and clamp', () => {
  it('withholds a group whose noisy count is below the minimum, and only that', () => {
    expect(suppress(4, 5)).toBe(true);
    expect(suppress(5n, 5)).toBe(false);
    expect(suppress(-3n, 1)).toBe(true);
    expect(() => suppress(10, 0)).toThrow('minGroupSize: must be a positive integer, got 0');
  });

  it('clamps numbers and bigints, and refuses NaN and inverted bounds', () => {
    expect(clamp(250n, 0n, 100n)).toBe(100n);
    expect(clamp(-5, 0, 100)).toBe(0);
    expect(clamp(42, 0, 100)).toBe(42);
    expect(() => clamp(Number.NaN, 0, 1)).toThrow('clamp: value is NaN');
    expect(() => clamp(1, 2, 1)).toThrow('clamp: min 2 is above max 1');
  });
});
