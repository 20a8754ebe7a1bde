/**
 * Dead letters (GET /v1/reach/dead-letters): messages refused for good, out of attempts or not
 * renderable, filtered by channel and journey, never with their customer. Operators re-drive one,
 * or every one the filter matches (POST …/redrive); the node audits it with the count.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';
import { useAction } from '../widgets/action';
import { CHANNELS } from './channels';

interface DeadLetter {
  idempotencyKey: string;
  journeyId: number;
  journeyVersion: number;
  nodeId: string;
  channel: string;
  reason: string;
  diedAt: string;
}
interface Filter {
  channel: string;
  journeyId: string;
}
const PAGE = 50;

export function DeadLetters({ canRedrive }: { canRedrive: boolean }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filter>({ channel: '', journeyId: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [offset, setOffset] = useState(0);
  const params = () => {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (filter.channel) q.set('channel', filter.channel);
    if (filter.journeyId) q.set('journeyId', filter.journeyId);
    return q.toString();
  };
  const letters = useLoad(() => api<{ total: number; deadLetters: DeadLetter[] }>(`/v1/reach/dead-letters?${params()}`), JSON.stringify([filter, offset]));
  const redrive = useAction('redrive-result');
  const send = (body: Record<string, unknown>) =>
    redrive.run(async () => {
      const r = await api<{ redriven: number }>('/v1/reach/dead-letters/redrive', { method: 'POST', body });
      letters.reload();
      return t('reach.dead.redriven', { n: formatNumber(r.redriven) });
    });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
    setOffset(0);
  };
  const matching = { ...(filter.channel ? { channel: filter.channel } : {}), ...(filter.journeyId ? { journeyId: Number(filter.journeyId) } : {}) };
  return (
    <>
      <form className="filters" onSubmit={apply} aria-label={t('reach.dead.filter')}>
        <label>
          <span>{t('reach.channelLabel')}</span>
          <select value={draft.channel} onChange={(e) => setDraft({ ...draft, channel: e.target.value })}>
            <option value="">{t('reach.any')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`reach.channel.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('reach.journeyId')}</span>
          <input type="number" min={1} value={draft.journeyId} onChange={(e) => setDraft({ ...draft, journeyId: e.target.value })} />
        </label>
        <button type="submit">{t('reach.apply')}</button>
      </form>
      <Panel title={t('reach.dead.title')} loaded={letters}>
        {(r) => (
          <>
            <p>{t('reach.dead.total', { n: formatNumber(r.total) })}</p>
            {canRedrive && r.total > 0 && (
              <button type="button" disabled={redrive.busy} onClick={() => send(Object.keys(matching).length > 0 ? matching : { all: true })}>
                {t('reach.dead.redriveMatching', { n: formatNumber(r.total) })}
              </button>
            )}
            {redrive.outcome}
            {r.deadLetters.length === 0 ? (
              <p>{t('reach.dead.none')}</p>
            ) : (
              <table className="dead-letters">
                <thead>
                  <tr>
                    <th scope="col">{t('reach.dead.key')}</th>
                    <th scope="col">{t('reach.channelLabel')}</th>
                    <th scope="col">{t('reach.dead.reason')}</th>
                    <th scope="col">{t('reach.dead.diedAt')}</th>
                    {canRedrive && <th scope="col">{t('reach.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {r.deadLetters.map((d) => (
                    <tr key={d.idempotencyKey}>
                      <td className="mono">
                        {d.idempotencyKey}
                        <span className="help">{t('reach.dead.where', { journey: d.journeyId, version: d.journeyVersion, node: d.nodeId })}</span>
                      </td>
                      <td>{t(`reach.channel.${d.channel}`, { defaultValue: d.channel })}</td>
                      <td className="reason">{d.reason}</td>
                      <td>{formatDate(d.diedAt)}</td>
                      {canRedrive && (
                        <td>
                          <button
                            type="button"
                            disabled={redrive.busy}
                            onClick={() => send({ key: d.idempotencyKey })}
                            aria-label={t('reach.dead.redriveOne', { key: d.idempotencyKey })}
                          >
                            {t('reach.dead.redrive')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="pager">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                {t('reach.previous')}
              </button>
              <button type="button" disabled={offset + PAGE >= r.total} onClick={() => setOffset(offset + PAGE)}>
                {t('reach.next')}
              </button>
            </div>
          </>
        )}
      </Panel>
    </>
  );
}
