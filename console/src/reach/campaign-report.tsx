/**
 * One journey's campaign report (GET /v1/reach/reports/journeys/:id): the attribution rule as the
 * node states it, the goals, the figures of the totals and each channel side by side, each reach
 * node, the A/B groups with the experiment's lift and interval, and the CSV export.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../api';
import { formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';
import { useAction } from '../widgets/action';
import { ExperimentPanel } from '../widgets/experiment-report';
import { type Figures, FiguresTable } from './figures-table';
import { DEFAULT_QUERY, ReportControls, type ReportQuery, reportParams } from './report-controls';

interface CampaignReport {
  journey: { id: number; name: string };
  rule: { text: string; model: string; windowDays: number; from: string; to: string };
  goals: { total: number; direct: number };
  totals: Figures;
  channels: (Figures & { channel: string })[];
  nodes: (Figures & { node: string; channel: string })[];
  variants: (Figures & { variant: string })[];
  notes: string[];
}

export function CampaignReportView({ journeyId }: { journeyId: number }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState<ReportQuery>(DEFAULT_QUERY);
  const report = useLoad(() => api<CampaignReport>(`/v1/reach/reports/journeys/${journeyId}?${reportParams(query)}`), JSON.stringify([journeyId, query]));
  const exporting = useAction();
  const channel = (c: string) => t(`reach.channel.${c}`, { defaultValue: c });
  return (
    <>
      <h1>{report.data ? t('reach.reportOf', { name: report.data.journey.name }) : t('reach.report')}</h1>
      <ReportControls value={query} onApply={setQuery} />
      <Panel title={t('reach.report')} loaded={report}>
        {(r) => (
          <>
            <p className="rule" data-testid="attribution-rule">
              <strong>{t('reach.rule')}</strong> {r.rule.text}
            </p>
            <p>{t('reach.goals', { total: formatNumber(r.goals.total), direct: formatNumber(r.goals.direct) })}</p>
            {r.notes.length > 0 && (
              <ul className="notes" aria-label={t('reach.notes')} data-testid="report-notes">
                {r.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            )}
            <FiguresTable
              caption={t('reach.byChannel')}
              columns={[
                { id: 'total', label: t('reach.total'), figures: r.totals },
                ...r.channels.map((c) => ({ id: `channel-${c.channel}`, label: channel(c.channel), figures: c })),
              ]}
            />
            {r.nodes.length > 0 && (
              <FiguresTable
                caption={t('reach.byNode')}
                columns={r.nodes.map((n) => ({ id: `node-${n.node}`, label: `${n.node} · ${channel(n.channel)}`, figures: n }))}
              />
            )}
            {r.variants.length > 0 && (
              <FiguresTable caption={t('reach.byVariant')} columns={r.variants.map((v) => ({ id: `variant-${v.variant}`, label: v.variant, figures: v }))} />
            )}
            <p className="help">{t('reach.roiNote')}</p>
            <button
              type="button"
              disabled={exporting.busy}
              onClick={() =>
                exporting.run(async () => {
                  await download(`/v1/reach/reports/journeys/${journeyId}?${reportParams(query, { format: 'csv' })}`, `journey-${journeyId}-report.csv`);
                  return t('reach.exported');
                })
              }
            >
              {exporting.busy ? t('reach.exporting') : t('reach.exportCsv')}
            </button>
            {exporting.outcome}
          </>
        )}
      </Panel>
      {report.data && report.data.variants.length > 0 && <ExperimentPanel journeyId={journeyId} />}
    </>
  );
}
