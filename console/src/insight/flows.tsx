/**
 * Flows: the size of each category per snapshot (the trend, a line chart) and where the customers
 * of one snapshot went by another (the transition matrix as a Sankey, and as a table).
 */
import { useEffect, useMemo, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { navigate } from '../router';
import { ErrorBox, Panel, useLoad } from '../ui';
import { Chart } from '../widgets/chart';
import { CHART_COLOURS } from '../widgets/chart-colours';

interface Snapshot {
  period: string;
  population: number;
  labels: string[];
  sizes: number[];
  takenAt: string;
}
interface Matrix {
  from: Snapshot;
  to: Snapshot;
  labels: string[];
  counts: number[][];
  departed: number[];
  arrived: number[];
}

/** A category's name: the node calls the first one (customers in none of the others) in English; it is ours to translate. */
const categoryOf = (t: TFunction, labels: string[], i: number): string => (i === 0 ? t('insight.flows.noneOf') : labels[i]);

export function Flows({ selected, editable }: { selected: string | null; editable: boolean }) {
  const { t } = useTranslation();
  const list = useLoad(() => api<{ flows: { name: string; dataset: string; every: string | null }[] }>('/v1/insight/flows'));
  return (
    <>
      <Panel title={t('insight.flows.list')} loaded={list}>
        {({ flows }) =>
          flows.length === 0 ? (
            <p>{t('insight.flows.none')}</p>
          ) : (
            <ul className="choices">
              {flows.map((f) => (
                <li key={f.name}>
                  <a
                    href={`/console/insight/flows/${f.name}`}
                    aria-current={f.name === selected ? 'true' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`insight/flows/${f.name}`);
                    }}
                  >
                    {f.name}
                  </a>{' '}
                  <span className="help-inline">
                    {f.dataset} · {f.every ? t(`insight.flows.every.${f.every}`) : t('insight.flows.byHand')}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Panel>
      {selected && <Flow key={selected} name={selected} editable={editable} />}
    </>
  );
}

function Flow({ name, editable }: { name: string; editable: boolean }) {
  const { t } = useTranslation();
  const loaded = useLoad(() => api<{ snapshots: Snapshot[] }>(`/v1/insight/flows/${encodeURIComponent(name)}`));
  const [snap, setSnap] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const snapshots = loaded.data?.snapshots ?? [];
  const [pair, setPair] = useState<{ from: string; to: string } | null>(null);
  useEffect(() => {
    const n = snapshots.length;
    if (pair === null && n >= 2) setPair({ from: snapshots[n - 2].period, to: snapshots[n - 1].period });
  }, [snapshots, pair]);

  const takeSnapshot = async () => {
    setSnap({ busy: true });
    try {
      await api(`/v1/insight/flows/${encodeURIComponent(name)}/snapshots`, { method: 'POST', body: {} });
      setSnap({ busy: false });
      loaded.reload();
    } catch (error) {
      setSnap({ busy: false, error });
    }
  };

  const trend = useMemo(() => {
    const labels = [...new Set(snapshots.flatMap((s) => s.labels))];
    const shown = (label: string) => (label === snapshots[0]?.labels[0] ? categoryOf(t, [label], 0) : label);
    return {
      legend: { top: 0, type: 'scroll' },
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: 'category', data: snapshots.map((s) => s.period) },
      yAxis: { type: 'value', minInterval: 1 },
      series: labels.map((label) => ({ type: 'line', name: shown(label), data: snapshots.map((s) => s.sizes[s.labels.indexOf(label)] ?? 0) })),
    };
  }, [snapshots, t]);

  return (
    <Panel title={t('insight.flows.flow', { name })} loaded={loaded}>
      {() => (
        <>
          {editable && (
            <p>
              <button type="button" disabled={snap.busy} onClick={() => void takeSnapshot()}>
                {snap.busy ? t('insight.flows.snapshotting') : t('insight.flows.snapshot')}
              </button>
            </p>
          )}
          {snap.error !== undefined && <ErrorBox error={snap.error} />}
          {snapshots.length === 0 ? (
            <p>{t('insight.flows.noSnapshots')}</p>
          ) : (
            <>
              <h3>{t('insight.flows.trend')}</h3>
              <Chart option={trend} label={t('insight.flows.trendChart', { name })} height={240} />
              <table className="compact" aria-label={t('insight.flows.trendTable')}>
                <thead>
                  <tr>
                    <th scope="col">{t('insight.flows.period')}</th>
                    <th scope="col">{t('insight.flows.taken')}</th>
                    <th scope="col">{t('insight.flows.population')}</th>
                    <th scope="col">{t('insight.flows.sizes')}</th>
                  </tr>
                </thead>
                <tbody>
                  {snapshots.map((s) => (
                    <tr key={s.period}>
                      <td>{s.period}</td>
                      <td>{formatDate(s.takenAt)}</td>
                      <td>{formatNumber(s.population)}</td>
                      <td>{s.labels.map((_, i) => `${categoryOf(t, s.labels, i)}: ${formatNumber(s.sizes[i])}`).join(' · ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {snapshots.length >= 2 && pair && <Transitions name={name} periods={snapshots.map((s) => s.period)} pair={pair} onPair={setPair} />}
        </>
      )}
    </Panel>
  );
}

function Transitions({
  name,
  periods,
  pair,
  onPair,
}: {
  name: string;
  periods: string[];
  pair: { from: string; to: string };
  onPair(p: { from: string; to: string }): void;
}) {
  const { t } = useTranslation();
  const matrix = useLoad(() => api<Matrix>(`/v1/insight/flows/${encodeURIComponent(name)}/matrix?${new URLSearchParams(pair)}`), JSON.stringify(pair));
  const select = (key: 'from' | 'to') => (
    <label>
      <span>{t(`insight.flows.${key}`)}</span>
      <select value={pair[key]} onChange={(e) => onPair({ ...pair, [key]: e.target.value })}>
        {periods.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
  const sankey = useMemo(() => {
    const m = matrix.data;
    if (!m) return null;
    // Each category appears twice, once per snapshot: a Sankey must not loop back to a node.
    const left = m.labels.map((_, i) => `${categoryOf(t, m.labels, i)} · ${m.from.period}`);
    const right = m.labels.map((_, i) => `${categoryOf(t, m.labels, i)} · ${m.to.period}`);
    const links = m.counts.flatMap((row, i) => row.map((value, j) => ({ source: left[i], target: right[j], value })).filter((l) => l.value > 0));
    // Categories nobody is in would stack their labels on top of each other; a category keeps its colour on both sides.
    const used = new Set(links.flatMap((l) => [l.source, l.target]));
    const nodes = [...left, ...right].flatMap((n, k) =>
      used.has(n) ? [{ name: n, itemStyle: { color: CHART_COLOURS[(k % m.labels.length) % CHART_COLOURS.length] } }] : [],
    );
    return {
      series: [
        {
          type: 'sankey',
          left: 8,
          right: 160,
          top: 8,
          bottom: 8,
          nodeGap: 14,
          data: nodes,
          links,
          label: { color: '#1d2433' },
          lineStyle: { color: 'source', opacity: 0.35 },
        },
      ],
    };
  }, [matrix.data, t]);
  return (
    <section aria-labelledby="transitions-title">
      <h3 id="transitions-title">{t('insight.flows.transitions')}</h3>
      <div className="filters">
        {select('from')}
        {select('to')}
      </div>
      {matrix.error !== undefined && <ErrorBox error={matrix.error} />}
      {matrix.data && sankey && (
        <>
          <Chart option={sankey} label={t('insight.flows.sankey', { from: matrix.data.from.period, to: matrix.data.to.period })} height={320} />
          <table
            className="compact matrix"
            data-testid="transition-table"
            aria-label={t('insight.flows.matrixTable', { from: matrix.data.from.period, to: matrix.data.to.period })}
          >
            <thead>
              <tr>
                <th scope="col">{t('insight.flows.fromTo')}</th>
                {matrix.data.labels.map((l, i) => (
                  <th scope="col" key={l}>
                    {categoryOf(t, matrix.data?.labels ?? [], i)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {matrix.data.counts.map((row, i) => (
                <tr key={matrix.data?.labels[i]}>
                  <th scope="row">{categoryOf(t, matrix.data?.labels ?? [], i)}</th>
                  {row.map((n, j) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: columns are the categories, in order
                    <td key={j}>{formatNumber(n)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="help">{t('insight.flows.arrived', { n: formatNumber(matrix.data.arrived.reduce((a, b) => a + b, 0)) })}</p>
        </>
      )}
    </section>
  );
}
