/**
 * How `mofang analytics` prints the interval, path, attribution and LTV results (the other models'
 * printers are in analytics-tables.ts, which includes these).
 */
import type { PrintedTable } from './analytics-tables.js';

// biome-ignore lint/suspicious/noExplicitAny: results arrive as the models' JSON; each printer reads its own model's shape.
type Result = any;

const round = (v: number) => Math.round(v * 100) / 100;

/** Seconds as people read them: 45 s, 12.5 min, 3.2 h, 1.5 d. */
function duration(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return `${round(seconds)} s`;
  if (seconds < 3_600) return `${round(seconds / 60)} min`;
  if (seconds < 86_400) return `${round(seconds / 3_600)} h`;
  return `${round(seconds / 86_400)} d`;
}

export const SEQUENCE_TABLES: Record<string, (result: Result) => PrintedTable[]> = {
  interval: (r) => [
    {
      title: 'Time from A to the next B',
      header: ['pairs', 'customers', 'mean', 'p25', 'median', 'p75', 'p90'],
      rows: [[r.pairs, r.customers, ...['mean', 'p25', 'median', 'p75', 'p90'].map((k) => duration(r[k]))]],
    },
    {
      title: 'Histogram',
      header: ['from', 'to', 'pairs'],
      rows: r.histogram.map((b: Result) => [duration(b.from), b.to === null ? '…' : duration(b.to), b.pairs]),
    },
  ],
  path: (r) => [
    { title: 'Steps', header: ['step', 'event', 'customers'], rows: r.nodes.map((n: Result) => [n.step, n.name, n.customers]) },
    { title: 'Moves', header: ['from', 'to', 'customers'], rows: r.links.map((l: Result) => [l.source, l.target, l.customers]) },
  ],
  attribution: (r) => [
    {
      title: `${r.model} attribution: ${r.goals} goals, value ${r.value}`,
      header: ['credited to', 'conversions', 'value'],
      rows: [...r.credits.map((c: Result) => [c.key ?? '(none)', round(c.conversions), round(c.value)]), ['(direct)', r.direct.goals, round(r.direct.value)]],
    },
  ],
  ltv: (r) => {
    const periods = r.all.perCustomer.map((_: unknown, k: number) => `${r.granularity} ${k}`);
    const cells = (values: (number | null)[]) => values.map((v) => (v === null ? null : round(v)));
    return [
      {
        title: `Cumulative value per customer (${r.timeZone})`,
        header: ['cohort', 'customers', ...periods],
        rows: [...r.cohorts.map((c: Result) => [c.cohort, c.customers, ...cells(c.perCustomer)]), ['all', r.all.customers, ...cells(r.all.perCustomer)]],
      },
    ];
  },
};
