/**
 * Sensitivities of the released statistics, in the statistics' integer units (values scaled by
 * 10^scale and clamped to the agreed [min, max]).
 *
 * Neighbouring datasets differ by adding, removing or changing one record of the value holder.
 * The querier knows every group's exact count (it builds the masks), so the guarantee that
 * matters against it is the one for changing a member's value; the bounds below cover all three.
 * A record that sits in g groups moves every one of its g group statistics, so each bound is
 * multiplied by g (the L1 norm over groups; the Gaussian is calibrated to it too, and L2 ≤ L1).
 */
import { ProtocolError } from '../errors.js';
import { rationalFromDecimal } from './rational.js';

function groups(maxGroupsPerRecord: number): bigint {
  if (!Number.isSafeInteger(maxGroupsPerRecord) || maxGroupsPerRecord < 1) {
    throw new ProtocolError('DP_INPUT_INVALID', `maxGroupsPerRecord: must be a positive integer, got ${maxGroupsPerRecord}`);
  }
  return BigInt(maxGroupsPerRecord);
}

const abs = (x: bigint) => (x < 0n ? -x : x);

/** A count moves by 1 per group when a record is added or removed. */
export function countSensitivity(maxGroupsPerRecord = 1): bigint {
  return groups(maxGroupsPerRecord);
}

/**
 * A clamped sum moves by at most max(|min|, |max|) when a record is added or removed and by
 * max − min when one value changes; the larger of the two. For min ≥ 0 that is just max.
 * @example sumSensitivity(-100n, 100n) // 200n
 */
export function sumSensitivity(min: bigint, max: bigint, maxGroupsPerRecord = 1): bigint {
  if (min > max) throw new ProtocolError('DP_INPUT_INVALID', `bounds: min ${min} is above max ${max}`);
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
  const add = abs(min) > abs(max) ? abs(min) : abs(max);
  const change = max - min;
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
  const per = add > change ? add : change;
  if (per === 0n) throw new ProtocolError('DP_INPUT_INVALID', 'bounds: min = max = 0 releases nothing; sensitivity would be 0');
  return per * groups(maxGroupsPerRecord);
}

/**
 * A histogram's bucket counts (one column): a record is in exactly one bucket, so adding or
 * removing it moves one count by 1 and changing its value moves two; L1 sensitivity 2.
 */
export function histogramSensitivity(maxGroupsPerRecord = 1): bigint {
  return 2n * groups(maxGroupsPerRecord);
}

/**
 * An agreed bound in integer units: value × 10^scale, exact when it has at most `scale`
 * decimals, otherwise rounded outward ('down' for min, 'up' for max) so the sensitivity computed
 * from it is never too small.
 * @example scaledBound(-1.25, 1, 'down') // -13n
 */
export function scaledBound(value: number, scale: number, rounding: 'down' | 'up'): bigint {
  if (!Number.isInteger(scale) || scale < 0 || scale > 6) {
    throw new ProtocolError('DP_INPUT_INVALID', `scale: must be an integer 0..6, got ${scale}`);
  }
  const magnitude = rationalFromDecimal(Math.abs(value), 'bound');
  const scaled = magnitude.num * 10n ** BigInt(scale);
  const whole = scaled / magnitude.den;
  const exact = whole * magnitude.den === scaled;
  const signed = value < 0 ? -whole : whole;
  if (exact) return signed;
  // Outward: toward −∞ for 'down', toward +∞ for 'up'.
  return rounding === 'down' ? (value < 0 ? signed - 1n : signed) : value < 0 ? signed : signed + 1n;
}
