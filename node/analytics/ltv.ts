/**
 * Lifetime value: how much value a cohort of customers brings, cumulatively, period after period.
 *
 * A customer's cohort is the day, week (Monday first) or month, in the node's time zone, of their
 * first start event in the date range, as in retention. Period 0 is that calendar
 * day/week/month, period k the k-th after it, also in the time zone. The value of a period is the
 * sum of the value property over the value events of the cohort's customers in it, counting only
 * events at or after the customer's own start (an absent or non-numeric value counts 0). Each
 * cohort row gives its size, the cumulative value through each period and that total per
 * customer; a period that has not begun yet is null. The "all" row weighs every cohort that has
 * reached a period.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader, EventRow } from '../events/store.js';
import { EventSelectorSchema, PropertyName, propertyNumber, selectorSql } from './filters.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, GranularitySchema, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

const LTV_LIMITS = Object.freeze({ periods: 120 });
/** The schema fills this in; `run` falls back to the same. */
const DEFAULT_PERIODS = 8;

const LtvParams = Type.Object(
  {
    start: { ...EventSelectorSchema, description: 'The event whose first occurrence puts a customer in a cohort (the cohorts are those of the range).' },
    value: { ...EventSelectorSchema, description: 'The event that carries value (may be the start event).' },
    valueProperty: { ...PropertyName, description: 'The number property of the value event that is summed (0 when absent).' },
    from: DateOnly('First day (inclusive) of the cohorts, in the configured time zone.'),
    to: DateOnly('Last day (inclusive) of the cohorts; value events after it still count.'),
    granularity: Type.Optional(GranularitySchema),
    periods: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: LTV_LIMITS.periods,
        default: DEFAULT_PERIODS,
        description: "Periods reported, period 0 (the cohort's own) included.",
      }),
    ),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type LtvParams = Static<typeof LtvParams>;

const Values = Type.Array(Type.Union([Type.Number(), Type.Null()]), { description: 'One per period; null before the period begins.' });
const LtvCohort = Type.Object({
  cohort: Type.String({ description: "The cohort's first local day (YYYY-MM-DD)." }),
  customers: Type.Number(),
  cumulative: { ...Values, description: 'Value through each period, cumulative; null before the period begins.' },
  perCustomer: { ...Values, description: 'cumulative / customers.' },
});
type LtvCohort = Static<typeof LtvCohort>;
const LtvResult = Type.Object({
  timeZone: Type.String(),
  granularity: Type.String(),
  cohorts: Type.Array(LtvCohort),
  all: Type.Object({ customers: Type.Number(), perCustomer: { ...Values, description: 'Over the cohorts that reached each period.' } }),
});
export type LtvResult = Static<typeof LtvResult>;

async function runLtv(reader: EventReader, p: LtvParams, scope: ModelScope): Promise<LtvResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const granularity = p.granularity ?? 'day';
  const periods = p.periods ?? DEFAULT_PERIODS;
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const customers = scopeSql(q, scope);
  // The local bucket as a DATE (not through text). ZonedSql.bucketStart refuses a unit other than
  // day, week or month, so once `cohortOf` is built the unit can be written into date_diff as a word.
  const unitStart = (column: string) => `${zone.bucketStart(granularity, column)}::DATE`;
  const cohortOf = unitStart('time');
  // Now as a UTC TIMESTAMP, like the stored times (a TIMESTAMPTZ cast would use the session's zone).
  const now = q.add(scope.now.toISOString().slice(0, 23).replace('T', ' '));
  const sql = `
    WITH firsts AS (
      SELECT customer_id, min(time) AS time FROM ${EVENTS_TABLE}
      WHERE ${selectorSql(q, p.start, 'start')} AND ${zone.within(q, range)} AND ${customers} GROUP BY customer_id
    ),
    cohorts AS (SELECT customer_id, time AS t0, ${cohortOf} AS cohort FROM firsts),
    sizes AS (
      SELECT cohort, count(*) AS customers, date_diff('${granularity}', cohort, ${unitStart(`${now}::TIMESTAMP`)}) AS reached
      FROM cohorts GROUP BY cohort
    ),
    vals AS (
      SELECT c.cohort, date_diff('${granularity}', c.cohort, ${unitStart('v.time')}) AS period,
        coalesce(${propertyNumber(q, p.valueProperty, 'valueProperty')}, 0.0) AS value
      FROM ${EVENTS_TABLE} v JOIN cohorts c ON v.customer_id = c.customer_id
      WHERE ${selectorSql(q, p.value, 'value')} AND v.time >= c.t0
    ),
    sums AS (SELECT cohort, period, sum(value) AS value FROM vals WHERE period < ${q.add(periods)} GROUP BY cohort, period)
    SELECT strftime(s.cohort, '%Y-%m-%d') AS cohort, s.customers, s.reached, list({'period': v.period, 'value': v.value}) FILTER (WHERE v.period IS NOT NULL) AS vals
    FROM sizes s LEFT JOIN sums v ON v.cohort = s.cohort GROUP BY ALL ORDER BY cohort`;
  const cohorts = (await reader.all(sql, q.values)).map((row) => cohortRow(row, periods));
  return { timeZone: scope.timeZone, granularity, cohorts, all: overall(cohorts, periods) };
}

export const ltvModel = defineModel({
  name: 'ltv',
  summary: 'Cumulative value per customer by cohort (first start event per day, week or month) over N periods',
  params: LtvParams,
  result: LtvResult,
  run: runLtv,
  scalars: (r) => {
    const out: Record<string, number> = { customers: r.all.customers };
    r.all.perCustomer.forEach((v, k) => {
      if (v !== null) out[`period${k}`] = v;
    });
    return out;
  },
});

function cohortRow(row: EventRow, periods: number): LtvCohort {
  const customers = Number(row.customers);
  const reached = Number(row.reached);
  const byPeriod = new Array<number>(periods).fill(0);
  for (const { period, value } of (row.vals as { period: number; value: number }[] | null) ?? []) byPeriod[Number(period)] += value;
  let running = 0;
  const cumulative = byPeriod.map((value, k) => {
    running += value;
    return k <= reached ? running : null;
  });
  return { cohort: String(row.cohort), customers, cumulative, perCustomer: cumulative.map((v) => (v === null ? null : v / customers)) };
}

function overall(cohorts: readonly LtvCohort[], periods: number): LtvResult['all'] {
  const perCustomer = Array.from({ length: periods }, (_, k) => {
    const reached = cohorts.filter((c) => c.cumulative[k] !== null);
    const customers = reached.reduce((s, c) => s + c.customers, 0);
    return customers === 0 ? null : reached.reduce((s, c) => s + (c.cumulative[k] as number), 0) / customers;
  });
  return { customers: cohorts.reduce((s, c) => s + c.customers, 0), perCustomer };
}
