/**
 * The discrete Gaussian on ℤ: P[X = x] ∝ exp(−x² / (2σ²)), sampled exactly by Canonne, Kamath,
 * Steinke 2020, Algorithm 3, for a rational σ²: rejection sampling from a discrete Laplace with
 * scale t = ⌊σ⌋ + 1.
 *
 * Adding it to an integer-valued statistic of sensitivity Δ is ½(Δ/σ)²-zCDP, the same as the
 * continuous Gaussian (CKS 2020, Theorem 4); calibration.ts turns that into (ε, δ).
 */
import { ProtocolError } from '../errors.js';
import { bernoulliExp } from './bernoulli.js';
import { sampleDiscreteLaplace } from './discrete-laplace.js';
import { type Rational, floor, rational } from './rational.js';
import type { RandomBytes } from './uniform.js';

/** ⌊√n⌋ for n ≥ 0, by Newton's method on bigints. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * One sample of the discrete Gaussian with variance parameter σ² = sigma2.
 * @example sampleDiscreteGaussian(rational(9n), rng) // σ = 3
 */
export function sampleDiscreteGaussian(sigma2: Rational, rng: RandomBytes): bigint {
  if (sigma2.num <= 0n) throw new ProtocolError('DP_INPUT_INVALID', 'discrete Gaussian sigma2: must be positive');
  const { num: n, den: d } = sigma2;
  // ⌊σ⌋ = ⌊√⌊σ²⌋⌋ exactly.
  const t = isqrt(floor(sigma2)) + 1n;
  const laplace = rational(t);
  for (;;) {
    const y = sampleDiscreteLaplace(laplace, rng);
    const abs = y < 0n ? -y : y;
    // Accept with probability exp(−(|y| − σ²/t)² / (2σ²)); with σ² = n/d that exponent is
    // (|y|·d·t − n)² / (2·n·d·t²).
    const diff = abs * d * t - n;
    if (bernoulliExp({ num: diff * diff, den: 2n * n * d * t * t }, rng)) return y;
  }
}
