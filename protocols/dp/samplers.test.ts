/**
 * The samplers have the declared distributions (fixed seed, so these tests are deterministic):
 * exact Bernoulli(exp(−γ)) frequencies, and χ² goodness of fit plus mean and variance for the
 * discrete Laplace (CKS 2020 Alg. 2) and discrete Gaussian (Alg. 3), each with a negative control
 * showing the same test rejects a distribution of twice the scale.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { bernoulli, bernoulliExp } from './bernoulli.js';
import { isqrt, sampleDiscreteGaussian } from './discrete-gaussian.js';
import { sampleDiscreteLaplace } from './discrete-laplace.js';
import { noiseScale } from './noise.js';
import { rational } from './rational.js';
import { chiSquare, gaussianPmf, laplacePmf, moments, seededRandomBytesForTestsOnly } from './testing.js';
import { uniformBelow } from './uniform.js';

const N = 20_000;
const draw = (n: number, sample: () => bigint) => Array.from({ length: n }, () => Number(sample()));

/** |observed − expected| of a binomial count, in standard deviations. */
function binomialZ(successes: number, n: number, p: number): number {
  return Math.abs(successes - n * p) / Math.sqrt(n * p * (1 - p) || 1);
}

describe('uniformBelow', () => {
  it('is uniform on [0, n) for n around byte boundaries (χ²)', () => {
    const rng = seededRandomBytesForTestsOnly('dp/uniform');
    for (const n of [6, 256, 257]) {
      const counts = new Array<number>(n).fill(0);
      const draws = 50 * n;
      for (let i = 0; i < draws; i++) counts[Number(uniformBelow(BigInt(n), rng))]++;
      const statistic = counts.reduce((a, c) => a + (c - 50) ** 2 / 50, 0);
      const df = n - 1;
      const critical = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
      expect(statistic, `n = ${n}`).toBeLessThan(critical);
    }
  });

  it('stays in range for any n (property) and draws no bytes for n = 1', () => {
    const rng = seededRandomBytesForTestsOnly('dp/uniform-range');
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 200n }), (n) => {
        const x = uniformBelow(n, rng);
        return x >= 0n && x < n;
      }),
    );
    expect(
      uniformBelow(1n, () => {
        throw new Error('no bytes needed');
      }),
    ).toBe(0n);
  });

  it('refuses an empty range and a short-reading rng', () => {
    expect(() => uniformBelow(0n, seededRandomBytesForTestsOnly('x'))).toThrow(/uniform range: must be at least 1/);
    const short = () => new Uint8Array(0);
    expect(() => uniformBelow(1000n, short)).toThrowError(ProtocolError);
    expect(() => uniformBelow(1000n, short)).toThrow(/rng: asked for 2 bytes, got 0/);
  });
});

describe('bernoulli and bernoulliExp (CKS 2020 Algorithm 1)', () => {
  it('Bernoulli(num/den) is exact at 0 and 1 and refuses p > 1', () => {
    const rng = seededRandomBytesForTestsOnly('dp/bernoulli-edges');
    for (let i = 0; i < 200; i++) {
      expect(bernoulli(rational(0n, 7n), rng)).toBe(false);
      expect(bernoulli(rational(7n, 7n), rng)).toBe(true);
      expect(bernoulliExp(rational(0n), rng)).toBe(true);
    }
    expect(() => bernoulli({ num: 8n, den: 7n }, rng)).toThrow(/bernoulli p: must be at most 1, got 8\/7/);
  });

  it('Bernoulli(exp(−γ)) hits exp(−γ) for γ below, at and above 1', () => {
    const rng = seededRandomBytesForTestsOnly('dp/bernoulli-exp');
    for (const [num, den] of [
      [1n, 3n],
      [1n, 1n],
      [5n, 2n],
      [7n, 2n],
    ] as const) {
      let successes = 0;
      for (let i = 0; i < N; i++) if (bernoulliExp(rational(num, den), rng)) successes++;
      const p = Math.exp(-Number(num) / Number(den));
      expect(binomialZ(successes, N, p), `γ = ${num}/${den}: ${successes}/${N} vs ${p}`).toBeLessThan(4);
    }
  });

  it('the frequency test has power: exp(−1/3) samples are far from exp(−2/3)', () => {
    const rng = seededRandomBytesForTestsOnly('dp/bernoulli-exp');
    let successes = 0;
    for (let i = 0; i < N; i++) if (bernoulliExp(rational(1n, 3n), rng)) successes++;
    expect(binomialZ(successes, N, Math.exp(-2 / 3))).toBeGreaterThan(20);
  });
});

