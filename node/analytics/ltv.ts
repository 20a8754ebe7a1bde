/**
 * Lifetime value: how much value a cohort of customers brings, cumulatively, period after period.
 *
 * A customer's cohort is the day, week (Monday first) or month, in the node's time zone, of their
 * first start event in scope. Period 0 is that calendar day/week/month, period k the k-th after it,
 * also in the time zone. The value of a period is the sum of the value property over the value
 * events of the cohort's customers in it, counting only events at or after the customer's own start
 * (an absent or non-numeric value counts 0). Each cohort row gives its size, the cumulative value
 * through each period and that total per customer; a period that has not begun by the end of the
 * analysed range is null. The "all" row weighs every cohort that has reached a period.
 */
import type { EventReader } from '../events/store.js';
import { Binder, invalidParam, type Scope } from './draft-scope.js';

export const LTV_UNITS = ['day', 'week', 'month'] as const;
export type LtvUnit = (typeof LTV_UNITS)[number];

export interface LtvParams {
  /** The event that puts a customer in a cohort (its first occurrence). */
  start: string;
  /** The event that carries value (may equal the start event). */
  valueEvent: string;
  /** The number property of the value event that is summed. */
  valueProperty: string;
  unit?: LtvUnit;
  /** Periods reported, period 0 included (default 8). */
  periods?: number;
}

export interface LtvCohort {
  /** The cohort's first local day (YYYY-MM-DD). */
  cohort: string;
  customers: number;
  /** Value through period k, cumulative; null before the period begins. */
  cumulative: (number | null)[];
  /** `cumulative[k] / customers`. */
  perCustomer: (number | null)[];
}

export interface LtvResult {
  unit: LtvUnit;
  cohorts: LtvCohort[];
  /** Over the cohorts that reached each period. */
  all: { customers: number; perCustomer: (number | null)[] };
}

export const LTV_LIMITS = Object.freeze({ periods: 120 });
export const LTV_DEFAULTS = Object.freeze({ unit: 'week' as LtvUnit, periods: 8 });

const PROPERTY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** @example await ltv(reader, scope, { start: 'signup', valueEvent: 'purchase', valueProperty: 'amount', unit: 'month', periods: 6 }) */
export async function ltv(reader: EventReader, scope: Scope, params: LtvParams): Promise<LtvResult> {
  const { unit, periods } = checkLtvParams(params);
  const q = new Binder();
  const tz = q.bind(scope.timeZone);
  // The unit is one of LTV_UNITS, checked above: a fixed word, not user text.
  const local = (ts: string) => `date_trunc('${unit}', (${ts} AT TIME ZONE 'UTC') AT TIME ZONE ${tz})`;
  const sql = `
    WITH starts AS (
      SELECT customer_id, min(time) AS t0 FROM ${scope.events} WHERE name = ${q.bind(params.start)} GROUP BY customer_id
    ),
    cohorts AS (SELECT customer_id, t0, ${local('t0')} AS cohort FROM starts),
    sizes AS (
      SELECT cohort, count(*) AS customers, date_diff('${unit}', cohort, ${local(`${q.bind(scope.end)}::TIMESTAMP`)}) AS reached
      FROM cohorts GROUP BY cohort
    ),
    vals AS (
      SELECT c.cohort, date_diff('${unit}', c.cohort, ${local('v.time')}) AS period,
        coalesce(TRY_CAST(v.properties ->> ${q.bind(`$.${params.valueProperty}`)} AS DOUBLE), 0.0) AS value
      FROM ${scope.events} v JOIN cohorts c ON v.customer_id = c.customer_id
      WHERE v.name = ${q.bind(params.valueEvent)} AND v.time >= c.t0
    ),
    sums AS (SELECT cohort, period, sum(value) AS value FROM vals WHERE period < ${q.bind(periods)} GROUP BY cohort, period)
    SELECT strftime(s.cohort, '%Y-%m-%d') AS cohort, s.customers, s.reached, list({'period': v.period, 'value': v.value}) FILTER (WHERE v.period IS NOT NULL) AS vals
    FROM sizes s LEFT JOIN sums v ON v.cohort = s.cohort GROUP BY ALL ORDER BY cohort`;
  const rows = await reader.all(sql, q.params);
  const cohorts = rows.map((row) => cohortRow(row, periods));
  return { unit, cohorts, all: overall(cohorts, periods) };
}

function cohortRow(row: Record<string, unknown>, periods: number): LtvCohort {
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

function checkLtvParams(params: LtvParams): { unit: LtvUnit; periods: number } {
  const unit = params.unit ?? LTV_DEFAULTS.unit;
  const periods = params.periods ?? LTV_DEFAULTS.periods;
  if (!LTV_UNITS.includes(unit)) throw invalidParam('unit', `must be one of ${LTV_UNITS.join(', ')}`);
  if (!Number.isInteger(periods) || periods < 1 || periods > LTV_LIMITS.periods)
    throw invalidParam('periods', `must be an integer from 1 to ${LTV_LIMITS.periods}`);
  if (!PROPERTY.test(params.valueProperty)) throw invalidParam('valueProperty', 'must be a property name (letters, digits, underscores; up to 64)');
  return { unit, periods };
}
