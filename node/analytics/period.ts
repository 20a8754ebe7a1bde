/**
 * Date ranges and time buckets. A range is two calendar dates, both inclusive, in the node's
 * configured time zone (`events.timeZone`); events are stored with UTC times, so the range becomes
 * UTC bounds and each event's local time is computed in SQL with DuckDB's ICU `timezone()` — an
 * event at 23:30 UTC on 1 January belongs to 2 January in Asia/Shanghai. Weeks start on Monday
 * (ISO). The previous period is the same number of days, ending the day before `from`.
 */
import { Type } from '@sinclair/typebox';
import { invalidParam } from './invalid.js';
import type { QueryParams } from './query.js';
import { steadyOffsetAround } from './steady-offset.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** A UTC instant as DuckDB reads a TIMESTAMP literal. */
const sqlTimestamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export const DateOnly = (description: string) => Type.String({ pattern: DATE.source, description, examples: ['2026-03-01'] });

const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const GranularitySchema = Type.Union(
  GRANULARITIES.map((g) => Type.Literal(g)),
  { default: 'day', description: 'Time buckets: day, week (from Monday) or month, in the configured time zone.' },
);

export interface DateRange {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day (inclusive), YYYY-MM-DD. */
  to: string;
  /** Days in the range. */
  days: number;
}

function dayNumber(date: string, field: string): number {
  const m = DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date)
    throw invalidParam(field, `"${date.slice(0, 32)}" is not a date (YYYY-MM-DD)`);
  return ms / DAY_MS;
}

const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Checks a range: real dates, `from` ≤ `to`, at most `maxDays` days. `prefix` names the fields (`returnRange.`). */
export function dateRange(from: string, to: string, maxDays: number, prefix = ''): DateRange {
  const a = dayNumber(from, `${prefix}from`);
  const b = dayNumber(to, `${prefix}to`);
  if (a > b) throw invalidParam(`${prefix}to`, `${to} is before from (${from})`);
  const days = b - a + 1;
  if (days > maxDays)
    throw invalidParam(`${prefix}to`, `the range has ${days} days, more than the limit of ${maxDays} (analytics.maxRangeDays)`, { limit: maxDays });
  return { from, to, days };
}

/** The same number of days, ending the day before `range.from`. */
export function previousRange(range: DateRange): DateRange {
  const a = dayNumber(range.from, 'from');
  return { from: dateOf(a - range.days), to: dateOf(a - 1), days: range.days };
}

/** `days` days after `date` (negative: before). */
export function addDays(date: string, days: number): string {
  return dateOf(dayNumber(date, 'date') + days);
}

/** The calendar date of an instant in a time zone (YYYY-MM-DD). */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** The start of the bucket holding `date` (a Monday for weeks, the 1st for months). */
function bucketOf(date: string, granularity: Granularity): string {
  const day = dayNumber(date, 'date');
  if (granularity === 'day') return date;
  if (granularity === 'week') return dateOf(day - ((new Date(day * DAY_MS).getUTCDay() + 6) % 7));
  return `${date.slice(0, 8)}01`;
}

/** Every bucket start that overlaps the range, in order. */
export function bucketsOf(range: DateRange, granularity: Granularity): string[] {
  const out: string[] = [];
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) {
    const b = bucketOf(d, granularity);
    if (out[out.length - 1] !== b) out.push(b);
  }
  return out;
}

/**
 * SQL for times in one time zone, its name bound once. `local(col)` is the wall-clock time there
 * (a TIMESTAMP), `start(date)`/`end(date)` the UTC instants a local day starts and ends.
 */
export class ZonedSql {
  private readonly tz: string;
  /** Bound on first use: DuckDB refuses a statement with a parameter it never reads. */
  private steady: { from: string; to: string; offsetSeconds: number } | null = null;

  constructor(
    private readonly q: QueryParams,
    private readonly timeZone: string,
    private readonly now = new Date(),
  ) {
    this.tz = q.add(timeZone);
  }

  /**
   * The wall-clock time of a UTC `TIMESTAMP` column: plain arithmetic while the zone keeps the
   * offset it has now (steady-offset.ts), ICU outside that span (a DST change, an old law).
   */
  local(column = 'time'): string {
    if (!this.steady) {
      const s = steadyOffsetAround(this.timeZone, this.now);
      this.steady = { from: this.q.add(sqlTimestamp(s.from)), to: this.q.add(sqlTimestamp(s.to)), offsetSeconds: s.offsetSeconds };
    }
    const { from, to, offsetSeconds } = this.steady;
    return `CASE WHEN ${column} >= ${from}::TIMESTAMP AND ${column} < ${to}::TIMESTAMP THEN ${column} + INTERVAL (${Math.trunc(offsetSeconds)}) SECOND ELSE timezone(${this.tz}, timezone('UTC', ${column})) END`;
  }

  /** The UTC instant the local day `datePlaceholder` (a bound `YYYY-MM-DD`) starts. */
  dayStart(datePlaceholder: string, plusDays = 0): string {
    return `timezone('UTC', timezone(${this.tz}, (${datePlaceholder}::DATE + ${Math.trunc(plusDays)})::TIMESTAMP))`;
  }

  /** `time` within the range, as UTC bounds (a plain comparison on the stored column). */
  within(q: QueryParams, range: DateRange, column = 'time'): string {
    return `${column} >= ${this.dayStart(q.add(range.from))} AND ${column} < ${this.dayStart(q.add(range.to), 1)}`;
  }

  /** The local bucket start of a UTC column, as `YYYY-MM-DD` text. */
  bucket(granularity: Granularity, column = 'time'): string {
    return bucketText(this.bucketStart(granularity, column));
  }

  /** The local bucket start of a UTC column, as a TIMESTAMP: cheaper to group and sort than text. */
  bucketStart(granularity: Granularity, column = 'time'): string {
    if (!(GRANULARITIES as readonly string[]).includes(granularity))
      throw invalidParam('granularity', `unknown granularity ${String(granularity).slice(0, 16)}`);
    return `date_trunc('${granularity}', ${this.local(column)})`;
  }
}

/** A bucket start (from `ZonedSql.bucketStart`) as `YYYY-MM-DD` text. */
export const bucketText = (start: string) => `strftime(${start}, '%Y-%m-%d')`;
