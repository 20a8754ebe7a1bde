/** The audit browser: filter by actor, action, time and agreement; verify the chain; export. */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { ErrorBox, Panel, useLoad } from '../ui';

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}
interface Verify {
  ok: boolean;
  entries: number;
  head?: { seq: number; hash: string };
  firstBad?: { seq: number; reason: string };
  checked: string[];
}
interface Filter {
  actor: string;
  action: string;
  from: string;
  to: string;
  agreement: string;
}
const EMPTY: Filter = { actor: '', action: '', from: '', to: '', agreement: '' };
const PAGE = 50;

/** The filter as query parameters; a datetime-local field is the browser's local time. */
function query(filter: Filter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  for (const name of ['actor', 'action', 'agreement'] as const) if (filter[name].trim()) q.set(name, filter[name].trim());
  for (const name of ['from', 'to'] as const) if (filter[name]) q.set(name, new Date(filter[name]).toISOString());
  return q.toString();
}

export function Compliance() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [afterSeq, setAfterSeq] = useState<number[]>([0]);
  const cursor = afterSeq[afterSeq.length - 1];
  const entries = useLoad(
    () => api<{ entries: Entry[] }>(`/v1/audit?${query(filter, { limit: String(PAGE), afterSeq: String(cursor) })}`),
    JSON.stringify([filter, cursor]),
  );
  const [verify, setVerify] = useState<{ result?: Verify; error?: unknown; busy: boolean }>({ busy: false });
  const [exportError, setExportError] = useState<unknown>(null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
    setAfterSeq([0]);
  };
  const runVerify = async () => {
    setVerify({ busy: true });
    try {
      setVerify({ result: await api<Verify>('/v1/audit/verify', { method: 'POST' }), busy: false });
    } catch (error) {
      setVerify({ error, busy: false });
    }
  };
  const exportAs = async (format: 'csv' | 'jsonl') => {
    setExportError(null);
    try {
      await download(`/v1/audit/export?${query(filter, { format })}`, `audit.${format}`);
    } catch (error) {
      setExportError(error);
    }
  };
  const field = (name: keyof Filter, type = 'text') => (
    <label>
      <span>{t(`audit.${name}`)}</span>
      <input type={type} value={draft[name]} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
    </label>
  );

  return (
    <>
      <h1>{t('compliance.nav')}</h1>
      <section className="panel" aria-labelledby="verify-title">
        <h2 id="verify-title">{t('audit.chain')}</h2>
        <p>{t('audit.chainIntro')}</p>
        <button type="button" onClick={runVerify} disabled={verify.busy}>
          {verify.busy ? t('audit.verifying') : t('audit.verify')}
        </button>
        {verify.error !== undefined && <ErrorBox error={verify.error} />}
        {verify.result && (
          <p role="status" className={verify.result.ok ? 'ok' : 'bad'} data-testid="verify-result">
            {verify.result.ok
              ? t('audit.verified', { n: formatNumber(verify.result.entries), checks: verify.result.checked.join(', ') })
              : t('audit.broken', { seq: verify.result.firstBad?.seq ?? '?', reason: verify.result.firstBad?.reason ?? '' })}
          </p>
        )}
      </section>
      <form className="filters" onSubmit={apply} aria-label={t('audit.filters')}>
        {field('actor')}
        {field('action')}
        {field('agreement')}
        {field('from', 'datetime-local')}
        {field('to', 'datetime-local')}
        <button type="submit">{t('audit.apply')}</button>
        <button type="button" onClick={() => void exportAs('csv')}>
          {t('audit.exportCsv')}
        </button>
        <button type="button" onClick={() => void exportAs('jsonl')}>
          {t('audit.exportJsonl')}
        </button>
      </form>
      {exportError !== null && <ErrorBox error={exportError} />}
      <Panel title={t('audit.entries')} loaded={entries}>
        {({ entries: list }) => (
          <>
            {list.length === 0 ? (
              <p>{t('audit.none')}</p>
            ) : (
              <table className="audit">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.seq')}</th>
                    <th scope="col">{t('audit.at')}</th>
                    <th scope="col">{t('audit.actor')}</th>
                    <th scope="col">{t('audit.action')}</th>
                    <th scope="col">{t('audit.subject')}</th>
                    <th scope="col">{t('audit.details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e) => (
                    <tr key={e.seq}>
                      <td>{e.seq}</td>
                      <td>{formatDate(e.at)}</td>
                      <td>{e.actor}</td>
                      <td className="mono">{e.action}</td>
                      <td className="mono clip">{e.subject ?? ''}</td>
                      <td className="mono clip">{JSON.stringify(e.details)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="pager">
              <button type="button" disabled={afterSeq.length === 1} onClick={() => setAfterSeq(afterSeq.slice(0, -1))}>
                {t('audit.previous')}
              </button>
              <button type="button" disabled={list.length < PAGE} onClick={() => setAfterSeq([...afterSeq, list[list.length - 1].seq])}>
                {t('audit.next')}
              </button>
            </div>
          </>
        )}
      </Panel>
    </>
  );
}
