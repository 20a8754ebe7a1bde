/**
 * A noise distribution as the agreement names it, with what an operator needs to read a noisy
 * number: one exact sample, the standard deviation, and the half-width of a confidence interval
 * taken from the distribution's own tail (not a normal approximation).
 */
import { ProtocolError } from '../errors.js';
import { isqrt, sampleDiscreteGaussian } from './discrete-gaussian.js';
import { sampleDiscreteLaplace } from './discrete-laplace.js';
import { type Rational, formatRational, toNumber } from './rational.js';
import { type RandomBytes, defaultRandomBytes } from './uniform.js';

export const MECHANISMS = ['discrete-laplace', 'discrete-gaussian'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** The noise added to one released statistic, in the statistic's integer units. */
export type NoiseParams =
  /** P[X = x] ∝ exp(−|x| / scale). */
  | { readonly mechanism: 'discrete-laplace'; readonly scale: Rational }
  /** P[X = x] ∝ exp(−x² / (2·sigma2)). */
  | { readonly mechanism: 'discrete-gaussian'; readonly sigma2: Rational };

/** How noisy a number is, for display next to it. */
export interface NoiseScale {
  readonly mechanism: Mechanism;
  /** The mechanism's own parameter: `scale` (discrete Laplace) or `sigma` (discrete Gaussian). */
  readonly parameter: 'scale' | 'sigma';
  readonly value: number;
  /** Standard deviation of the noise; for the discrete Gaussian σ, an upper bound (CKS 2020 §2.2: its variance is below σ²). */
  readonly standardDeviation: number;
}

/**
 * One exact noise sample. `rng` defaults to the node's CSPRNG; pass a seeded one only in tests.
 * @example sampleNoise({ mechanism: 'discrete-laplace', scale: rational(20n) }) // e.g. -7n
 */
export function sampleNoise(noise: NoiseParams, rng: RandomBytes = defaultRandomBytes): bigint {
  return noise.mechanism === 'discrete-laplace' ? sampleDiscreteLaplace(noise.scale, rng) : sampleDiscreteGaussian(noise.sigma2, rng);
}

/** The noise's parameter and standard deviation, in the statistic's integer units. */
export function noiseScale(noise: NoiseParams): NoiseScale {
  if (noise.mechanism === 'discrete-laplace') {
    const scale = toNumber(noise.scale);
    // Var = 2q/(1−q)² with q = exp(−1/scale); expm1 keeps 1 − q accurate for large scales.
    const q = Math.exp(-1 / scale);
    return { mechanism: noise.mechanism, parameter: 'scale', value: scale, standardDeviation: Math.sqrt(2 * q) / -Math.expm1(-1 / scale) };
  }
  const sigma = Math.sqrt(toNumber(noise.sigma2));
  return { mechanism: noise.mechanism, parameter: 'sigma', value: sigma, standardDeviation: sigma };
}

/** Confidence levels with a stored normal quantile z (rounded up to 10 digits: conservative). */
const NORMAL_QUANTILE: Record<string, Rational> = {
  '0.95': { num: 19_599_639_846n, den: 10_000_000_000n }, // z_0.975 = 1.959963984540…
  '0.975': { num: 22_414_027_277n, den: 10_000_000_000n }, // z_0.9875 = 2.241402727604…
};
export const CONFIDENCE_LEVELS = [0.95, 0.975] as const;
export type ConfidenceLevel = (typeof CONFIDENCE_LEVELS)[number];

/**
 * The smallest k ≥ 0 with P[|X| > k] ≤ 1 − level, so [noisy − k, noisy + k] holds the exact
 * value with probability ≥ level.
 *
 * Discrete Laplace, closed form: P[|X| ≥ j] = 2q^j / (1 + q) for j ≥ 1, q = exp(−1/scale).
 * Discrete Gaussian, a bound: P[X ≥ k + 1] ≤ Q(k/σ) (Q the standard normal tail), because each
 * term exp(−x²/2σ²), x ≥ k + 1, is below the integral over [x − 1, x], and the normaliser
 * Σ exp(−x²/2σ²) ≥ σ√(2π) (Poisson summation: every term of the dual sum is positive). So
 * k = ⌈z·σ⌉ suffices, computed exactly as the least k with k² ≥ z²σ².
 */
export function confidenceHalfWidth(noise: NoiseParams, level: ConfidenceLevel = 0.95): bigint {
  const z = NORMAL_QUANTILE[String(level)];
  if (!z) throw new ProtocolError('DP_INPUT_INVALID', `confidence level: must be one of ${CONFIDENCE_LEVELS.join(', ')}, got ${level}`);
  if (noise.mechanism === 'discrete-gaussian') {
    const num = z.num * z.num * noise.sigma2.num;
    const den = z.den * z.den * noise.sigma2.den;
    let k = isqrt(num / den);
    while (k * k * den < num) k++;
    return k;
  }
  const alpha = 1 - level;
  const scale = toNumber(noise.scale);
  const q = Math.exp(-1 / scale);
  const tailBeyond = (k: number) => (2 * Math.exp(-(k + 1) / scale)) / (1 + q); // P[|X| > k]
  let k = Math.max(0, Math.ceil(-scale * Math.log((alpha * (1 + q)) / 2)) - 1);
  // The logarithm is evaluated in doubles; settle the last unit against the tail itself.
  while (tailBeyond(k) > alpha) k++;
  while (k > 0 && tailBeyond(k - 1) <= alpha) k--;
  return BigInt(k);
}

/** "discrete-laplace(scale 20)" / "discrete-gaussian(sigma² 9/2)", for messages and audit. */
export function describeNoise(noise: NoiseParams): string {
  return noise.mechanism === 'discrete-laplace'
    ? `discrete-laplace(scale ${formatRational(noise.scale)})`
    : `discrete-gaussian(sigma² ${formatRational(noise.sigma2)})`;
}
