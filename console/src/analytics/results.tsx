/**
 * Each model's result as a chart and as a table of the same numbers (docs/analytics.md gives the
 * result shapes). The tables are what a screen reader reads and what a user copies; the retention
 * heat table is both the chart and the table.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { TFunction } from 'i18next';
import { memo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n';
import { Chart } from '../widgets/chart';
import type { ModelName, Run } from './models';

type Num = number | null;
interface EventResult {
  breakdowns: string[];
  buckets: string[];
  series: { bucket: string; group: (string | null)[]; count: number; customers: number; sum: Num; avg: Num }[];
  total: {
    current: { count: number; customers: number; sum: Num; avg: Num };
    previous: { count: number; customers: number; sum: Num; avg: Num } | null;
    change: Record<string, Num>;
  };
  previousRange: { from: string; to: string } | null;
}
interface FunnelResult {
  steps: {
    step: number;
    event: string;
    customers: number;
    conversionFromPrevious: Num;
    conversionFromFirst: Num;
    dropOff: number;
    medianSecondsFromPrevious: Num;
  }[];
  conversion: Num;
}
interface RetentionResult {
  granularity: string;
  cohorts: { cohort: string; size: number; returned: Num[]; rates: Num[] }[];
  average: { size: number; returned: Num[]; rates: Num[] };
}
interface DistributionResult {
  customers: number;
  buckets: { from: Num; to: Num; customers: number; share: number }[];
  stats: { min: Num; max: Num; avg: Num; median: Num };
}
interface IntervalResult {
  pairs: number;
  customers: number;
  mean: Num;
  median: Num;
  p90: Num;
  histogram: { from: number; to: Num; pairs: number }[];
}
interface PathResult {
  nodes: { id: string; step: number; name: string; customers: number }[];
  links: { source: string; target: string; customers: number }[];
}
interface AttributionResult {
  goals: number;
  value: number;
  direct: { goals: number; share: Num; value: number };
  credits: { key: string | null; conversions: number; value: number }[];
}
interface LtvResult {
  cohorts: { cohort: string; customers: number; cumulative: Num[]; perCustomer: Num[] }[];
  all: { customers: number; perCustomer: Num[] };
}

const n = (v: Num | undefined, digits = 2) => (v === null || v === undefined ? '—' : formatNumber(v, { maximumFractionDigits: digits }));
const pct = (v: Num | undefined) => (v === null || v === undefined ? '—' : formatNumber(v, { style: 'percent', maximumFractionDigits: 1 }));

/** Seconds in the largest unit that keeps them readable, e.g. "2.5 hours" / "2.5小时". */
function duration(seconds: Num | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const units = [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const;
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  return formatNumber(seconds / size, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 });
}

const groupName = (group: (string | null)[], t: TFunction) =>
  group.length === 0 ? t('analytics.result.all') : group.map((g) => g ?? t('analytics.result.none')).join(' · ');
const range = (from: Num, to: Num, show: (v: Num) => string) =>
  to === null ? `≥ ${show(from)}` : from === null ? `< ${show(to)}` : `${show(from)} – ${show(to)}`;

const AXIS = { axisLabel: { hideOverlap: true } };
const barOption = (labels: string[], series: { name: string; data: number[]; stack?: string; color?: string }[]): EChartsCoreOption => ({
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
  grid: { left: 48, right: 16, top: 36, bottom: 32, containLabel: true },
  xAxis: { type: 'category', data: labels, ...AXIS },
  yAxis: { type: 'value' },
  series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, stack: s.stack, itemStyle: s.color ? { color: s.color } : undefined })),
});

