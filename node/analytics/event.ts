/**
 * Event analysis: how often an event happened and by how many customers, per day, week or month,
 * optionally with the sum, average and percentiles of a numeric property, split by up to two
 * properties, and compared with the previous period of the same length.
 *
 * Semantics (docs/analytics.md, Event analysis):
 * - `count` counts the selected events; `customers` counts distinct customers (over the bucket,
 *   the group or the whole range — never a sum of buckets). `sum`/`avg`/`p50`/`p90`/`p99` are over
 *   the events whose property is a number (continuous percentiles, linear interpolation).
 * - A breakdown keeps the `limit` most frequent values in the current range (ties by value) and
 *   groups the rest as `$other`; events without the property form the `null` group.
 * - The previous period uses the same top values, so a group compares like with like.
 * One scan with GROUPING SETS computes the series, the groups and the totals of both periods.
 * Distinct customers come from one window sorted per customer, which marks each customer's first
 * event in a bucket, a group and a period; counting marks is far cheaper than `count(DISTINCT)`
 * in every grouping set. The property's statistics are computed only when one is asked for.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader, EventRow } from '../events/store.js';
import { EventName, FiltersSchema, PropertyName, propertyNumber, propertyText, selectorSql } from './filters.js';
import { changePercent, CommonParams, defineModel } from './model.js';
import { bucketsOf, bucketText, DateOnly, dateRange, GranularitySchema, previousRange, ZonedSql, type DateRange } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

/** The label of the values beyond a breakdown's top `limit`. */
const OTHER = '$other';
const MAX_BREAKDOWNS = 2;

