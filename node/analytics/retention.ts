/**
 * Retention: customers grouped into cohorts by the day (or week) of their first start event in
 * the range, and the share of each cohort that did the return event N days (weeks) later.
 *
 * Semantics (docs/analytics.md, Retention), in the configured time zone:
 * - A customer's cohort is the bucket of their first start event within the range.
 * - They count as returned in period N (0 ≤ N ≤ `periods`) if they did the return event in the
 *   bucket N after their cohort's, at or after that first start event (this matters only for
 *   N = 0: a return earlier that day is not a return).
 * - A period whose bucket has not started yet (after today, in the time zone) is `null`, not 0.
 * - `average` pools the cohorts: returned / size over the cohorts whose period N has started.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader } from '../events/store.js';
import { EventSelectorSchema, selectorSql } from './filters.js';
import { invalidParam } from './invalid.js';
import { CommonParams, defineModel } from './model.js';
import { addDays, bucketsOf, DateOnly, dateRange, localDate, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

/** Most periods per granularity: a month of days, a quarter of weeks. */
const MAX_PERIODS = { day: 30, week: 12 } as const;

const RetentionParams = Type.Object(
  {
    start: EventSelectorSchema,
    return: EventSelectorSchema,
    from: DateOnly('First cohort day, in the configured time zone.'),
    to: DateOnly('Last cohort day (inclusive).'),
    granularity: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week')], { default: 'day', description: 'Cohorts and periods by day or by week (from Monday).' }),
    ),
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 7, description: 'Periods after the cohort: up to 30 days or 12 weeks.' })),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type RetentionParams = Static<typeof RetentionParams>;

const Counts = Type.Array(Type.Union([Type.Number(), Type.Null()]), { description: 'Index N: period N after the cohort; null when it has not started.' });
const RetentionResult = Type.Object({
  timeZone: Type.String(),
  granularity: Type.String(),
  periods: Type.Number(),
  range: Type.Object({ from: Type.String(), to: Type.String() }),
  cohorts: Type.Array(Type.Object({ cohort: Type.String(), size: Type.Number(), returned: Counts, rates: Counts })),
  average: Type.Object({ size: Type.Number(), returned: Counts, rates: Counts }),
});
export type RetentionResult = Static<typeof RetentionResult>;

async function runRetention(reader: EventReader, p: RetentionParams, scope: ModelScope): Promise<RetentionResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const granularity = p.granularity ?? 'day';
  const periods = p.periods ?? 7;
  if (periods > MAX_PERIODS[granularity]) {
    throw invalidParam('periods', `at most ${MAX_PERIODS[granularity]} for ${granularity} cohorts`, { limit: MAX_PERIODS[granularity] });
  }
  const step = granularity === 'week' ? 7 : 1;
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const to = q.add(range.to);
  // The last cohort's last period ends at most (periods + 1) buckets after `to`.
  const returnEnd = zone.dayStart(to, (periods + 1) * step);
  const bucket = (col: string) => `date_trunc('${granularity}', ${zone.local(col)})`;
  const sql = `
    WITH cohorts AS (
      SELECT customer_id AS c, min(time) AS t0 FROM ${EVENTS_TABLE}
      WHERE ${selectorSql(q, p.start, 'start')} AND ${zone.within(q, range)} AND ${scopeSql(q, scope)}
      GROUP BY customer_id
    ),
    cohort_buckets AS (SELECT c, t0, ${bucket('t0')} AS cb FROM cohorts),
    returns AS (
      SELECT DISTINCT co.cb, r.c, date_diff('day', co.cb, ${bucket('r.time')}) // ${step} AS n
      FROM (
        SELECT customer_id AS c, time FROM ${EVENTS_TABLE}
        WHERE ${selectorSql(q, p.return, 'return')} AND time >= ${zone.dayStart(q.add(range.from))} AND time < ${returnEnd}
      ) r JOIN cohort_buckets co ON r.c = co.c
      WHERE r.time >= co.t0
    )
    SELECT strftime(cb, '%Y-%m-%d') AS cohort, -1 AS n, count(*) AS customers FROM cohort_buckets GROUP BY cb
    UNION ALL
    SELECT strftime(cb, '%Y-%m-%d'), n, count(*) FROM returns WHERE n <= ${q.add(periods)} GROUP BY cb, n`;
  const rows = await reader.all(sql, q.values);

  const today = localDate(scope.now, scope.timeZone);
  const started = (cohort: string, n: number) => addDays(cohort, n * step) <= today;
  const Ns = Array.from({ length: periods + 1 }, (_, n) => n);
  const cohorts = bucketsOf(range, granularity)
    .map((cohort) => {
      const size = (rows.find((r) => r.cohort === cohort && r.n === -1)?.customers as number | undefined) ?? 0;
      const returned = Ns.map((n) =>
        started(cohort, n) ? ((rows.find((r) => r.cohort === cohort && r.n === n)?.customers as number | undefined) ?? 0) : null,
      );
      return { cohort, size, returned, rates: returned.map((x) => (x === null || size === 0 ? null : x / size)) };
    })
    .filter((c) => c.size > 0);
  const pooled = Ns.map((n) => cohorts.filter((c) => c.returned[n] !== null));
  const average = {
    size: cohorts.reduce((s, c) => s + c.size, 0),
    returned: pooled.map((cs, n) => (cs.length === 0 ? null : cs.reduce((s, c) => s + (c.returned[n] ?? 0), 0))),
    rates: pooled.map((cs, n) => {
      const size = cs.reduce((s, c) => s + c.size, 0);
      return size === 0 ? null : cs.reduce((s, c) => s + (c.returned[n] ?? 0), 0) / size;
    }),
  };
  return { timeZone: scope.timeZone, granularity, periods, range: { from: range.from, to: range.to }, cohorts, average };
}

export const retentionModel = defineModel({
  name: 'retention',
  summary: 'Cohorts by a start event and the share returning by a return event N days or weeks later',
  params: RetentionParams,
  result: RetentionResult,
  run: runRetention,
  scalars: (r) => {
    const out: Record<string, number> = { cohortSize: r.average.size };
    r.average.rates.forEach((rate, n) => {
      if (rate !== null) out[`${r.granularity}${n}`] = rate;
    });
    return out;
  },
});
