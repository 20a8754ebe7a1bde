/** The attribution model and the goal range a campaign report is computed with, applied on submit. */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

const MODELS = ['last', 'first', 'linear', 'time_decay', 'position'] as const;

export interface ReportQuery {
  model: (typeof MODELS)[number];
  from: string;
  to: string;
  windowDays: string;
}
export const DEFAULT_QUERY: ReportQuery = { model: 'last', from: '', to: '', windowDays: '' };

/** The query string the report routes take; empty fields are left to the node's defaults. */
export function reportParams(q: ReportQuery, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({ model: q.model, ...extra });
  if (q.from) p.set('from', q.from);
  if (q.to) p.set('to', q.to);
  if (q.windowDays.trim()) p.set('windowDays', q.windowDays.trim());
  return p.toString();
}

export function ReportControls({ value, onApply }: { value: ReportQuery; onApply(q: ReportQuery): void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={t('reach.controls')}>
      <label>
        <span>{t('reach.model')}</span>
        <select value={draft.model} onChange={(e) => setDraft({ ...draft, model: e.target.value as ReportQuery['model'] })}>
          {MODELS.map((m) => (
            <option key={m} value={m}>
              {t(`reach.models.${m}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('reach.from')}</span>
        <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
      </label>
      <label>
        <span>{t('reach.to')}</span>
        <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
      </label>
      <label>
        <span>{t('reach.windowDays')}</span>
        <input type="number" min={0} max={366} value={draft.windowDays} onChange={(e) => setDraft({ ...draft, windowDays: e.target.value })} />
      </label>
      <button type="submit">{t('reach.apply')}</button>
    </form>
  );
}