const EventParams = Type.Object(
  {
    event: EventName,
    filters: Type.Optional(FiltersSchema),
    from: DateOnly('First day (inclusive), in the configured time zone.'),
    to: DateOnly('Last day (inclusive).'),
    granularity: Type.Optional(GranularitySchema),
    property: Type.Optional({ ...PropertyName, description: 'A numeric property to sum, average and take percentiles of.' }),
    breakdowns: Type.Optional(Type.Array(PropertyName, { maxItems: MAX_BREAKDOWNS, description: 'Split by up to two properties.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Values kept per breakdown; the rest are grouped as $other.' })),
    compare: Type.Optional(Type.Boolean({ default: true, description: 'Also compute the previous period of the same length.' })),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type EventParams = Static<typeof EventParams>;

const Num = Type.Union([Type.Number(), Type.Null()]);
const Measures = Type.Object({ count: Type.Number(), customers: Type.Number(), sum: Num, avg: Num, p50: Num, p90: Num, p99: Num });
type Measures = Static<typeof Measures>;
const Change = Type.Object(
  { count: Num, customers: Num, sum: Num, avg: Num },
  { description: 'Change from the previous period, in percent; null without one.' },
);
const Group = Type.Array(Type.Union([Type.String(), Type.Null()]), { description: 'The breakdown values, in the order of `breakdowns`.' });
const Range = Type.Object({ from: Type.String(), to: Type.String() });
const Compared = Type.Object({ current: Measures, previous: Type.Union([Measures, Type.Null()]), change: Change });

const EventResult = Type.Object({
  timeZone: Type.String(),
  granularity: Type.String(),
  range: Range,
  previousRange: Type.Union([Range, Type.Null()]),
  breakdowns: Type.Array(Type.String()),
  /** Every bucket of the range, for a chart's axis (series rows exist only where events do). */
  buckets: Type.Array(Type.String()),
  series: Type.Array(Type.Object({ bucket: Type.String(), group: Group, ...Measures.properties })),
  groups: Type.Array(Type.Object({ group: Group, ...Compared.properties })),
  total: Compared,
});
export type EventResult = Static<typeof EventResult>;

const MEASURES = ['count', 'customers', 'sum', 'avg', 'p50', 'p90', 'p99'] as const;

function measures(row: EventRow | undefined): Measures {
  const m = Object.fromEntries(MEASURES.map((k) => [k, (row?.[k] as number | null | undefined) ?? null])) as Measures;
  m.count ??= 0;
  m.customers ??= 0;
  return m;
}

function compared(current: Measures, previous: Measures | null): Static<typeof Compared> {
  const change = (k: 'count' | 'customers' | 'sum' | 'avg') =>
    previous && current[k] !== null && previous[k] !== null ? changePercent(current[k], previous[k]) : null;
  return { current, previous, change: { count: change('count'), customers: change('customers'), sum: change('sum'), avg: change('avg') } };
}

/** The percentiles come back as one list (one sort for all three). */
function withQuantiles(row: EventRow): EventRow {
  const quantiles = row.quantiles as (number | null)[] | null;
  return { ...row, p50: quantiles?.[0] ?? null, p90: quantiles?.[1] ?? null, p99: quantiles?.[2] ?? null };
}

/** A group's values decoded from SQL (`v:` + value, `o` for other, NULL for absent). */
const decode = (v: unknown): string | null => (v === null ? null : v === 'o' ? OTHER : String(v).slice(2));

async function runEvent(reader: EventReader, p: EventParams, scope: ModelScope): Promise<EventResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const previous: DateRange | null = p.compare === false ? null : previousRange(range);
  const granularity = p.granularity ?? 'day';
  const breakdowns = p.breakdowns ?? [];
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const value = p.property ? propertyNumber(q, p.property, 'property') : null;
  const dims = breakdowns.map((b, i) => propertyText(q, b, `breakdowns[${i}]`));
  const limit = dims.length > 0 ? q.add(p.limit ?? 10) : '';
  const currentStart = zone.dayStart(q.add(range.from));
  const where = [
    selectorSql(q, p, ''),
    zone.within(q, previous ? { from: previous.from, to: range.to, days: previous.days + range.days } : range),
    scopeSql(q, scope),
  ].join(' AND ');
  const gs = dims.map((_, i) => `g${i}`);
  const tops = dims.map(
    (_, i) => `top${i} AS (SELECT b${i} FROM base WHERE cur AND b${i} IS NOT NULL GROUP BY b${i} ORDER BY count(*) DESC, b${i} LIMIT ${limit})`,
  );
  // A customer's first row in (cur), (cur, group) and (cur, group, bucket), in the window's order:
  // counting those rows counts distinct customers without a distinct aggregate.
  const ordered = ['cur', ...gs, 'bt'];
  const differs = (columns: string[]) => `count(*) FILTER (${columns.map((c) => `prev_${c} IS DISTINCT FROM ${c}`).join(' OR ')})`;
  const sets = gs.length > 0 ? `(cur, bt, ${gs.join(', ')}), (cur, ${gs.join(', ')}), (cur)` : '(cur, bt), (cur)';
  const stats = value
    ? ', sum(v) AS sum, avg(v) AS avg, quantile_cont(v, [0.5, 0.9, 0.99]) AS quantiles'
    : ', NULL::DOUBLE AS sum, NULL::DOUBLE AS avg, NULL::DOUBLE[] AS quantiles';
  const sql = `
    WITH base AS (
      SELECT customer_id, ${zone.bucketStart(granularity)} AS bt, time >= ${currentStart} AS cur${value ? `, ${value} AS v` : ''}
        ${dims.map((d, i) => `, ${d} AS b${i}`).join('')}
      FROM ${EVENTS_TABLE} WHERE ${where}
    )${tops.map((t) => `, ${t}`).join('')},
    grouped AS (
      SELECT customer_id, bt, cur${value ? ', v' : ''}
        ${dims.map((_, i) => `, CASE WHEN b${i} IS NULL THEN NULL WHEN b${i} IN (SELECT b${i} FROM top${i}) THEN 'v:' || b${i} ELSE 'o' END AS g${i}`).join('')}
      FROM base
    ),
    marked AS (
      SELECT cur, bt${gs.map((g) => `, ${g}`).join('')}${value ? ', v' : ''},
        ${ordered.map((c) => `lag(${c}) OVER w AS prev_${c}`).join(', ')}
      FROM grouped WINDOW w AS (PARTITION BY customer_id ORDER BY ${ordered.join(', ')})
    )
    SELECT grouping(bt) AS no_bucket, ${gs.length > 0 ? `grouping(${gs.join(', ')})` : '1'} AS no_group, cur, ${bucketText('bt')} AS bucket ${gs.map((g) => `, ${g}`).join('')},
      count(*) AS count,
      CASE WHEN grouping(bt) = 0 THEN ${differs(ordered)}
        ${gs.length > 0 ? `WHEN grouping(${gs.join(', ')}) = 0 THEN ${differs(['cur', ...gs])}` : ''}
        ELSE ${differs(['cur'])} END AS customers
      ${stats}
    FROM marked
    GROUP BY GROUPING SETS (${sets})`;
  const rows = (await reader.all(sql, q.values)).map(withQuantiles);

  const groupOf = (r: EventRow) => gs.map((g) => decode(r[g]));
  const key = (group: (string | null)[]) => JSON.stringify(group);
  const series = rows
    .filter((r) => r.cur === true && r.no_bucket === 0)
    .map((r) => ({ bucket: r.bucket as string, group: groupOf(r), ...measures(r) }))
    .sort((a, b) => a.bucket.localeCompare(b.bucket) || b.count - a.count || key(a.group).localeCompare(key(b.group)));
  const groupRows = (cur: boolean) =>
    new Map(rows.filter((r) => r.cur === cur && r.no_bucket === 1 && r.no_group === 0).map((r) => [key(groupOf(r)), { group: groupOf(r), m: measures(r) }]));
  const totalRow = (cur: boolean) => rows.find((r) => r.cur === cur && r.no_bucket === 1 && r.no_group === 1);
  const now = groupRows(true);
  const before = groupRows(false);
  const groups =
    breakdowns.length === 0
      ? []
      : [...new Set([...now.keys(), ...before.keys()])]
          .map((k) => ({
            group: (now.get(k) ?? before.get(k))!.group,
            ...compared(now.get(k)?.m ?? measures(undefined), previous ? (before.get(k)?.m ?? measures(undefined)) : null),
          }))
          .sort((a, b) => b.current.count - a.current.count || key(a.group).localeCompare(key(b.group)));
  return {
    timeZone: scope.timeZone,
    granularity,
    range: { from: range.from, to: range.to },
    previousRange: previous ? { from: previous.from, to: previous.to } : null,
    breakdowns,
    buckets: bucketsOf(range, granularity),
    series,
    groups,
    total: compared(measures(totalRow(true)), previous ? measures(totalRow(false)) : null),
  };
}

export const eventModel = defineModel({
  name: 'event',
  summary: 'Counts, unique customers and property statistics of an event over time, with breakdowns and the previous period',
  params: EventParams,
  result: EventResult,
  run: runEvent,
  scalars: (r) => {
    const out: Record<string, number> = { total: r.total.current.count, customers: r.total.current.customers };
    for (const k of ['sum', 'avg', 'p50', 'p90', 'p99'] as const) if (r.total.current[k] !== null) out[k] = r.total.current[k];
    if (r.total.change.count !== null) out.totalChange = r.total.change.count;
    if (r.total.change.customers !== null) out.customersChange = r.total.change.customers;
    return out;
  },
});
