/**
 * A campaign report's figures side by side: one column per scope (the totals, a channel, a reach
 * node, an A/B group, a template's instance), one row per figure, so a report with many channels
 * grows downwards and stays inside 1280 px. Suppressions are broken down by reason; ROI is a
 * percentage, or "—" with the reason when nothing cost anything.
 */
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n';

const SUPPRESSION_REASONS = ['cap', 'quiet_hours', 'holiday', 'no_consent', 'opted_out', 'no_contact', 'other'] as const;

export interface Figures {
  entered: number | null;
  sent: number;
  suppressed: Record<(typeof SUPPRESSION_REASONS)[number], number>;
  delivered: number;
  bounced: number;
  opened: number;
  clicked: number;
  replied: number;
  unsubscribed: number;
  failed: number;
  dead: number;
  tasks: number;
  converted: number;
  conversionValue: number;
  taskValue: number;
  value: number;
  cost: number;
  roi: number | null;
}

const COUNTS = ['entered', 'sent', 'delivered', 'bounced', 'opened', 'clicked', 'replied', 'unsubscribed', 'failed', 'dead', 'tasks', 'converted'] as const;
const MONEY = ['conversionValue', 'taskValue', 'value', 'cost'] as const;

export interface Column {
  /** A stable id for tests (`total`, `channel-sms`, `variant-control` …). */
  id: string;
  label: string;
  figures: Figures;
}

export function FiguresTable({ caption, columns }: { caption: string; columns: Column[] }) {
  const { t } = useTranslation();
  const id = useId();
  const suppressed = (f: Figures) => SUPPRESSION_REASONS.reduce((sum, r) => sum + f.suppressed[r], 0);
  const count = (n: number | null) => (n === null ? '—' : formatNumber(n, { maximumFractionDigits: 2 }));
  const row = (key: string, label: string, cell: (f: Figures) => string, className?: string) => (
    <tr key={key} className={className}>
      <th scope="row">{label}</th>
      {columns.map((c) => (
        <td key={c.id} data-testid={`${c.id}-${key}`} className="num">
          {cell(c.figures)}
        </td>
      ))}
    </tr>
  );
  return (
    <section className="figures" aria-labelledby={id}>
      <table>
        <caption id={id}>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('reach.figure')}</th>
            {columns.map((c) => (
              <th scope="col" key={c.id} className="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {COUNTS.slice(0, 2).map((k) => row(k, t(`reach.fig.${k}`), (f) => count(f[k])))}
          {row('suppressed', t('reach.fig.suppressed'), (f) => count(suppressed(f)))}
          {SUPPRESSION_REASONS.map((r) =>
            row(`suppressed-${r}`, t('reach.fig.suppressedBy', { reason: t(`reach.reason.${r}`) }), (f) => count(f.suppressed[r]), 'sub'),
          )}
          {COUNTS.slice(2).map((k) => row(k, t(`reach.fig.${k}`), (f) => count(f[k])))}
          {MONEY.map((k) => row(k, t(`reach.fig.${k}`), (f) => formatNumber(f[k], { minimumFractionDigits: 2, maximumFractionDigits: 2 })))}
          {row('roi', t('reach.fig.roi'), (f) => (f.roi === null ? t('reach.noRoi') : formatNumber(f.roi, { style: 'percent', maximumFractionDigits: 1 })))}
        </tbody>
      </table>
    </section>
  );
}
