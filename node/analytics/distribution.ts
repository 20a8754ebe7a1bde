/**
 * Distribution: the customers who did an event in the range, bucketed by how many times they did
 * it, or by the sum of a numeric property over those events.
 *
 * Semantics (docs/analytics.md, Distribution):
 * - Only customers with at least one selected event count (the population of "did X").
 * - `measure: 'sum'` adds the property over the customer's events where it is a number (0 when
 *   none is).
 * - Buckets are half-open, `[from, to)`. Given `bounds` b₀ < … < bₙ: [b₀, b₁), …, [bₙ, ∞), and
 *   (−∞, b₀) when some value is below b₀. Automatic: for counts spanning at most 20 values, one
 *   bucket per count; otherwise about 10 buckets of a "nice" width (1, 2 or 5 × 10ᵏ; at least 1
 *   for counts) starting at a multiple of it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader } from '../events/store.js';
import { EventName, FiltersSchema, PropertyName, propertyNumber, selectorSql } from './filters.js';
import { invalidParam } from './invalid.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

const MAX_BOUNDS = 50;
/** Counts spanning at most this many values get one bucket each. */
const EXACT_COUNTS = 20;

const DistributionParams = Type.Object(
  {
    event: EventName,
    filters: Type.Optional(FiltersSchema),
    from: DateOnly('First day, in the configured time zone.'),
    to: DateOnly('Last day (inclusive).'),
    measure: Type.Optional(
      Type.Union([Type.Literal('count'), Type.Literal('sum')], {
        default: 'count',
        description: 'Bucket by the number of events, or by the sum of `property`.',
      }),
    ),
    property: Type.Optional({ ...PropertyName, description: 'The numeric property to sum (measure: sum).' }),
    bounds: Type.Optional(
      Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_BOUNDS, description: 'Bucket lower bounds, strictly increasing; automatic without.' }),
    ),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type DistributionParams = Static<typeof DistributionParams>;

const Num = Type.Union([Type.Number(), Type.Null()]);
const DistributionResult = Type.Object({
  range: Type.Object({ from: Type.String(), to: Type.String() }),
  timeZone: Type.String(),
  measure: Type.String(),
  property: Type.Union([Type.String(), Type.Null()]),
  customers: Type.Number({ description: 'Customers who did the event in the range.' }),
  buckets: Type.Array(Type.Object({ from: Num, to: Num, customers: Type.Number(), share: Num }), { description: '[from, to); null is unbounded.' }),
  stats: Type.Object({ min: Num, max: Num, avg: Num, median: Num }),
});
export type DistributionResult = Static<typeof DistributionResult>;

/** Automatic lower bounds for values from `min` to `max`. */
export function autoBounds(min: number, max: number, integers: boolean): number[] {
  if (integers && max - min + 1 <= EXACT_COUNTS) return Array.from({ length: max - min + 1 }, (_, i) => min + i);
  if (max === min) return [min];
  const raw = (max - min) / 10;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let width = [1, 2, 5, 10].map((m) => m * magnitude).find((w) => w >= raw) ?? 10 * magnitude;
  if (integers) width = Math.max(1, Math.ceil(width));
  const bounds: number[] = [];
  // Rounded to the width's precision so 0.1 steps do not drift (0.30000000000000004).
  const round = (x: number) => Number(x.toPrecision(12));
  for (let b = Math.floor(min / width) * width; b <= max; b = round(b + width)) bounds.push(round(b));
  return bounds;
}

async function runDistribution(reader: EventReader, p: DistributionParams, scope: ModelScope): Promise<DistributionResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const measure = p.measure ?? 'count';
  if (measure === 'sum' && !p.property) throw invalidParam('property', 'measure sum needs a property');
  if (measure === 'count' && p.property) throw invalidParam('property', 'only with measure sum');
  p.bounds?.forEach((b, i) => {
    if (i > 0 && b <= p.bounds![i - 1]) throw invalidParam(`bounds[${i}]`, `${b} is not above the bound before it (${p.bounds![i - 1]})`);
  });
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const value = measure === 'sum' ? `coalesce(sum(${propertyNumber(q, p.property!, 'property')}), 0)` : 'count(*)';
  const perCustomer = `SELECT ${value} AS v FROM ${EVENTS_TABLE}
    WHERE ${selectorSql(q, p, '')} AND ${zone.within(q, range)} AND ${scopeSql(q, scope)} GROUP BY customer_id`;
  // One pass for the statistics (and the automatic bounds), one to bucket with the bounds bound.
  const [stats] = await reader.all(
    `SELECT count(*) AS customers, min(v) AS min, max(v) AS max, avg(v) AS avg, quantile_cont(v, 0.5) AS median FROM (${perCustomer})`,
    q.values,
  );
  const customers = stats.customers as number;
  const bounds = p.bounds ?? (customers === 0 ? [] : autoBounds(Number(stats.min), Number(stats.max), measure === 'count'));
  const counts = new Map<number, number>();
  if (customers > 0 && bounds.length > 0) {
    const index = bounds.map((b) => `(v >= ${q.add(b)})::INTEGER`).join(' + ');
    for (const r of await reader.all(`SELECT ${index} AS k, count(*) AS n FROM (${perCustomer}) GROUP BY k`, q.values))
      counts.set(r.k as number, r.n as number);
  }
  const share = (n: number) => (customers === 0 ? null : n / customers);
  const buckets = [
    ...(counts.get(0) ? [{ from: null, to: bounds[0], customers: counts.get(0)!, share: share(counts.get(0)!) }] : []),
    ...bounds.map((b, i) => {
      const n = counts.get(i + 1) ?? 0;
      return { from: b, to: bounds[i + 1] ?? null, customers: n, share: share(n) };
    }),
  ];
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    range: { from: range.from, to: range.to },
    timeZone: scope.timeZone,
    measure,
    property: p.property ?? null,
    customers,
    buckets,
    stats: { min: num(stats.min), max: num(stats.max), avg: num(stats.avg), median: num(stats.median) },
  };
}

export const distributionModel = defineModel({
  name: 'distribution',
  summary: 'Customers bucketed by how many times they did an event, or by the sum of a property',
  params: DistributionParams,
  result: DistributionResult,
  run: runDistribution,
  scalars: (r) => {
    const out: Record<string, number> = { customers: r.customers };
    if (r.stats.avg !== null) out.avg = r.stats.avg;
    if (r.stats.median !== null) out.median = r.stats.median;
    return out;
  },
});
