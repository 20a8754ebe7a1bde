/**
 * Interval analysis: how long customers take from an event A to the next event B.
 *
 * Each A is paired with the first B after it for the same customer (several As before one B each
 * pair with that B). Events are ordered by time; at the same instant an A comes before a B, so a B
 * logged with its A counts as 0 s. When A and B are the same event, the pair is an occurrence and
 * the next one (ties broken by event id). With a maximum gap, an A whose next B is later has no
 * pair. One window pass (`min … OVER (… FOLLOWING)`) finds every next B without a self-join.
 *
 * Percentiles interpolate linearly between the two nearest pairs (`quantile_cont`), the rule a
 * spreadsheet's PERCENTILE.INC uses.
 */
import type { EventReader } from '../events/store.js';
import { Binder, invalidParam, type Scope } from './draft-scope.js';

export interface IntervalParams {
  /** Event A: the start of each interval. */
  from: string;
  /** Event B: the end of each interval (may equal A). */
  to: string;
  /** Pairs further apart than this many seconds are dropped; none by default. */
  maxGapSeconds?: number;
  /** Ascending histogram bounds in seconds; automatic (a ladder of human durations) by default. */
  buckets?: number[];
}

export interface IntervalBucket {
  /** Seconds, inclusive. */
  from: number;
  /** Seconds, exclusive; null for the last, open bucket. */
  to: number | null;
  pairs: number;
}

export interface IntervalResult {
  pairs: number;
  customers: number;
  /** Seconds; null when there is no pair. */
  mean: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
  histogram: IntervalBucket[];
}

export const INTERVAL_LIMITS = Object.freeze({ buckets: 50, maxGapSeconds: 366 * 86_400 });

/** Bounds the automatic histogram picks from: 1 s … 90 d, in steps people read at a glance. */
const LADDER = [1, 10, 60, 300, 900, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400, 172_800, 259_200, 604_800, 1_209_600, 2_592_000, 5_184_000, 7_776_000];

/** @example await interval(reader, scope, { from: 'signup', to: 'first_deposit', maxGapSeconds: 7 * 86_400 }) */
export async function interval(reader: EventReader, scope: Scope, params: IntervalParams): Promise<IntervalResult> {
  checkIntervalParams(params);
  const q = new Binder();
  const a = q.bind(params.from);
  const b = q.bind(params.to);
  const maxGap = params.maxGapSeconds === undefined ? 'TRUE' : `gap <= ${q.bind(params.maxGapSeconds)}`;
  // Counting in every ladder bucket lets one pass serve the automatic histogram, trimmed below.
  const bounds = params.buckets ?? LADDER;
  const edges = [0, ...bounds];
  const counts = edges.map((lo, i) => {
    const upper = i + 1 < edges.length ? ` AND gap < ${q.bind(edges[i + 1])}` : '';
    return `count(*) FILTER (WHERE gap >= ${q.bind(lo)}${upper}) AS b${i}`;
  });
  const sql = `
    WITH ab AS (
      SELECT customer_id, time, event_id, name = ${a} AS is_a, name = ${b} AS is_b
      FROM ${scope.events} WHERE name = ${a} OR name = ${b}
    ),
    nexts AS (
      SELECT customer_id, time, is_a,
        min(CASE WHEN is_b THEN time END) OVER (
          PARTITION BY customer_id ORDER BY time, CASE WHEN is_a THEN 0 ELSE 1 END, event_id
          ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_b
      FROM ab
    ),
    gaps AS (
      SELECT customer_id, epoch(next_b - time) AS gap FROM nexts WHERE is_a AND next_b IS NOT NULL
    )
    SELECT count(*) AS pairs, count(DISTINCT customer_id) AS customers, avg(gap) AS mean,
      quantile_cont(gap, [0.25, 0.5, 0.75, 0.9]) AS q, min(gap) AS lo, max(gap) AS hi, ${counts.join(', ')}
    FROM gaps WHERE ${maxGap}`;
  const [row] = await reader.all(sql, q.params);
  const pairs = Number(row.pairs);
  const q4 = (row.q as number[] | null) ?? [null, null, null, null];
  const perBucket = edges.map((_, i) => Number(row[`b${i}`]));
  const histogram = params.buckets !== undefined ? buckets(bounds, perBucket) : pairs === 0 ? [] : trimmedLadder(perBucket, Number(row.lo), Number(row.hi));
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

function checkIntervalParams(params: IntervalParams): void {
  const { maxGapSeconds, buckets: bounds } = params;
  if (maxGapSeconds !== undefined && !(Number.isFinite(maxGapSeconds) && maxGapSeconds >= 0 && maxGapSeconds <= INTERVAL_LIMITS.maxGapSeconds)) {
    throw invalidParam('maxGapSeconds', `must be a number of seconds from 0 to ${INTERVAL_LIMITS.maxGapSeconds}`);
  }
  if (bounds === undefined) return;
  if (bounds.length === 0 || bounds.length > INTERVAL_LIMITS.buckets) {
    throw invalidParam('buckets', `must list 1 to ${INTERVAL_LIMITS.buckets} bounds`);
  }
  bounds.forEach((bound, i) => {
    if (!Number.isFinite(bound) || bound <= (i === 0 ? 0 : bounds[i - 1])) {
      throw invalidParam(`buckets[${i}]`, 'bounds must be positive seconds in strictly ascending order');
    }
  });
}
