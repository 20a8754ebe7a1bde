/**
 * The discrete Laplace distribution on ℤ: P[X = x] ∝ exp(−|x| / scale), sampled exactly by
 * Canonne, Kamath, Steinke 2020, Algorithm 2, for a rational scale.
 *
 * Adding it to an integer-valued statistic of sensitivity Δ with scale = Δ/ε is ε-DP: the pmf
 * ratio at any output is at most exp(Δ/scale) (CKS 2020 §2.1; the geometric mechanism of
 * Ghosh, Roughgarden, Sundararajan 2009).
 */
import { ProtocolError } from '../errors.js';
import { bernoulli, bernoulliExp } from './bernoulli.js';
import { type Rational, rational } from './rational.js';
import { type RandomBytes, uniformBelow } from './uniform.js';

const ONE = rational(1n);
const HALF = rational(1n, 2n);

/**
 * One sample of the discrete Laplace with scale t/s (here scale.num = t, scale.den = s).
 * @example sampleDiscreteLaplace(rational(10n), rng) // P[X = x] ∝ exp(−|x|/10)
 */
export function sampleDiscreteLaplace(scale: Rational, rng: RandomBytes): bigint {
  if (scale.num <= 0n) throw new ProtocolError('DP_INPUT_INVALID', 'discrete Laplace scale: must be positive');
  const t = scale.num;
  const s = scale.den;
  for (;;) {
    // X = U + t·V is geometric with parameter 1 − exp(−1/t): U uniform in [0, t) kept with
    // probability exp(−U/t), V geometric(1 − exp(−1)).
    const u = uniformBelow(t, rng);
    if (!bernoulliExp({ num: u, den: t }, rng)) continue;
    let v = 0n;
    while (bernoulliExp(ONE, rng)) v++;
    // ⌊X/s⌋ is geometric(1 − exp(−s/t)); a fair sign, rejecting "−0" so 0 is not counted twice.
    const y = (u + t * v) / s;
    const negative = bernoulli(HALF, rng);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}
