/**
 * Interval analysis: how long customers take from an event A to the next event B.
 *
 * The A events are those of the date range (local days); each is paired with the first B after it
 * for the same customer, which may come after the range (several As before one B each pair with
 * that B). Events are ordered by time; at the same instant an A comes before a B, so a B
 * logged with its A counts as 0 s. When A and B are the same event, the pair is an occurrence and
 * the next one (ties broken by event id). With a maximum gap, an A whose next B is later has no
 * pair. One window pass (`min … OVER (… FOLLOWING)`) finds every next B without a self-join.
 *
 * Percentiles interpolate linearly between the two nearest pairs (`quantile_cont`), the rule a
 * spreadsheet's PERCENTILE.INC uses.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader } from '../events/store.js';
import { EventSelectorSchema, selectorSql } from './filters.js';
import { invalidParam } from './invalid.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

const INTERVAL_LIMITS = Object.freeze({ buckets: 50, maxGapSeconds: 366 * 86_400 });

const IntervalParams = Type.Object(
  {
    initial: { ...EventSelectorSchema, description: 'Event A: where each interval starts (its filters apply to A only).' },
    target: { ...EventSelectorSchema, description: 'Event B: where it ends; may be the same event as A.' },
    from: DateOnly('First day (inclusive) of the A events, in the configured time zone.'),
    to: DateOnly('Last day (inclusive) of the A events; the B that ends a pair may come later.'),
    maxGapSeconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: INTERVAL_LIMITS.maxGapSeconds, description: 'An A whose next B is further away than this has no pair.' }),
    ),
    buckets: Type.Optional(
      Type.Array(Type.Number({ exclusiveMinimum: 0 }), {
        minItems: 1,
        maxItems: INTERVAL_LIMITS.buckets,
        description: 'Histogram bounds in seconds, strictly ascending: buckets [0, b1), [b1, b2), …, [bk, ∞). Automatic when absent.',
      }),
    ),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type IntervalParams = Static<typeof IntervalParams>;

const Seconds = Type.Union([Type.Number(), Type.Null()], { description: 'Seconds; null without a pair.' });
const IntervalResult = Type.Object({
  pairs: Type.Number(),
  customers: Type.Number(),
  mean: Seconds,
  p25: Seconds,
  median: Seconds,
  p75: Seconds,
  p90: Seconds,
  histogram: Type.Array(
    Type.Object({
      from: Type.Number({ description: 'Seconds, inclusive.' }),
      to: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds, exclusive; null for the last, open bucket.' }),
      pairs: Type.Number(),
    }),
  ),
});
export type IntervalResult = Static<typeof IntervalResult>;
type IntervalBucket = IntervalResult['histogram'][number];

/** Bounds the automatic histogram picks from: 1 s … 90 d, in steps people read at a glance. */
const LADDER = [1, 10, 60, 300, 900, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400, 172_800, 259_200, 604_800, 1_209_600, 2_592_000, 5_184_000, 7_776_000];

async function runInterval(reader: EventReader, p: IntervalParams, scope: ModelScope): Promise<IntervalResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  checkBounds(p.buckets);
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const isA = selectorSql(q, p.initial, 'initial');
  const isB = selectorSql(q, p.target, 'target');
  const rangeStart = zone.dayStart(q.add(range.from));
  const rangeEnd = zone.dayStart(q.add(range.to), 1);
  const maxGap = p.maxGapSeconds === undefined ? 'TRUE' : `gap <= ${q.add(p.maxGapSeconds)}`;
  // Counting in every ladder bucket lets one pass serve the automatic histogram, trimmed below.
  const bounds = p.buckets ?? LADDER;
  const edges = [0, ...bounds];
  const counts = edges.map((lo, i) => {
    const upper = i + 1 < edges.length ? ` AND gap < ${q.add(edges[i + 1])}` : '';
    return `count(*) FILTER (WHERE gap >= ${q.add(lo)}${upper}) AS b${i}`;
  });
  // A B before the range cannot end a pair that starts in it, so the scan starts with the range.
  const sql = `
    WITH ab AS (
      SELECT customer_id, time, event_id, ${isA} AS is_a, ${isB} AS is_b
      FROM ${EVENTS_TABLE} WHERE (${isA} OR ${isB}) AND time >= ${rangeStart} AND ${scopeSql(q, scope)}
    ),
    nexts AS (
      SELECT customer_id, time, is_a,
        min(CASE WHEN is_b THEN time END) OVER (
          PARTITION BY customer_id ORDER BY time, CASE WHEN is_a THEN 0 ELSE 1 END, event_id
          ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_b
      FROM ab
    ),
    gaps AS (
      SELECT customer_id, epoch(next_b - time) AS gap FROM nexts WHERE is_a AND time < ${rangeEnd} AND next_b IS NOT NULL
    )
    SELECT count(*) AS pairs, count(DISTINCT customer_id) AS customers, avg(gap) AS mean,
      quantile_cont(gap, [0.25, 0.5, 0.75, 0.9]) AS q, min(gap) AS lo, max(gap) AS hi, ${counts.join(', ')}
    FROM gaps WHERE ${maxGap}`;
  const [row] = await reader.all(sql, q.values);
  const pairs = Number(row.pairs);
  const q4 = (row.q as number[] | null) ?? [null, null, null, null];
  const perBucket = edges.map((_, i) => Number(row[`b${i}`]));
  const histogram = p.buckets !== undefined ? buckets(bounds, perBucket) : pairs === 0 ? [] : trimmedLadder(perBucket, Number(row.lo), Number(row.hi));
  return {
    pairs,
    customers: Number(row.customers),
    mean: pairs === 0 ? null : Number(row.mean),
    p25: q4[0],
    median: q4[1],
    p75: q4[2],
    p90: q4[3],
    histogram,
  };
}

export const intervalModel = defineModel({
  name: 'interval',
  summary: 'Time from an event A to the next event B per customer: median, percentiles and a histogram',
  params: IntervalParams,
  result: IntervalResult,
  run: runInterval,
  scalars: (r) => {
    const out: Record<string, number> = { pairs: r.pairs, customers: r.customers };
    for (const k of ['mean', 'p25', 'median', 'p75', 'p90'] as const) if (r[k] !== null) out[k] = r[k];
    return out;
  },
});

function buckets(bounds: readonly number[], counts: readonly number[]): IntervalBucket[] {
  const edges = [0, ...bounds];
  return edges.map((from, i) => ({ from, to: i + 1 < edges.length ? edges[i + 1] : null, pairs: counts[i] }));
}

/** The ladder's bounds strictly above the shortest pair and at most the longest, counts merged. */
function trimmedLadder(counts: readonly number[], lo: number, hi: number): IntervalBucket[] {
  const kept = LADDER.map((bound, i) => ({ bound, i })).filter(({ bound }) => bound > lo && bound <= hi);
  // Ladder bucket j spans [edge j, edge j+1) with edge 0 = 0 and edge j = LADDER[j-1].
  const merged: number[] = [];
  let start = 0;
  for (const { i } of kept) {
    merged.push(sum(counts.slice(start, i + 1)));
    start = i + 1;
  }
  merged.push(sum(counts.slice(start)));
  return buckets(
    kept.map(({ bound }) => bound),
    merged,
  );
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** The schema checks each bound; their order it cannot. */
function checkBounds(bounds: readonly number[] | undefined): void {
  bounds?.forEach((bound, i) => {
    if (i > 0 && bound <= bounds[i - 1]) throw invalidParam(`buckets[${i}]`, 'bounds must be in strictly ascending order');
  });
}