describe('discrete Laplace (CKS 2020 Algorithm 2)', () => {
  const scale = rational(9n, 2n); // 4.5, a non-integer rational: exercises s > 1 in ⌊X/s⌋
  let samples: number[] = [];
  beforeAll(() => {
    const rng = seededRandomBytesForTestsOnly('dp/laplace');
    samples = draw(N, () => sampleDiscreteLaplace(scale, rng));
  });

  it('fits the exact pmf (χ² over a truncated range plus tail bin)', () => {
    const fit = chiSquare(samples, laplacePmf(4.5));
    expect(fit.degreesOfFreedom).toBeGreaterThan(40);
    expect(fit.pass, JSON.stringify(fit)).toBe(true);
  });

  it('negative control: the same test rejects a scale off by 2× either way, and by 10 %', () => {
    expect(chiSquare(samples, laplacePmf(9)).pass).toBe(false);
    expect(chiSquare(samples, laplacePmf(2.25)).pass).toBe(false);
    expect(chiSquare(samples, laplacePmf(4.95)).pass).toBe(false);
  });

  it('has mean 0 and the declared standard deviation', () => {
    const { mean, variance } = moments(samples);
    const sd = noiseScale({ mechanism: 'discrete-laplace', scale }).standardDeviation;
    expect(Math.abs(mean)).toBeLessThan((4 * sd) / Math.sqrt(N));
    // The sample variance of a Laplace has relative sd ≈ √(5/N) ≈ 1.6 %; allow 4 of them.
    expect(Math.abs(variance / sd ** 2 - 1)).toBeLessThan(0.064);
  });

  it('handles scales far from 1', () => {
    const rng = seededRandomBytesForTestsOnly('dp/laplace-extremes');
    // scale 1/100: P[X ≠ 0] = 2q/(1+q) with q = e^−100, i.e. never in practice.
    expect(draw(200, () => sampleDiscreteLaplace(rational(1n, 100n), rng)).every((x) => x === 0)).toBe(true);
    const big = draw(2000, () => sampleDiscreteLaplace(rational(10n ** 12n), rng));
    const { variance } = moments(big);
    expect(Math.sqrt(variance) / (Math.SQRT2 * 1e12)).toBeGreaterThan(0.85);
    expect(Math.sqrt(variance) / (Math.SQRT2 * 1e12)).toBeLessThan(1.15);
  });

  it('refuses a zero scale', () => {
    expect(() => sampleDiscreteLaplace({ num: 0n, den: 1n }, seededRandomBytesForTestsOnly('x'))).toThrow(/scale: must be positive/);
  });
});

describe('discrete Gaussian (CKS 2020 Algorithm 3)', () => {
  for (const [num, den] of [
    [7n, 2n],
    [100n, 1n],
  ] as const) {
    const sigma2 = Number(num) / Number(den);
    describe(`σ² = ${num}/${den}`, () => {
      let samples: number[] = [];
      beforeAll(() => {
        const rng = seededRandomBytesForTestsOnly(`dp/gaussian/${num}/${den}`);
        samples = draw(N, () => sampleDiscreteGaussian(rational(num, den), rng));
      });

      it('fits the exact pmf (χ²)', () => {
        const fit = chiSquare(samples, gaussianPmf(sigma2));
        expect(fit.pass, JSON.stringify(fit)).toBe(true);
      });

      it('negative control: the same test rejects σ off by 2×', () => {
        expect(chiSquare(samples, gaussianPmf(4 * sigma2)).pass).toBe(false);
        expect(chiSquare(samples, gaussianPmf(sigma2 / 4)).pass).toBe(false);
      });

      it('has mean 0 and variance σ² (the discrete Gaussian is within 1e-8 of it here)', () => {
        const { mean, variance } = moments(samples);
        expect(Math.abs(mean)).toBeLessThan((4 * Math.sqrt(sigma2)) / Math.sqrt(N));
        // Gaussian sample variance: relative sd √(2/N) = 1 %; allow 4.
        expect(Math.abs(variance / sigma2 - 1)).toBeLessThan(0.04);
      });
    });
  }

  it('keeps its variance at a very large rational σ² (sums in micro-units)', () => {
    const rng = seededRandomBytesForTestsOnly('dp/gaussian-large');
    const sigma2 = rational(10n ** 20n, 3n);
    const { mean, variance } = moments(draw(4000, () => sampleDiscreteGaussian(sigma2, rng)));
    expect(Math.abs(mean)).toBeLessThan((4 * Math.sqrt(1e20 / 3)) / Math.sqrt(4000));
    expect(Math.abs(variance / (1e20 / 3) - 1)).toBeLessThan(0.09); // 4 × √(2/4000)
  });

  it('isqrt is ⌊√n⌋ (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 300n }), (n) => {
        const r = isqrt(n);
        return r * r <= n && (r + 1n) * (r + 1n) > n;
      }),
    );
  });

  it('refuses a zero variance', () => {
    expect(() => sampleDiscreteGaussian({ num: 0n, den: 1n }, seededRandomBytesForTestsOnly('x'))).toThrow(/sigma2: must be positive/);
  });
});
