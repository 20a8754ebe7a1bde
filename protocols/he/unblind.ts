/**
 * The querier's last step: remove its blinding, put the limbs of a split column back together,
 * map to signed integers and undo the −min shift. The result still carries the value holder's
 * noise on every sum; the exact count comes from Q's own mask (and gets Q's noise before release).
 */
import { ProtocolError } from '../errors.js';
import type { Blinding } from './aggregator.js';
import type { AggregationPlan } from './params.js';
import { decodeValues } from './wire.js';

export interface GroupTotal {
  column: number;
  group: number;
  /** Σ value over the group's intersection, plus V's noise (in the column's scaled integer unit). */
  sum: bigint;
}

/** Reads the value holder's reply (HE_MESSAGE_INVALID if its size or any value is off). */
export function decodeResultValues(plan: AggregationPlan, bytes: Uint8Array): bigint[] {
  return decodeValues(bytes, plan.results.length, plan.plainModulus, 'values');
}

/**
 * @param counts per group, the number of selected records (`maskCount(masks[g])`): the shift back
 *   by min is count·min.
 * @example
 * const totals = unblind(plan, blinding, decodeResultValues(plan, reply), masks.map(maskCount));
 */
export function unblind(plan: AggregationPlan, blinding: Blinding, values: readonly bigint[], counts: readonly number[]): GroupTotal[] {
  const t = plan.plainModulus;
  if (blinding?.offsets?.length !== plan.results.length || values.length !== plan.results.length) {
    throw new ProtocolError('HE_INPUT_INVALID', `unblind: expected ${plan.results.length} blinding offsets and values`);
  }
  if (counts.length !== plan.groups || counts.some((n) => !Number.isSafeInteger(n) || n < 0 || n > plan.setSize)) {
    throw new ProtocolError('HE_INPUT_INVALID', `counts: expected ${plan.groups} integers in [0, ${plan.setSize}]`);
  }
  const totals = new Map<number, bigint>();
  for (const r of plan.results) {
    const raw = (((values[r.index] - blinding.offsets[r.index]) % t) + t) % t;
    // The plan keeps |lane sum + noise| < t/2, so the centred representative is the true value.
    const signed = raw > t / 2n ? raw - t : raw;
    const key = r.column * plan.groups + r.group;
    totals.set(key, (totals.get(key) ?? 0n) + (signed << BigInt(r.limb * plan.columns[r.column].limbBits)));
  }
  return plan.columns.flatMap((column) =>
    Array.from({ length: plan.groups }, (_, group) => ({
      column: column.index,
      group,
      sum: totals.get(column.index * plan.groups + group)! + BigInt(counts[group]) * column.min,
    })),
  );
}