function Table({ caption, head, rows, testId }: { caption: string; head: string[]; rows: (string | number)[][]; testId: string }) {
  return (
    <table className="numbers" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((h, i) => (
            <th key={h} scope="col" className={i > 0 ? 'num' : undefined}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are replaced as a whole with each result
          <tr key={r}>
            {row.map((cell, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed by the header
              <td key={i} className={i > 0 ? 'num' : undefined}>
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EventView({ run, previous }: { run: Run<EventResult>; previous?: Run<EventResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const groups = [...new Set(r.series.map((s) => JSON.stringify(s.group)))].map((g) => JSON.parse(g) as (string | null)[]);
  const countOf = (series: EventResult['series'], bucket: string, group: string) =>
    series.filter((s) => s.bucket === bucket && JSON.stringify(s.group) === group).reduce((a, s) => a + s.count, 0);
  const lines = (groups.length > 0 ? groups : [[]]).map((g) => ({
    type: 'line',
    name: groupName(g, t),
    data: r.buckets.map((b) => countOf(r.series, b, JSON.stringify(g))),
  }));
  // The previous period bucket by bucket, aligned by position with the current one.
  const before = previous && r.breakdowns.length === 0 ? previous.result.buckets.map((b) => countOf(previous.result.series, b, '[]')) : null;
  if (before) lines.push({ type: 'line', name: t('analytics.result.previousPeriod'), data: before, lineStyle: { type: 'dashed' } } as (typeof lines)[number]);
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 32, containLabel: true },
    xAxis: { type: 'category', data: r.buckets, ...AXIS },
    yAxis: { type: 'value', minInterval: 1 },
    series: lines,
  };
  const { current, previous: prev, change } = r.total;
  return (
    <>
      <Chart option={option} label={t('analytics.chart.event')} height={300} />
      <Table
        caption={t('analytics.result.totals')}
        testId="event-totals"
        head={[t('analytics.result.measure'), t('analytics.result.current'), t('analytics.result.previous'), t('analytics.result.change')]}
        rows={(['count', 'customers', 'sum', 'avg'] as const)
          .filter((k) => k === 'count' || k === 'customers' || current[k] !== null)
          .map((k) => [t(`analytics.result.${k}`), n(current[k]), n(prev?.[k]), change[k] === null || change[k] === undefined ? '—' : `${n(change[k], 1)} %`])}
      />
      <Table
        caption={t('analytics.result.perBucket')}
        testId="event-series"
        head={[
          t('analytics.result.bucket'),
          t('analytics.result.group'),
          t('analytics.result.count'),
          t('analytics.result.customers'),
          ...(before ? [t('analytics.result.previousPeriod')] : []),
        ]}
        rows={r.buckets.flatMap((b, i) =>
          (groups.length > 0 ? groups : [[]]).map((g) => {
            const row = r.series.find((s) => s.bucket === b && JSON.stringify(s.group) === JSON.stringify(g));
            return [b, groupName(g, t), n(row?.count ?? 0), n(row?.customers ?? 0), ...(before ? [n(before[i] ?? null)] : [])];
          }),
        )}
      />
    </>
  );
}

function FunnelView({ run }: { run: Run<FunnelResult> }) {
  const { t } = useTranslation();
  const steps = run.result.steps;
  const labels = steps.map((s) => `${s.step}. ${s.event}`);
  const option = barOption(labels, [
    { name: t('analytics.result.customers'), data: steps.map((s) => s.customers), stack: 'funnel' },
    { name: t('analytics.result.dropOff'), data: steps.map((s) => s.dropOff), stack: 'funnel', color: '#b8c2d1' },
  ]);
  return (
    <>
      <Chart option={option} label={t('analytics.chart.funnel', { conversion: pct(run.result.conversion) })} height={300} />
      <Table
        caption={t('analytics.result.funnelTable', { conversion: pct(run.result.conversion) })}
        testId="funnel-table"
        head={[
          t('analytics.result.step'),
          t('analytics.result.customers'),
          t('analytics.result.fromPrevious'),
          t('analytics.result.fromFirst'),
          t('analytics.result.dropOff'),
          t('analytics.result.medianTime'),
        ]}
        rows={steps.map((s, i) => [
          labels[i] ?? '',
          n(s.customers),
          pct(s.conversionFromPrevious),
          pct(s.conversionFromFirst),
          n(s.dropOff),
          duration(s.medianSecondsFromPrevious),
        ])}
      />
    </>
  );
}

/** Eleven shades, from 0 % to 100 %: a class each, so the style sheet owns the colours. */
const heat = (rate: Num) => (rate === null ? 'heat-none' : `heat-${Math.round(Math.max(0, Math.min(1, rate)) * 10)}`);

function RetentionView({ run }: { run: Run<RetentionResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const periods = r.average.rates.map((_, i) => i);
  const unit = r.granularity === 'week' ? 'week' : 'day';
  const cells = (rates: Num[], returned: Num[]) =>
    rates.map((rate, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: a period's position is its identity
      <td key={i} className={`num ${heat(rate)}`} title={returned[i] === null ? undefined : t('analytics.result.returnedOf', { n: n(returned[i] ?? null) })}>
        {pct(rate)}
      </td>
    ));
  return (
    <table className="numbers retention" data-testid="retention-table">
      <caption>{t('analytics.chart.retention')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('analytics.result.cohort')}</th>
          <th scope="col" className="num">
            {t('analytics.result.size')}
          </th>
          {periods.map((p) => (
            <th key={p} scope="col" className="num">
              {t(`analytics.result.${unit}N`, { n: p })}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {r.cohorts.map((c) => (
          <tr key={c.cohort}>
            <th scope="row">{c.cohort}</th>
            <td className="num">{n(c.size)}</td>
            {cells(c.rates, c.returned)}
          </tr>
        ))}
        <tr className="average">
          <th scope="row">{t('analytics.result.average')}</th>
          <td className="num">{n(r.average.size)}</td>
          {cells(r.average.rates, r.average.returned)}
        </tr>
      </tbody>
    </table>
  );
}

function DistributionView({ run }: { run: Run<DistributionResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const labels = r.buckets.map((b) => range(b.from, b.to, (v) => n(v)));
  return (
    <>
      <Chart
        option={barOption(labels, [{ name: t('analytics.result.customers'), data: r.buckets.map((b) => b.customers) }])}
        label={t('analytics.chart.distribution')}
        height={280}
      />
      <Table
        caption={t('analytics.result.distributionTable', { customers: n(r.customers), avg: n(r.stats.avg), median: n(r.stats.median) })}
        testId="distribution-table"
        head={[t('analytics.result.band'), t('analytics.result.customers'), t('analytics.result.share')]}
        rows={r.buckets.map((b, i) => [labels[i] ?? '', n(b.customers), pct(b.share)])}
      />
    </>
  );
}

function IntervalView({ run }: { run: Run<IntervalResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const labels = r.histogram.map((b) => range(b.from, b.to, duration));
  return (
    <>
      <Chart
        option={barOption(labels, [{ name: t('analytics.result.pairs'), data: r.histogram.map((b) => b.pairs) }])}
        label={t('analytics.chart.interval')}
        height={280}
      />
      <Table
        caption={t('analytics.result.intervalTable', {
          pairs: n(r.pairs),
          customers: n(r.customers),
          mean: duration(r.mean),
          median: duration(r.median),
          p90: duration(r.p90),
        })}
        testId="interval-table"
        head={[t('analytics.result.gap'), t('analytics.result.pairs')]}
        rows={r.histogram.map((b, i) => [labels[i] ?? '', n(b.pairs)])}
      />
    </>
  );
}

function PathView({ run }: { run: Run<PathResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const names = new Map(r.nodes.map((node) => [node.id, node.name === 'other' && node.id.endsWith(':*') ? t('analytics.result.other') : node.name]));
  const label = (id: string) => `${id.split(':')[0]} · ${names.get(id) ?? id}`;
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: 120,
        nodeGap: 10,
        emphasis: { focus: 'adjacency' },
        label: { formatter: (p: { name: string }) => names.get(p.name) ?? p.name },
        data: r.nodes.map((node) => ({ name: node.id, value: node.customers })),
        links: r.links.map((l) => ({ source: l.source, target: l.target, value: l.customers })),
      },
    ],
  };
  return (
    <>
      {r.links.length > 0 ? <Chart option={option} label={t('analytics.chart.path')} height={360} /> : <p>{t('analytics.result.noPaths')}</p>}
      <Table
        caption={t('analytics.result.pathTable')}
        testId="path-table"
        head={[t('analytics.result.move'), t('analytics.result.customers')]}
        rows={r.links.map((l) => [`${label(l.source)} → ${label(l.target)}`, n(l.customers)])}
      />
    </>
  );
}

function AttributionView({ run }: { run: Run<AttributionResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const keys = r.credits.map((c) => c.key ?? t('analytics.result.none'));
  return (
    <>
      <Chart
        option={barOption(keys, [{ name: t('analytics.result.conversions'), data: r.credits.map((c) => c.conversions) }])}
        label={t('analytics.chart.attribution', { model: t(`analytics.option.model.${String(run.params.model)}`) })}
        height={280}
      />
      <Table
        caption={t('analytics.result.attributionTable', { goals: n(r.goals), direct: n(r.direct.goals), share: pct(r.direct.share) })}
        testId="attribution-table"
        head={[t('analytics.result.touch'), t('analytics.result.conversions'), t('analytics.result.value')]}
        rows={[...r.credits.map((c, i) => [keys[i] ?? '', n(c.conversions), n(c.value)]), [t('analytics.result.direct'), n(r.direct.goals), n(r.direct.value)]]}
      />
    </>
  );
}

function LtvView({ run }: { run: Run<LtvResult> }) {
  const { t } = useTranslation();
  const r = run.result;
  const periods = r.all.perCustomer.map((_, i) => t('analytics.result.periodN', { n: i }));
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 48, right: 16, top: 36, bottom: 32, containLabel: true },
    xAxis: { type: 'category', data: periods, ...AXIS },
    yAxis: { type: 'value' },
    series: [
      ...r.cohorts.map((c) => ({ type: 'line', name: c.cohort, data: c.perCustomer })),
      { type: 'line', name: t('analytics.result.allCohorts'), data: r.all.perCustomer, lineStyle: { width: 3 } },
    ],
  };
  return (
    <>
      <Chart option={option} label={t('analytics.chart.ltv')} height={300} />
      <Table
        caption={t('analytics.result.ltvTable', { customers: n(r.all.customers) })}
        testId="ltv-table"
        head={[t('analytics.result.cohort'), t('analytics.result.size'), ...periods]}
        rows={[
          ...r.cohorts.map((c) => [c.cohort, n(c.customers), ...c.perCustomer.map((v) => n(v))]),
          [t('analytics.result.allCohorts'), n(r.all.customers), ...r.all.perCustomer.map((v) => n(v))],
        ]}
      />
    </>
  );
}

/**
 * The chart and table of one run; `previous` is the event model's run over the previous period.
 * Memoised on the run: typing in the query form must not redraw the chart.
 */
export const Result = memo(function Result({ run, previous }: { run: Run; previous?: Run }) {
  const views: Record<ModelName, () => ReactNode> = {
    event: () => <EventView run={run as Run<EventResult>} previous={previous as Run<EventResult> | undefined} />,
    funnel: () => <FunnelView run={run as Run<FunnelResult>} />,
    retention: () => <RetentionView run={run as Run<RetentionResult>} />,
    distribution: () => <DistributionView run={run as Run<DistributionResult>} />,
    interval: () => <IntervalView run={run as Run<IntervalResult>} />,
    path: () => <PathView run={run as Run<PathResult>} />,
    attribution: () => <AttributionView run={run as Run<AttributionResult>} />,
    ltv: () => <LtvView run={run as Run<LtvResult>} />,
  };
  return views[run.model]();
});
