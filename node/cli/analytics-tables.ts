/**
 * How `mofang analytics` prints each model's result: one or more titled tables. A model without
 * an entry is printed as JSON.
 */
type Cell = string | number | null;

export interface PrintedTable {
  title?: string;
  header: string[];
  rows: Cell[][];
}

// biome-ignore lint/suspicious/noExplicitAny: results arrive as the models' JSON; each printer reads its own model's shape.
type Result = any;

const groupLabel = (group: (string | null)[]) => group.map((v) => v ?? '(none)').join(' / ');
/** A ratio (0.25) as a percentage. */
const pctOf = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`);
const pct = (v: number | null) => (v === null ? null : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);

export const ANALYTICS_TABLES: Record<string, (result: Result) => PrintedTable[]> = {
  event: (r) => {
    const split = r.breakdowns.length > 0;
    const stats = r.total.current.sum !== null ? ['sum', 'avg', 'p50', 'p90', 'p99'] : [];
    const measures = (m: Result) => [m.count, m.customers, ...stats.map((k) => m[k])];
    const tables: PrintedTable[] = [
      {
        title: `Per ${r.granularity} (${r.timeZone})`,
        header: ['bucket', ...(split ? [r.breakdowns.join(' / ')] : []), 'count', 'customers', ...stats],
        rows: r.series.map((s: Result) => [s.bucket, ...(split ? [groupLabel(s.group)] : []), ...measures(s)]),
      },
    ];
    if (split) {
      tables.push({
        title: 'Groups',
        header: [r.breakdowns.join(' / '), 'count', 'customers', ...stats, 'previous count', 'change'],
        rows: r.groups.map((g: Result) => [groupLabel(g.group), ...measures(g.current), g.previous?.count ?? null, pct(g.change.count)]),
      });
    }
    tables.push({
      title: `Total ${r.range.from} … ${r.range.to}${r.previousRange ? ` vs ${r.previousRange.from} … ${r.previousRange.to}` : ''}`,
      header: ['', 'count', 'customers', ...stats],
      rows: [
        ['current', ...measures(r.total.current)],
        ...(r.total.previous ? [['previous', ...measures(r.total.previous)]] : []),
        ['change', pct(r.total.change.count), pct(r.total.change.customers), ...stats.map((k) => (k === 'sum' || k === 'avg' ? pct(r.total.change[k]) : null))],
      ],
    });
    return tables;
  },
  funnel: (r) => [
    {
      title: `Funnel ${r.range.from} … ${r.range.to}, ${r.order} order, window ${r.windowSeconds} s${r.sameProperty ? `, same ${r.sameProperty}` : ''}`,
      header: ['step', 'event', 'customers', 'from previous', 'from first', 'drop-off', 'median s from previous'],
      rows: r.steps.map((s: Result) => [
        s.step,
        s.event,
        s.customers,
        pctOf(s.conversionFromPrevious),
        pctOf(s.conversionFromFirst),
        s.dropOff,
        s.medianSecondsFromPrevious,
      ]),
    },
  ],
  retention: (r) => {
    const ns = Array.from({ length: r.periods + 1 }, (_, n) => `${r.granularity} ${n}`);
    return [
      {
        title: `Retention by ${r.granularity} (${r.timeZone}); rates of each cohort`,
        header: ['cohort', 'size', ...ns],
        rows: [...r.cohorts.map((c: Result) => [c.cohort, c.size, ...c.rates.map(pctOf)]), ['all', r.average.size, ...r.average.rates.map(pctOf)]],
      },
    ];
  },
  distribution: (r) => [
    {
      title: `Customers by ${r.measure === 'sum' ? `sum of ${r.property}` : 'number of events'} (${r.customers} customers; median ${r.stats.median ?? '-'})`,
      header: ['from', 'to', 'customers', 'share'],
      rows: r.buckets.map((b: Result) => [b.from ?? '-∞', b.to ?? '∞', b.customers, pctOf(b.share)]),
    },
  ],
};
