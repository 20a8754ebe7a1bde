/**
 * The value holder's column values → the plaintext slots of one lane chunk. Values are integers in
 * the agreed [min, max] (the caller clamps and scales); they are shifted by −min so every slot is
 * ≥ 0 and, for a split column, cut into limbs of `limbBits` bits.
 */
import { ProtocolError } from '../errors.js';
import type { AggregationPlan, Lane } from './params.js';

/** One column of the value holder, in the canonical record order π (length = plan.setSize). */
export type ColumnValues = ArrayLike<number | bigint>;

/** Checks shape and range of every value before anything is encrypted (so nothing is sent for a bad column). */
export function assertColumns(plan: AggregationPlan, columns: readonly ColumnValues[]): void {
  if (!Array.isArray(columns) || columns.length !== plan.columns.length) {
    throw new ProtocolError('HE_INPUT_INVALID', `columns: expected ${plan.columns.length} columns, got ${columns?.length}`);
  }
  plan.columns.forEach((spec, c) => {
    const values = columns[c];
    if (values?.length !== plan.setSize) {
      throw new ProtocolError('HE_INPUT_INVALID', `column ${spec.name}: expected ${plan.setSize} values, got ${values?.length}`);
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const ok = (typeof v === 'bigint' || Number.isSafeInteger(v)) && v >= spec.min && v <= spec.max;
      // The value itself stays out of the message: it is a customer's data and messages reach logs.
      if (!ok)
        throw new ProtocolError('HE_INPUT_INVALID', `column ${spec.name}, row ${i}: not an integer in [${spec.min}, ${spec.max}] (clamp before encrypting)`);
    }
  });
}

/** Fills `slots` with chunk `chunk` of `lane` (zeros past the end of the set). */
export function laneSlots(plan: AggregationPlan, lane: Lane, columns: readonly ColumnValues[], chunk: number, slots: BigUint64Array): void {
  const spec = plan.columns[lane.column];
  const values = columns[lane.column];
  const shift = BigInt(lane.limb * spec.limbBits);
  const mask = (1n << BigInt(spec.limbBits)) - 1n;
  const start = chunk * plan.slots;
  const end = Math.min(start + plan.slots, plan.setSize);
  slots.fill(0n);
  for (let i = start; i < end; i++) {
    const shifted = BigInt(values[i]) - spec.min;
    slots[i - start] = spec.limbs === 1 ? shifted : (shifted >> shift) & mask;
  }
}
