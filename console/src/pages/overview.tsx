/** The node at a glance: identity, peers, agreements, recent jobs (polled), alerts that fired. */
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import type { PageProps } from '../pages';
import type { Role } from '../session';
import { Panel, useLoad } from '../ui';

interface Health {
  nodeId: string;
  name: string;
  version: string;
  uptimeSeconds: number;
  peers: { name: string; nodeId: string; address: string; reachable: boolean; error?: string }[];
}
interface Agreement {
  id: string;
  status: string;
  peerName?: string;
  peerNodeId: string;
  terms: { title?: string; expiresAt?: string };
}
interface Job {
  id: string;
  kind: string;
  status: string;
  phase: string | null;
  progress: { done: number; total: number };
  createdAt: string;
  error: { code: string; message: string } | null;
}
interface AlertEvent {
  id: number;
  metric: string;
  kind: 'fired' | 'resolved' | 'error';
  value: number | null;
  at: string;
}

/** Jobs and alerts are for operators and compliance only (docs/api.md). */
const SEES_JOBS: readonly Role[] = ['operator', 'compliance'];
const JOB_POLL_MS = 2000;

export function Overview({ session }: PageProps) {
  const { t } = useTranslation();
  const health = useLoad(() => api<Health>('/v1/health'));
  const agreements = useLoad(() => api<{ agreements: Agreement[] }>('/v1/agreements'));
  const seesJobs = SEES_JOBS.includes(session.role);
  return (
    <>
      <h1>{t('overview.nav')}</h1>
      <div className="grid">
        <Panel title={t('overview.identity')} loaded={health}>
          {(h) => (
            <dl className="facts">
              <dt>{t('overview.name')}</dt>
              <dd data-testid="node-name">{h.name}</dd>
              <dt>{t('overview.fingerprint')}</dt>
              <dd className="mono" data-testid="node-id">
                {h.nodeId}
              </dd>
              <dt>{t('overview.version')}</dt>
              <dd>{h.version}</dd>
              <dt>{t('overview.uptime')}</dt>
              <dd>{t('overview.minutes', { n: formatNumber(Math.floor(h.uptimeSeconds / 60)) })}</dd>
            </dl>
          )}
        </Panel>
        <Panel title={t('overview.peers')} loaded={health}>
          {(h) =>
            h.peers.length === 0 ? (
              <p>{t('overview.noPeers')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('overview.peer')}</th>
                    <th scope="col">{t('overview.address')}</th>
                    <th scope="col">{t('overview.reachable')}</th>
                  </tr>
                </thead>
                <tbody>
                  {h.peers.map((p) => (
                    <tr key={p.nodeId}>
                      <td title={p.nodeId}>{p.name}</td>
                      <td className="mono">{p.address}</td>
                      <td className={p.reachable ? 'ok' : 'bad'}>{p.reachable ? t('overview.yes') : t('overview.no')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Panel>
      </div>
      <Panel title={t('overview.agreements')} loaded={agreements}>
        {({ agreements: list }) =>
          list.length === 0 ? (
            <p>{t('overview.noAgreements')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('overview.title')}</th>
                  <th scope="col">{t('overview.peer')}</th>
                  <th scope="col">{t('overview.status')}</th>
                  <th scope="col">{t('overview.expires')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id}>
                    <td>{a.terms.title ?? a.id}</td>
                    <td>{a.peerName ?? a.peerNodeId.slice(0, 12)}</td>
                    <td>{t(`agreementStatus.${a.status}`, { defaultValue: a.status })}</td>
                    <td>{formatDate(a.terms.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      {seesJobs && <JobsAndAlerts />}
    </>
  );
}

function JobsAndAlerts() {
  const { t } = useTranslation();
  const jobs = useLoad(() => api<{ jobs: Job[] }>('/v1/jobs?limit=10'), '', JOB_POLL_MS);
  const alerts = useLoad(() => api<{ events: AlertEvent[] }>('/v1/alerts/events?limit=10'));
  return (
    <div className="grid">
      <Panel title={t('overview.jobs')} loaded={jobs}>
        {({ jobs: list }) =>
          list.length === 0 ? (
            <p>{t('overview.noJobs')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('overview.kind')}</th>
                  <th scope="col">{t('overview.status')}</th>
                  <th scope="col">{t('overview.progress')}</th>
                  <th scope="col">{t('overview.created')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((j) => (
                  <tr key={j.id}>
                    <td>{j.kind}</td>
                    <td title={j.error ? `${j.error.code}: ${j.error.message}` : undefined}>{t(`jobStatus.${j.status}`, { defaultValue: j.status })}</td>
                    <td>
                      <progress
                        max={Math.max(j.progress.total, 1)}
                        value={j.status === 'succeeded' ? Math.max(j.progress.total, 1) : j.progress.done}
                        aria-label={t('overview.progressOf', { kind: j.kind })}
                      />
                    </td>
                    <td>{formatDate(j.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      <Panel title={t('overview.alerts')} loaded={alerts}>
        {({ events }) => {
          const fired = events.filter((e) => e.kind === 'fired');
          return fired.length === 0 ? (
            <p>{t('overview.noAlerts')}</p>
          ) : (
            <ul className="plain">
              {fired.map((e) => (
                <li key={e.id}>
                  <strong>{e.metric}</strong> {e.value === null ? '' : formatNumber(e.value)} · {formatDate(e.at)}
                </li>
              ))}
            </ul>
          );
        }}
      </Panel>
    </div>
  );
}
