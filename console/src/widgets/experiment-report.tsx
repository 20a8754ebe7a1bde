/**
 * A journey's A/B report as the node computes it (GET /v1/journeys/:id/experiment): each group's
 * entries, conversions and rate, its lift over the reference with the 95 % interval, the verdict
 * and the warnings (always the caution against peeking). A journey without an experiment says so.
 * Used by the Strategy page and next to the campaign report.
 */
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api';
import { formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';

interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
}
interface ExperimentReport {
  experiment: { name: string; node: string; goal: string | null; winner: string; minSamplePerBranch: number | null };
  reference: string;
  groups: { key: string; entered: number; converted: number; rate: Estimate | null }[];
  comparisons: {
    key: string;
    reference: string;
    difference: Estimate | null;
    relativeLift: Estimate | null;
    pValue: number | null;
    adjustedPValue: number | null;
  }[];
  verdict: { decided: boolean; winner?: string; reason?: string; message?: string };
  warnings: { code: string; message: string }[];
}

const percent = (n: number) => formatNumber(n, { style: 'percent', maximumFractionDigits: 1 });
const interval = (e: Estimate | null | undefined) => (e ? `${percent(e.estimate)} (${percent(e.lower)} … ${percent(e.upper)})` : '—');

/** Null in place of the report when the journey has no experiment: that is an answer, not an error. */
const load = (journeyId: number) =>
  api<ExperimentReport>(`/v1/journeys/${journeyId}/experiment`).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === 'EXPERIMENT_NOT_FOUND') return null;
    throw err;
  });

export function ExperimentPanel({ journeyId }: { journeyId: number }) {
  const { t } = useTranslation();
  const report = useLoad(() => load(journeyId), String(journeyId));
  return (
    <Panel title={t('experiment.title')} loaded={report}>
      {(r) =>
        r === null ? (
          <p data-testid="experiment-none">{t('experiment.none')}</p>
        ) : (
          <>
            <p>{t('experiment.about', { name: r.experiment.name, node: r.experiment.node, goal: r.experiment.goal ?? '—', reference: r.reference })}</p>
            <table aria-label={t('experiment.groups')}>
              <thead>
                <tr>
                  <th scope="col">{t('experiment.group')}</th>
                  <th scope="col" className="num">
                    {t('experiment.entered')}
                  </th>
                  <th scope="col" className="num">
                    {t('experiment.converted')}
                  </th>
                  <th scope="col">{t('experiment.rate')}</th>
                  <th scope="col">{t('experiment.lift')}</th>
                  <th scope="col" className="num">
                    {t('experiment.pValue')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.groups.map((g) => {
                  const c = r.comparisons.find((x) => x.key === g.key);
                  return (
                    <tr key={g.key} data-testid={`group-${g.key}`}>
                      <th scope="row">
                        {g.key}
                        {g.key === r.reference && <span className="help">{t('experiment.isReference')}</span>}
                      </th>
                      <td className="num">{formatNumber(g.entered)}</td>
                      <td className="num">{formatNumber(g.converted)}</td>
                      <td>{interval(g.rate)}</td>
                      <td>{c ? interval(c.relativeLift) : '—'}</td>
                      <td className="num">{c?.adjustedPValue != null ? formatNumber(c.adjustedPValue, { maximumFractionDigits: 3 }) : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p className="help">{t('experiment.intervalNote')}</p>
            <p data-testid="experiment-verdict">
              <strong>{r.verdict.decided ? t('experiment.decided', { winner: r.verdict.winner ?? '—' }) : t('experiment.undecided')}</strong>{' '}
              {r.verdict.message ?? r.verdict.reason ?? ''}
            </p>
            {r.warnings.length > 0 && (
              <ul className="warnings">
                {r.warnings.map((w) => (
                  <li key={w.code}>
                    <strong className="mono">{w.code}</strong> {w.message}
                  </li>
                ))}
              </ul>
            )}
          </>
        )
      }
    </Panel>
  );
}
