/**
 * What both parties of an aggregate run derive on their own from the signed agreement, the
 * query and the value holder's set size — and then compare by digest before going on: the
 * encrypted columns (one per requested column, plus one 0/1 column per histogram bucket), the noise
 * of every released statistic (ε split evenly over count, sums and histograms), the homomorphic
 * plan with its overflow bound, and the digest of all of it.
 */
import { createHash } from 'node:crypto';
import {
  type NoiseParams,
  countSensitivity,
  describeNoise,
  histogramSensitivity,
  noiseScale,
  planNoise,
  rationalFromDecimal,
  scaledBound,
  sumSensitivity,
} from '../../protocols/dp/index.js';
import { type AggregationPlan, planAggregation, planDigest } from '../../protocols/he/index.js';
import type { AggregateColumn } from '../agreements/aggregate-terms.js';
import { aggregateTermsOf } from '../agreements/aggregate-policy.js';
import type { StoredAgreement } from '../agreements/store.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import type { AggregateRequestMsg } from '../wire/messages.js';

/** One encrypted column: a requested column's scaled values, or one bucket's 0/1 indicator. */
export interface EncryptedColumn {
  /** Index into the requested columns. */
  source: number;
  /** null for the value column, else the bucket index. */
  bucket: number | null;
  /** Bounds of the integers encrypted (scaled units, or 0/1). */
  min: bigint;
  max: bigint;
  /** The noise the value holder adds to this column's total of each group. */
  noise: NoiseParams;
}

export interface AggregateSetup {
  columns: AggregateColumn[];
  encrypted: EncryptedColumn[];
  /** The noise the querier adds to each group's count. */
  countNoise: NoiseParams;
  /** Per requested column: the noise on its sums (scaled units). */
  sumNoise: NoiseParams[];
  plan: AggregationPlan;
  /** sha256 hex of everything above with the agreement, the run and the suites. */
  digest: string;
}

/**
 * Far beyond any sample the value holder will add: the plan reserves this headroom below t/2, and
 * a sample beyond it (probability below 2⁻⁹⁰ for either mechanism) is drawn again.
 */
export function noiseBound(noise: NoiseParams): bigint {
  return BigInt(Math.ceil(64 * noiseScale(noise).value)) + 64n;
}

/**
 * @example const setup = aggregateSetup(agreement, request, columns, senderSetSize, { runId, psiSuite })
 */
export function aggregateSetup(
  agreement: StoredAgreement,
  request: AggregateRequestMsg,
  columns: readonly AggregateColumn[],
  setSize: number,
  run: { runId: string; psiSuite: string },
): AggregateSetup {
  const section = aggregateTermsOf(agreement);
  const g = request.maxGroupsPerRecord;
  const bounds = columns.map((c) => ({ min: scaledBound(c.min, c.scale ?? 0, 'down'), max: scaledBound(c.max, c.scale ?? 0, 'up') }));
  // Statistics released per group: the count, each column's sum, and (with --histogram) each histogram.
  const sensitivities = [
    countSensitivity(g),
    ...bounds.map((b) => sumSensitivity(b.min, b.max, g)),
    ...(request.histogram ? columns.map(() => histogramSensitivity(g)) : []),
  ];
  const noise = planNoise({
    mechanism: section.mechanism,
    epsilonPerQuery: rationalFromDecimal(section.epsilonPerQuery),
    ...(section.deltaPerQuery !== undefined ? { deltaPerQuery: rationalFromDecimal(section.deltaPerQuery) } : {}),
    sensitivities,
  });
  const sumNoise = columns.map((_, c) => noise[1 + c]);
  const encrypted: EncryptedColumn[] = columns.flatMap((c, i) => [
    { source: i, bucket: null, ...bounds[i], noise: sumNoise[i] },
    ...(request.histogram
      ? Array.from({ length: c.buckets!.length + 1 }, (_, b) => ({ source: i, bucket: b, min: 0n, max: 1n, noise: noise[1 + columns.length + i] }))
      : []),
  ]);
  const plan = planAggregation({
    setSize: Math.max(1, setSize),
    groups: request.groupSizes.length,
    columns: encrypted.map((e) => ({
      name: e.bucket === null ? columns[e.source].column : `${columns[e.source].column}[bucket ${e.bucket}]`,
      min: e.min,
      max: e.max,
    })),
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
    noiseBound: encrypted.reduce((max, e) => (noiseBound(e.noise) > max ? noiseBound(e.noise) : max), 0n),
  });
  const digest = createHash('sha256')
    .update(
      canonicalJson({
        context: 'mofang/v1/aggregate-settings',
        agreementId: agreement.id,
        termsHash: agreement.termsHash,
        runId: run.runId,
        psiSuite: run.psiSuite,
        request,
        setSize,
        plan: planDigest(plan),
        noise: [describeNoise(noise[0]), ...encrypted.map((e) => describeNoise(e.noise))],
      }),
    )
    .digest('hex');
  return { columns: [...columns], encrypted, countNoise: noise[0], sumNoise, plan, digest };
}

/** sha256 hex of the plan's canonical text: what the value holder announces in he_setup. */
export function planHash(plan: AggregationPlan): string {
  return createHash('sha256').update(planDigest(plan)).digest('hex');
}
