/**
 * Outbound-call lists (operators only: the lists carry phone numbers): open, claimed and done per
 * list; a list's calls by status; an agent claims the next calls and records each one's outcome
 * (only the agent holding the claim may); the list exported as CSV (audited by the node).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../api';
import { formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';
import { useAction } from '../widgets/action';
import { OutcomeForm } from './outcome-form';

interface CallList {
  list: string;
  open: number;
  claimed: number;
  done: number;
}
interface Call {
  id: number;
  list: string;
  customer: { dataset: string; customerId: string };
  phone: string | null;
  subject: string | null;
  script: string;
  priority: number;
  status: string;
  attempts: number;
  claimedBy: string | null;
  outcome: string | null;
  value: number | null;
}
const STATUSES = ['open', 'claimed', 'done'] as const;
const OUTCOMES = ['reached', 'interested', 'not_interested', 'callback', 'no_answer', 'busy', 'voicemail', 'wrong_number'] as const;

export function Calls() {
  const { t } = useTranslation();
  const lists = useLoad(() => api<{ lists: CallList[] }>('/v1/reach/calls/lists'), '', 10_000);
  const [list, setList] = useState('');
  const [status, setStatus] = useState<string>('claimed');
  const [agent, setAgent] = useState('');
  const chosen = list || lists.data?.lists[0]?.list || '';
  const calls = useLoad(
    () => (chosen ? api<{ calls: Call[] }>(`/v1/reach/calls?${new URLSearchParams({ list: chosen, status, limit: '100' })}`) : Promise.resolve({ calls: [] })),
    JSON.stringify([chosen, status]),
  );
  const action = useAction('call-result');
  const refresh = () => {
    lists.reload();
    calls.reload();
  };
  const claim = () =>
    action.run(async () => {
      const r = await api<{ calls: Call[] }>('/v1/reach/calls/claim', { method: 'POST', body: { list: chosen, agent: agent.trim(), limit: 5 } });
      setStatus('claimed');
      refresh();
      return t('reach.calls.claimed', { n: formatNumber(r.calls.length) });
    });
  const record = (call: Call, outcome: string, value: number | undefined) =>
    action.run(async () => {
      await api<Call>(`/v1/reach/calls/${call.id}/outcome`, {
        method: 'POST',
        body: { agent: agent.trim(), outcome, ...(value === undefined ? {} : { value }) },
      });
      refresh();
      return t('reach.calls.recorded', { id: call.id, outcome: t(`reach.callOutcome.${outcome}`, { defaultValue: outcome }) });
    });
  const exportList = () =>
    action.run(async () => {
      await download(`/v1/reach/calls/export?${new URLSearchParams({ list: chosen })}`, `calls-${chosen}.csv`);
      return t('reach.exported');
    });
  return (
    <>
      <Panel title={t('reach.calls.lists')} loaded={lists}>
        {({ lists: all }) =>
          all.length === 0 ? (
            <p>{t('reach.calls.noLists')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('reach.calls.list')}</th>
                  {STATUSES.map((s) => (
                    <th scope="col" className="num" key={s}>
                      {t(`reach.callStatus.${s}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {all.map((l) => (
                  <tr key={l.list}>
                    <td className="mono">{l.list}</td>
                    {STATUSES.map((s) => (
                      <td className="num" key={s}>
                        {formatNumber(l[s])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      {(lists.data?.lists.length ?? 0) > 0 && (
        <>
          <div className="filters">
            <label>
              <span>{t('reach.calls.list')}</span>
              <select value={chosen} onChange={(e) => setList(e.target.value)}>
                {lists.data?.lists.map((l) => (
                  <option key={l.list} value={l.list}>
                    {l.list}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>{t('reach.status')}</span>
              <select value={status} onChange={(e) => setStatus(e.target.value)}>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`reach.callStatus.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>{t('reach.calls.agent')}</span>
              <input value={agent} onChange={(e) => setAgent(e.target.value)} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}" placeholder="agent-7" />
            </label>
            <button type="button" onClick={claim} disabled={action.busy || agent.trim() === ''}>
              {t('reach.calls.claim')}
            </button>
            <button type="button" onClick={exportList} disabled={action.busy}>
              {t('reach.exportCsv')}
            </button>
          </div>
          {action.outcome}
          <Panel title={t('reach.calls.calls', { list: chosen })} loaded={calls}>
            {({ calls: shown }) =>
              shown.length === 0 ? (
                <p>{t('reach.calls.none')}</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">{t('reach.calls.script')}</th>
                      <th scope="col">{t('reach.tasks.customer')}</th>
                      <th scope="col">{t('reach.status')}</th>
                      <th scope="col">{t('reach.actions')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((c) => (
                      <tr key={c.id}>
                        <td>{c.id}</td>
                        <td>
                          {c.subject && <strong>{c.subject}</strong>}
                          <span className="task-text">{c.script}</span>
                          <span className="help">{t('reach.tasks.priority', { p: c.priority })}</span>
                        </td>
                        <td className="mono">
                          {c.customer.dataset}/{c.customer.customerId}
                          {c.phone && <span className="help">{c.phone}</span>}
                        </td>
                        <td>
                          {t(`reach.callStatus.${c.status}`, { defaultValue: c.status })}
                          {c.claimedBy && <span className="help">{c.claimedBy}</span>}
                          {c.outcome && <span className="help">{t(`reach.callOutcome.${c.outcome}`, { defaultValue: c.outcome })}</span>}
                        </td>
                        <td>
                          {c.status === 'claimed' && c.claimedBy === agent.trim() ? (
                            <OutcomeForm
                              choices={OUTCOMES}
                              busy={action.busy}
                              label={t('reach.calls.recordOne', { id: c.id })}
                              onSubmit={(outcome, value) => record(c, outcome, value)}
                            />
                          ) : (
                            <span className="help">{c.status === 'claimed' ? t('reach.calls.heldBy', { agent: c.claimedBy ?? '—' }) : '—'}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Panel>
        </>
      )}
    </>
  );
}
