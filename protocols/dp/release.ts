/**
 * What leaves a node: every released number carries its noise scale and a 95 % confidence
 * interval, small groups are suppressed on their NOISY count, and a mean is the ratio of two
 * released numbers (post-processing, no extra budget).
 */
import { ProtocolError } from '../errors.js';
import { type NoiseParams, type NoiseScale, confidenceHalfWidth, noiseScale, sampleNoise } from './noise.js';
import { type RandomBytes, defaultRandomBytes } from './uniform.js';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** A released number, in the column's units (integer units ÷ 10^decimals). */
export interface Released {
  readonly value: number;
  /** The noise added, in the same units as `value`. */
  readonly noiseScale: NoiseScale;
  /** Holds the exact value with probability ≥ 95 % (from the noise distribution's tail). */
  readonly ci95: Interval;
}

export interface ReleaseOptions {
  /** Decimal digits the integer units carry (the column's `scale`); 0 for counts. */
  readonly decimals?: number;
  /** Randomness for the noise when an exact value is given; defaults to the CSPRNG. */
  readonly rng?: RandomBytes;
}

/**
 * Clamps a value to [min, max] (bounded sensitivity: no single record can move a sum further).
 * @example clamp(250n, 0n, 100n) // 100n
 */
export function clamp<T extends number | bigint>(value: T, min: T, max: T): T {
  if (typeof value === 'number' && Number.isNaN(value)) throw new ProtocolError('DP_INPUT_INVALID', 'clamp: value is NaN');
  if (min > max) throw new ProtocolError('DP_INPUT_INVALID', `clamp: min ${min} is above max ${max}`);
  return value < min ? min : value > max ? max : value;
}

/**
 * Releases one statistic. Given `{ exact }` (a value this node computed itself, e.g. the
 * querier's counts) it adds fresh noise first; given `{ noisy }` (noise already added by the
 * peer, e.g. the value holder's sums) it only attaches the noise scale and the interval.
 * @example release({ exact: 1234n }, planNoise(...)[0]) // { value: 1229, noiseScale: {...}, ci95: { low: 1199, high: 1259 } }
 */
export function release(input: { exact: bigint } | { noisy: bigint }, noise: NoiseParams, options: ReleaseOptions = {}): Released {
  const noisy = 'noisy' in input ? input.noisy : input.exact + sampleNoise(noise, options.rng ?? defaultRandomBytes);
  const unit = unitOf(options.decimals);
  const k = confidenceHalfWidth(noise, 0.95);
  return {
    value: toUnits(noisy, unit),
    noiseScale: noiseScaleIn(noise, unit),
    ci95: { low: toUnits(noisy - k, unit), high: toUnits(noisy + k, unit) },
  };
}

/**
 * true when a group's numbers must be withheld: its NOISY count is below the agreement's
 * minimum. Deciding on the noisy count keeps the decision itself differentially private;
 * deciding on the exact count would leak whether the group reached the threshold.
 */
export function suppress(noisyCount: bigint | number, minGroupSize: number): boolean {
  if (!Number.isSafeInteger(minGroupSize) || minGroupSize < 1) {
    throw new ProtocolError('DP_INPUT_INVALID', `minGroupSize: must be a positive integer, got ${minGroupSize}`);
  }
  return BigInt(noisyCount) < BigInt(minGroupSize);
}

export interface MeanInput {
  readonly noisySum: bigint;
  readonly sumNoise: NoiseParams;
  readonly noisyCount: bigint;
  readonly countNoise: NoiseParams;
  /** The column's clamping bounds in integer units: the exact mean always lies within them. */
  readonly min: bigint;
  readonly max: bigint;
  readonly decimals?: number;
}

/** A released mean: no noise of its own, so it names the noise of the two numbers it divides. */
export interface ReleasedMean {
  readonly value: number;
  readonly noiseScale: { readonly sum: NoiseScale; readonly count: NoiseScale };
  readonly ci95: Interval;
}

/**
 * mean = noisy sum / noisy count, clamped to [min, max]. The interval: with probability ≥ 97.5 %
 * each, the exact sum and count lie in their own intervals (so both do with ≥ 95 %); the exact
 * mean then lies between the extreme ratios over that box, and always within [min, max].
 * Call it only for a group that was not suppressed (noisy count ≥ minGroupSize ≥ 1).
 */
export function releaseMean(input: MeanInput): ReleasedMean {
  if (input.noisyCount < 1n) throw new ProtocolError('DP_INPUT_INVALID', `mean: noisy count ${input.noisyCount} is below 1; suppress the group`);
  if (input.min > input.max) throw new ProtocolError('DP_INPUT_INVALID', `mean: min ${input.min} is above max ${input.max}`);
  const unit = unitOf(input.decimals);
  const lo = Number(input.min);
  const hi = Number(input.max);
  const within = (x: number) => Math.min(hi, Math.max(lo, x));
  const value = within(Number(input.noisySum) / Number(input.noisyCount));
  const a = confidenceHalfWidth(input.sumNoise, 0.975);
  const b = confidenceHalfWidth(input.countNoise, 0.975);
  const sums = [Number(input.noisySum - a), Number(input.noisySum + a)];
  // A group with a mean has at least one member, so the count's interval starts at 1 at least.
  const counts = [Math.max(1, Number(input.noisyCount - b)), Number(input.noisyCount + b)];
  // For a positive count, sum/count is monotone in each argument: the extremes are at corners.
  const ratios = sums.flatMap((s) => counts.map((c) => s / c));
  return {
    value: value / unit,
    noiseScale: { sum: noiseScaleIn(input.sumNoise, unit), count: noiseScale(input.countNoise) },
    ci95: { low: within(Math.min(...ratios)) / unit, high: within(Math.max(...ratios)) / unit },
  };
}

function unitOf(decimals = 0): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 6) {
    throw new ProtocolError('DP_INPUT_INVALID', `decimals: must be an integer 0..6, got ${decimals}`);
  }
  return 10 ** decimals;
}

/** The noise's scale in the column's units rather than integer units. */
function noiseScaleIn(noise: NoiseParams, unit: number): NoiseScale {
  const scale = noiseScale(noise);
  return { ...scale, value: scale.value / unit, standardDeviation: scale.standardDeviation / unit };
}

function toUnits(integer: bigint, unit: number): number {
  return Number(integer) / unit;
}
