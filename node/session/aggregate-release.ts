/**
 * The querier's last step: from exact counts (its masks), the value holder's noisy sums (already
 * unblinded) and the agreed noise, the numbers it may release — each with its noise scale and 95 %
 * interval. The querier adds the count noise itself; a group whose noisy count is below
 * minGroupSize, or whose exact count is below the agreement's minIntersection (withheld, as every
 * smaller result is), is suppressed (only that fact is released).
 */
import { type NoiseParams, release, releaseMean, sampleNoise, suppress } from '../../protocols/dp/index.js';
import type { GroupTotal } from '../../protocols/he/index.js';
import type { GroupRelease } from '../scores/joint-scores.js';
import type { AggregateSetup } from './aggregate-plan.js';

/** Draws one noise sample; tests may pass a deterministic one, nodes never do. */
export type NoiseSource = (noise: NoiseParams) => bigint;
export const secureNoise: NoiseSource = (noise) => sampleNoise(noise);

export interface ReleaseInput {
  setup: AggregateSetup;
  groups: { label: string; inputSize: number }[];
  /** Exact matched records per group. */
  counts: number[];
  /** unblind()'s totals: encrypted column × group, noise of the value holder included. */
  totals: GroupTotal[];
  minGroupSize: number;
  /** Every group, not only the union of the groups, is withheld below it. */
  minIntersection: number;
  /** The querier's count noise, one sample per group, drawn before the value holder's reply arrived. */
  countNoise: bigint[];
}

export function releaseGroups(r: ReleaseInput): GroupRelease[] {
  const { setup } = r;
  const total = (encrypted: number, group: number) => r.totals.find((t) => t.column === encrypted && t.group === group)!.sum;
  return r.groups.map((group, g) => {
    const noisyCount = BigInt(r.counts[g]) + r.countNoise[g];
    const count = release({ noisy: noisyCount }, setup.countNoise);
    if (suppress(noisyCount, r.minGroupSize) || r.counts[g] < r.minIntersection) {
      return { index: g, label: group.label, inputSize: group.inputSize, suppressed: true, count: null, columns: [], score: null, rank: null };
    }
    const columns = setup.columns.map((column, c) => {
      const decimals = column.scale ?? 0;
      const valueIndex = setup.encrypted.findIndex((e) => e.source === c && e.bucket === null);
      const spec = setup.encrypted[valueIndex];
      const noisySum = total(valueIndex, g);
      const buckets = setup.encrypted.map((e, i) => ({ e, i })).filter(({ e }) => e.source === c && e.bucket !== null);
      return {
        column: column.column,
        sum: release({ noisy: noisySum }, spec.noise, { decimals }),
        mean: releaseMean({ noisySum, sumNoise: spec.noise, noisyCount, countNoise: setup.countNoise, min: spec.min, max: spec.max, decimals }),
        ...(buckets.length > 0
          ? { histogram: { edges: [...column.buckets!], counts: buckets.map(({ e, i }) => release({ noisy: total(i, g) }, e.noise)) } }
          : {}),
      };
    });
    return { index: g, label: group.label, inputSize: group.inputSize, suppressed: false, count, columns, score: null, rank: null };
  });
}
