/**
 * From (sensitivity, ε, δ) to a noise distribution, and from a per-query ε to per-statistic noise.
 *
 * - Discrete Laplace: scale = Δ/ε gives ε-DP (pure, δ = 0).
 * - Discrete Gaussian: CKS 2020 Theorem 4 — adding N_ℤ(0, σ²) to an integer statistic of
 *   sensitivity Δ is ρ-zCDP with ρ = Δ²/(2σ²) — then Bun & Steinke 2016 Proposition 1.3 —
 *   ρ-zCDP implies (ρ + 2√(ρ·ln(1/δ)), δ)-DP for every δ > 0. Solving for ρ:
 *   √ρ = √(L + ε) − √L with L = ln(1/δ), so σ² = Δ²/(2ρ). Valid for every ε > 0 (the classical
 *   σ = Δ√(2 ln(1.25/δ))/ε needs ε < 1) and within a few percent of it where both apply; looser
 *   than the exact conversion of CKS 2020 Theorem 7, which needs a numeric search.
 *   The logarithm and square roots are doubles; σ² is rounded up by a relative 10⁻⁶, far above
 *   their rounding error, so the noise is never smaller than the bound asks.
 * - Several statistics released by one query share its ε (and δ) evenly: basic composition,
 *   ε_query = Σ ε_i, δ_query = Σ δ_i.
 */
import { ProtocolError } from '../errors.js';
import type { Mechanism, NoiseParams } from './noise.js';
import { type Rational, compare, divide, formatRational, multiply, rational, toNumber } from './rational.js';

function invalid(field: string, message: string): never {
  throw new ProtocolError('DP_INPUT_INVALID', `${field}: ${message}`);
}

function checkSensitivity(sensitivity: bigint): void {
  if (sensitivity < 1n) invalid('sensitivity', `must be a positive integer, got ${sensitivity}`);
}

function checkEpsilon(epsilon: Rational): void {
  if (epsilon.num <= 0n) invalid('epsilon', 'must be positive');
}

function checkDelta(delta: Rational | undefined): asserts delta is Rational {
  if (!delta || delta.num <= 0n || compare(delta, rational(1n)) >= 0) {
    invalid('delta', `the discrete Gaussian needs 0 < delta < 1, got ${delta ? formatRational(delta) : 'none'}`);
  }
}

/**
 * Discrete Laplace scale Δ/ε for ε-DP.
 * @example laplaceScale(1n, rational(1n, 10n)) // { num: 10n, den: 1n }
 */
export function laplaceScale(sensitivity: bigint, epsilon: Rational): Rational {
  checkSensitivity(sensitivity);
  checkEpsilon(epsilon);
  return divide(rational(sensitivity), epsilon, 'epsilon');
}

const MARGIN_DEN = 1_000_000n;

/**
 * Discrete Gaussian σ² for (ε, δ)-DP via zCDP (see the header), rounded up.
 * @example gaussianSigma2(1n, rational(1n), rational(1n, 1_000_000n)) // σ ≈ 5.35
 */
export function gaussianSigma2(sensitivity: bigint, epsilon: Rational, delta: Rational): Rational {
  checkSensitivity(sensitivity);
  checkEpsilon(epsilon);
  checkDelta(delta);
  const eps = toNumber(epsilon);
  const L = -Math.log(toNumber(delta));
  // 1/(2ρ) with √ρ = ε / (√(L+ε) + √L): this form has no cancellation when ε ≪ L.
  const rootSum = Math.sqrt(L + eps) + Math.sqrt(L);
  const perUnit = (rootSum * rootSum) / (2 * eps * eps);
  const perUnitUp = BigInt(Math.ceil(perUnit * (1 + 1e-6) * Number(MARGIN_DEN)));
  return rational(sensitivity * sensitivity * perUnitUp, MARGIN_DEN);
}

/** The noise for one statistic of the given sensitivity at (ε, δ); δ only for the Gaussian. */
export function calibrate(mechanism: Mechanism, sensitivity: bigint, epsilon: Rational, delta?: Rational): NoiseParams {
  if (mechanism === 'discrete-laplace') {
    if (delta && delta.num !== 0n) invalid('delta', 'the discrete Laplace is pure ε-DP; pass no delta');
    return { mechanism, scale: laplaceScale(sensitivity, epsilon) };
  }
  if (mechanism === 'discrete-gaussian') return { mechanism, sigma2: gaussianSigma2(sensitivity, epsilon, delta as Rational) };
  return invalid('mechanism', `unknown mechanism '${mechanism as string}'`);
}

/** total / parts: one statistic's share of a query's ε or δ under basic composition. */
export function splitEvenly(total: Rational, parts: number): Rational {
  if (!Number.isSafeInteger(parts) || parts < 1) invalid('statistics', `must be a positive integer count, got ${parts}`);
  return multiply(total, rational(1n, BigInt(parts)));
}

export interface NoisePlanRequest {
  readonly mechanism: Mechanism;
  /** The agreement's ε per query, e.g. rationalFromDecimal(terms.aggregate.epsilonPerQuery). */
  readonly epsilonPerQuery: Rational;
  /** The agreement's δ per query; the discrete Gaussian only. */
  readonly deltaPerQuery?: Rational;
  /** One sensitivity per released statistic (count, each sum, each histogram), integer units. */
  readonly sensitivities: readonly bigint[];
}

/**
 * The noise for each statistic one query releases: ε (and δ) split evenly over them, each
 * calibrated to its own sensitivity. The query as a whole is (ε, δ)-DP by basic composition.
 * @example
 * planNoise({ mechanism: 'discrete-laplace', epsilonPerQuery: rational(1n, 2n),
 *             sensitivities: [countSensitivity(), sumSensitivity(0n, 5000n)] })
 * // [{ scale 4 }, { scale 20000 }]
 */
export function planNoise(request: NoisePlanRequest): NoiseParams[] {
  const k = request.sensitivities.length;
  const epsilon = splitEvenly(request.epsilonPerQuery, k);
  const delta = request.deltaPerQuery && splitEvenly(request.deltaPerQuery, k);
  return request.sensitivities.map((s) => calibrate(request.mechanism, s, epsilon, delta));
}
