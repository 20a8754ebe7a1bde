/**
 * Differential privacy for released aggregates, pure: exact discrete noise (Canonne, Kamath,
 * Steinke 2020), its calibration from sensitivity and (ε, δ), what every released number
 * carries (noise scale, 95 % interval), suppression, and budget accounting per period.
 *
 * Who adds what: the value holder adds noise to the blinded sums before the querier
 * can unblind them; the querier adds noise to the counts it knows exactly. Both charge the same
 * per-query (ε, δ) to their own ledger. Rationale and limits: docs/privacy.md.
 */
export { type Rational, formatRational, formatScaled, rational, rationalFromDecimal, scaledInteger, toNumber } from './rational.js';
export { type RandomBytes, defaultRandomBytes, uniformBelow } from './uniform.js';
export { bernoulli, bernoulliExp } from './bernoulli.js';
export { sampleDiscreteLaplace } from './discrete-laplace.js';
export { sampleDiscreteGaussian } from './discrete-gaussian.js';
export {
  CONFIDENCE_LEVELS,
  MECHANISMS,
  type ConfidenceLevel,
  type Mechanism,
  type NoiseParams,
  type NoiseScale,
  confidenceHalfWidth,
  describeNoise,
  noiseScale,
  sampleNoise,
} from './noise.js';
export { type NoisePlanRequest, calibrate, gaussianSigma2, laplaceScale, planNoise, splitEvenly } from './calibration.js';
export { countSensitivity, histogramSensitivity, scaledBound, sumSensitivity } from './sensitivity.js';
export { type Interval, type MeanInput, type ReleaseOptions, type Released, type ReleasedMean, clamp, release, releaseMean, suppress } from './release.js';
export {
  DELTA_DIGITS,
  EPSILON_DIGITS,
  type BudgetPeriod,
  type BudgetPolicy,
  type PrivacyLoss,
  type SpendCheck,
  addLoss,
  budgetPolicy,
  checkSpend,
  periodOf,
  privacyLoss,
} from './budget.js';
