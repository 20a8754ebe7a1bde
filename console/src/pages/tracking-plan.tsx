/**
 * The tracking plan: each declared event with its typed properties (required or optional), whether
 * it is live or paused (and how many of its events were dropped while paused), and the plan's
 * versions. Every role reads it; administrators pause and resume events (docs/events.md).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { ErrorBox, Panel, useLoad } from '../ui';

interface PropertySpec {
  type: string;
  required?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  values?: string[];
}
interface EventDeclaration {
  properties?: Record<string, PropertySpec>;
  undeclared?: string;
  retentionDays?: number;
}
interface Change {
  added: string[];
  modified: string[];
  removed: string[];
  undeclared?: { from: string; to: string };
}
interface PlanVersion {
  version: number;
  change: Change;
  actor: string;
  createdAt: string | null;
}
interface CurrentPlan extends PlanVersion {
  plan: { undeclared?: string; events?: Record<string, EventDeclaration> };
  paused: string[];
}
interface PausedCount {
  event: string;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  dropped: number;
}

const VERSIONS_SHOWN = 10;

export function TrackingPlan({ canChange }: { canChange: boolean }) {
  const { t } = useTranslation();
  const plan = useLoad(() =>
    Promise.all([api<CurrentPlan>('/v1/tracking-plan'), api<{ events: PausedCount[] }>('/v1/tracking-plan/paused')]).then(([current, { events }]) => ({
      current,
      counts: new Map(events.map((e) => [e.event, e])),
    })),
  );
  const versions = useLoad(() => api<{ versions: PlanVersion[] }>('/v1/tracking-plan/versions'));
  const [acting, setActing] = useState<{ event: string; error?: unknown } | null>(null);

  const toggle = async (event: string, pause: boolean) => {
    setActing({ event });
    try {
      await api(`/v1/tracking-plan/events/${encodeURIComponent(event)}/${pause ? 'pause' : 'resume'}`, { method: 'POST' });
      setActing(null);
      plan.reload();
    } catch (error) {
      setActing({ event, error });
    }
  };

  return (
    <>
      <Panel title={t('data.plan')} loaded={plan}>
        {({ current, counts }) => {
          const events = Object.entries(current.plan.events ?? {}).sort(([a], [b]) => a.localeCompare(b));
          return (
            <>
              <p>
                {t('data.planVersion', {
                  version: current.version,
                  policy: t(`data.policy.${current.plan.undeclared ?? 'reject'}`, { defaultValue: current.plan.undeclared ?? 'reject' }),
                })}
              </p>
              {acting?.error !== undefined && <ErrorBox error={acting.error} />}
              {events.length === 0 ? (
                <p>{t('data.noEvents')}</p>
              ) : (
                <table data-testid="tracking-plan">
                  <thead>
                    <tr>
                      <th scope="col">{t('data.event')}</th>
                      <th scope="col">{t('data.state')}</th>
                      <th scope="col">{t('data.properties')}</th>
                      <th scope="col">{t('data.dropped')}</th>
                      {canChange && <th scope="col">{t('data.action')}</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {events.map(([name, declaration]) => {
                      const paused = current.paused.includes(name);
                      const count = counts.get(name);
                      return (
                        <tr key={name} data-event={name}>
                          <th scope="row" className="mono">
                            {name}
                          </th>
                          <td className={paused ? 'bad' : 'ok'} data-testid={`state-${name}`}>
                            {paused ? t('data.paused') : t('data.live')}
                            {paused && count?.pausedAt && ' '}
                            {paused && count?.pausedAt && (
                              <span className="help">{t('data.pausedSince', { at: formatDate(count.pausedAt), by: count.pausedBy ?? '' })}</span>
                            )}
                          </td>
                          <td>
                            <Properties declaration={declaration} />
                          </td>
                          <td>{formatNumber(count?.dropped ?? 0)}</td>
                          {canChange && (
                            <td>
                              <button type="button" disabled={acting?.event === name && acting.error === undefined} onClick={() => void toggle(name, !paused)}>
                                {paused ? t('data.resume', { event: name }) : t('data.pause', { event: name })}
                              </button>
                            </td>
                          )}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Panel>
      <Panel title={t('data.versions')} loaded={versions}>
        {({ versions: list }) => (
          <table data-testid="plan-versions">
            <thead>
              <tr>
                <th scope="col">{t('data.version')}</th>
                <th scope="col">{t('data.when')}</th>
                <th scope="col">{t('data.who')}</th>
                <th scope="col">{t('data.change')}</th>
              </tr>
            </thead>
            <tbody>
              {list.slice(0, VERSIONS_SHOWN).map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{formatDate(v.createdAt)}</td>
                  <td>{v.actor}</td>
                  <td className="mono">{describeChange(v.change)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

/** "+card.refunded ~card.paid −app.open", as `mofang plan history` prints it. */
const describeChange = (c: Change): string =>
  [
    ...c.added.map((n) => `+${n}`),
    ...c.modified.map((n) => `~${n}`),
    ...c.removed.map((n) => `−${n}`),
    ...(c.undeclared ? [`undeclared: ${c.undeclared.from} → ${c.undeclared.to}`] : []),
  ].join(' ') || '—';

function Properties({ declaration }: { declaration: EventDeclaration }) {
  const { t } = useTranslation();
  const properties = Object.entries(declaration.properties ?? {});
  if (properties.length === 0) return <span className="help">{t('data.noProperties')}</span>;
  return (
    <ul className="plain">
      {properties.map(([name, spec]) => (
        <li key={name}>
          <span className="mono">{name}</span> {t(`data.type.${spec.type}`, { defaultValue: spec.type })} ·{' '}
          {spec.required ? <strong>{t('data.required')}</strong> : t('data.optional')}
          {constraint(spec) && <span className="mono"> {constraint(spec)}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The limits a property declares, in the plan's own terms (≤ 64 chars, 0…100, one of a|b). */
function constraint(spec: PropertySpec): string {
  const parts: string[] = [];
  if (spec.maxLength !== undefined) parts.push(`≤ ${spec.maxLength}`);
  if (spec.min !== undefined || spec.max !== undefined) parts.push(`${spec.min ?? '−∞'}…${spec.max ?? '∞'}`);
  if (spec.values) parts.push(spec.values.join(' | '));
  return parts.join(', ');
}
