/**
 * Exact Bernoulli trials: Bernoulli(p) for rational p, and Bernoulli(exp(−γ)) for rational γ ≥ 0
 * by Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential Privacy", Algorithm 1
 * (von Neumann's trick: only Bernoulli(γ/k) trials with rational γ/k, never exp() in floats).
 */
import { ProtocolError } from '../errors.js';
import { type Rational, formatRational } from './rational.js';
import { type RandomBytes, uniformBelow } from './uniform.js';

/** true with probability num/den (0 ≤ num ≤ den): a uniform U < den, accept when U < num. */
export function bernoulli(p: Rational, rng: RandomBytes): boolean {
  if (p.num > p.den) throw new ProtocolError('DP_INPUT_INVALID', `bernoulli p: must be at most 1, got ${formatRational(p)}`);
  return uniformBelow(p.den, rng) < p.num;
}

/**
 * true with probability exp(−γ), γ = num/den ≥ 0. CKS 2020 Algorithm 1: for γ ≤ 1, draw
 * Bernoulli(γ/k) for k = 1, 2, … until one fails; the first failing k is odd with probability
 * exactly exp(−γ). For γ > 1, exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)): ⌊γ⌋ independent
 * Bernoulli(exp(−1)) trials and one for the fractional part, stopping at the first failure.
 */
export function bernoulliExp(gamma: Rational, rng: RandomBytes): boolean {
  const whole = gamma.num / gamma.den;
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExpAtMostOne(1n, 1n, rng)) return false;
  }
  return bernoulliExpAtMostOne(gamma.num - whole * gamma.den, gamma.den, rng);
}

/** Bernoulli(exp(−num/den)) for 0 ≤ num/den ≤ 1 (CKS 2020 Algorithm 1, first case). */
function bernoulliExpAtMostOne(num: bigint, den: bigint, rng: RandomBytes): boolean {
  let k = 1n;
  while (uniformBelow(den * k, rng) < num) k++;
  return k % 2n === 1n;
}
