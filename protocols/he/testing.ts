/** Test-only helpers: run both roles of one aggregation in one process. Never imported by production code. */
import { createAggregator, maskCount } from './aggregator.js';
import type { AggregationPlan } from './params.js';
import type { RandomBytes } from '../group/group.js';
import { decodeResultValues, unblind, type GroupTotal } from './unblind.js';
import { addNoise, createValueHolder, encodeResultValues } from './value-holder.js';
import type { ColumnValues } from './values.js';

export interface RunOutcome {
  totals: GroupTotal[];
  /** What the value holder decrypted (before its noise). */
  blinded: bigint[];
  result: Uint8Array;
  budgets: number[];
}

/** Value holder and querier end to end; `noise` per (column, group), default none. */
export async function runAggregation(
  plan: AggregationPlan,
  columns: readonly ColumnValues[],
  masks: readonly Uint8Array[],
  options: { noise?: bigint[]; rng?: RandomBytes } = {},
): Promise<RunOutcome> {
  const holder = await createValueHolder(plan);
  try {
    const aggregator = await createAggregator({ plan, publicKey: holder.publicKey, masks, rng: options.rng });
    try {
      for (const ct of holder.encrypt(columns)) aggregator.absorb(ct);
      const { result, blinding } = aggregator.finish();
      const blinded = holder.decrypt(result);
      const noise = options.noise ?? Array.from({ length: plan.columns.length * plan.groups }, () => 0n);
      const reply = encodeResultValues(plan, addNoise(plan, blinded, noise));
      const totals = unblind(plan, blinding, decodeResultValues(plan, reply), masks.map(maskCount));
      return { totals, blinded, result, budgets: holder.inspect(result).map((r) => r.budget) };
    } finally {
      aggregator.dispose();
    }
  } finally {
    holder.dispose();
  }
}

/** Σ value over selected records, per (column, group), in the plan's order. */
export function plainTotals(plan: AggregationPlan, columns: readonly ColumnValues[], masks: readonly Uint8Array[]): bigint[] {
  return plan.columns.flatMap((_, c) =>
    masks.map((mask) => {
      let sum = 0n;
      for (let i = 0; i < plan.setSize; i++) if (mask[i]) sum += BigInt(columns[c][i]);
      return sum;
    }),
  );
}
