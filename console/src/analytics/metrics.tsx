/**
 * Saved metrics and their alerts (docs/alerts.md): the list, one metric's rules and the alert
 * events it fired; saving the current query as a metric. Operators save, add and change rules and
 * evaluate; compliance reads (the node enforces it; the buttons follow the role).
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { ErrorBox, Panel, useLoad } from '../ui';
import type { ModelName, Run } from './models';

export interface Metric {
  name: string;
  version: number;
  model: ModelName;
  params: Record<string, unknown>;
  scalar: string;
  window: { days: number; through: 'today' | 'yesterday' };
  description: string;
  updatedBy: string;
  updatedAt: string;
}
interface Rule {
  id: number;
  kind: 'threshold' | 'change';
  direction: 'above' | 'below' | 'either';
  value: number;
  everyMinutes: number;
  cooldownMinutes: number;
  enabled: boolean;
  state: 'ok' | 'firing';
  lastError: string | null;
}
interface AlertEvent {
  id: number;
  rule: number;
  kind: 'fired' | 'resolved' | 'error';
  value: number | null;
  previous: number | null;
  at: string;
  errorCode: string | null;
  delivery: string;
}
interface Evaluation {
  period: { from: string; to: string };
  value: number;
  previous: number | null;
  rules: { rule: number; transition: 'fire' | 'resolve' | 'none' }[];
}

const num = (v: number | null) => (v === null ? '—' : formatNumber(v, { maximumFractionDigits: 2 }));
const enc = encodeURIComponent;

/** A button whose action calls the node: disabled while it runs, its error shown next to it. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/**
 * Saves the run's parameters (without from and to: the window sets them) as a new metric, or, when
 * the query was opened from a metric of the same model, as that metric's next version.
 */
export function SaveMetric({ run, opened, onSaved }: { run: Run; opened: Metric | null; onSaved(metric: Metric): void }) {
  const { t } = useTranslation();
  const scalars = Object.keys(run.scalars);
  const [name, setName] = useState('');
  const [scalar, setScalar] = useState(opened && scalars.includes(opened.scalar) ? opened.scalar : (scalars[0] ?? ''));
  const [days, setDays] = useState(String(opened?.window.days ?? 7));
  const [through, setThrough] = useState<'today' | 'yesterday'>(opened?.window.through ?? 'yesterday');
  const action = useAction();
  const { from: _from, to: _to, ...params } = run.params;
  const definition = () => ({ model: run.model, params, scalar, window: { days: Number(days), through } });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      onSaved(await api<Metric>('/v1/metrics', { method: 'POST', body: { name, ...definition() } }));
      setName('');
    });
  };
  const update = (metric: Metric) =>
    action.run(async () => {
      onSaved(await api<Metric>(`/v1/metrics/${enc(metric.name)}`, { method: 'PUT', body: { ...definition(), description: metric.description } }));
    });
  return (
    <form className="filters save-metric" onSubmit={submit} aria-label={t('analytics.metrics.saveTitle')}>
      <label>
        <span>{t('analytics.metrics.name')}</span>
        <input required pattern="[a-z][a-z0-9_\-]{0,63}" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        <span>{t('analytics.metrics.scalar')}</span>
        <select value={scalar} onChange={(e) => setScalar(e.target.value)}>
          {scalars.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('analytics.metrics.days')}</span>
        <input type="number" min={1} max={366} required value={days} onChange={(e) => setDays(e.target.value)} />
      </label>
      <label>
        <span>{t('analytics.metrics.through')}</span>
        <select value={through} onChange={(e) => setThrough(e.target.value as 'today' | 'yesterday')}>
          <option value="yesterday">{t('analytics.metrics.yesterday')}</option>
          <option value="today">{t('analytics.metrics.today')}</option>
        </select>
      </label>
      <button type="submit" disabled={action.busy}>
        {action.busy ? t('analytics.metrics.saving') : t('analytics.metrics.save')}
      </button>
      {opened && (
        <button type="button" className="secondary" disabled={action.busy} onClick={() => update(opened)}>
          {t('analytics.metrics.update', { name: opened.name, version: opened.version + 1 })}
        </button>
      )}
      {action.error !== undefined && <ErrorBox error={action.error} />}
    </form>
  );
}

function AddRule({ metric, onAdded }: { metric: string; onAdded(): void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Rule['kind']>('threshold');
  const [direction, setDirection] = useState<Rule['direction']>('above');
  const [value, setValue] = useState('');
  const [every, setEvery] = useState('60');
  const [cooldown, setCooldown] = useState('60');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await api(`/v1/metrics/${enc(metric)}/rules`, {
        method: 'POST',
        body: { kind, direction, value: Number(value), everyMinutes: Number(every), cooldownMinutes: Number(cooldown) },
      });
      setValue('');
      onAdded();
    });
  };
  const directions: Rule['direction'][] = kind === 'threshold' ? ['above', 'below'] : ['above', 'below', 'either'];
  return (
    <form className="filters" onSubmit={submit} aria-label={t('analytics.rules.addTitle')}>
      <label>
        <span>{t('analytics.rules.kind')}</span>
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as Rule['kind']);
            if (direction === 'either') setDirection('above');
          }}
        >
          <option value="threshold">{t('analytics.rules.threshold')}</option>
          <option value="change">{t('analytics.rules.change')}</option>
        </select>
      </label>
      <label>
        <span>{t('analytics.rules.direction')}</span>
        <select value={direction} onChange={(e) => setDirection(e.target.value as Rule['direction'])}>
          {directions.map((d) => (
            <option key={d} value={d}>
              {t(`analytics.rules.${d}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{kind === 'threshold' ? t('analytics.rules.thresholdValue') : t('analytics.rules.percent')}</span>
        <input type="number" step="any" min={kind === 'change' ? 0 : undefined} required value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <label>
        <span>{t('analytics.rules.every')}</span>
        <input type="number" min={1} max={10080} required value={every} onChange={(e) => setEvery(e.target.value)} />
      </label>
      <label>
        <span>{t('analytics.rules.cooldown')}</span>
        <input type="number" min={0} max={43200} required value={cooldown} onChange={(e) => setCooldown(e.target.value)} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t('analytics.rules.add')}
      </button>
      {action.error !== undefined && <ErrorBox error={action.error} />}
    </form>
  );
}

function MetricDetail({ metric, canEdit, onOpen, onDeleted }: { metric: Metric; canEdit: boolean; onOpen(m: Metric): void; onDeleted(): void }) {
  const { t } = useTranslation();
  const rules = useLoad(() => api<{ rules: Rule[] }>(`/v1/metrics/${enc(metric.name)}/rules`), metric.name);
  const events = useLoad(() => api<{ events: AlertEvent[] }>(`/v1/alerts/events?metric=${enc(metric.name)}&limit=20`), metric.name);
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const action = useAction();
  const reload = () => {
    rules.reload();
    events.reload();
  };
  const evaluate = () =>
    action.run(async () => {
      setEvaluation(await api<Evaluation>(`/v1/metrics/${enc(metric.name)}/evaluate`, { method: 'POST' }));
      reload();
    });
  const patch = (rule: Rule, body: object) => action.run(async () => (await api(`/v1/alerts/rules/${rule.id}`, { method: 'PATCH', body }), reload()));
  const remove = (rule: Rule) => action.run(async () => (await api(`/v1/alerts/rules/${rule.id}`, { method: 'DELETE' }), reload()));
  const deleteMetric = () => action.run(async () => (await api(`/v1/metrics/${enc(metric.name)}`, { method: 'DELETE' }), onDeleted()));
  const condition = (r: Rule) => t(`analytics.rules.says.${r.kind}_${r.direction}`, { value: formatNumber(r.value, { maximumFractionDigits: 4 }) });
  return (
    <div className="metric-detail" data-testid="metric-detail">
      <h3>{t('analytics.metrics.detail', { name: metric.name, version: metric.version })}</h3>
      <p>
        {t('analytics.metrics.defines', {
          model: t(`analytics.model.${metric.model}`),
          scalar: metric.scalar,
          days: metric.window.days,
          through: t(`analytics.metrics.${metric.window.through}`),
        })}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => onOpen(metric)}>
          {t('analytics.metrics.open')}
        </button>
        {canEdit && (
          <>
            <button type="button" onClick={evaluate} disabled={action.busy}>
              {action.busy ? t('analytics.metrics.working') : t('analytics.metrics.evaluate')}
            </button>
            <button type="button" className="danger" onClick={deleteMetric} disabled={action.busy}>
              {t('analytics.metrics.delete')}
            </button>
          </>
        )}
      </div>
      {action.error !== undefined && <ErrorBox error={action.error} />}
      {evaluation && (
        <p role="status" data-testid="evaluation">
          {t('analytics.metrics.evaluated', {
            value: num(evaluation.value),
            previous: num(evaluation.previous),
            from: evaluation.period.from,
            to: evaluation.period.to,
            fired: evaluation.rules.filter((r) => r.transition === 'fire').length,
          })}
        </p>
      )}
      <h3>{t('analytics.rules.title')}</h3>
      {rules.error !== undefined && <ErrorBox error={rules.error} />}
      {rules.data &&
        (rules.data.rules.length === 0 ? (
          <p>{t('analytics.rules.none')}</p>
        ) : (
          <table data-testid="rules">
            <thead>
              <tr>
                <th scope="col">{t('analytics.rules.condition')}</th>
                <th scope="col">{t('analytics.rules.schedule')}</th>
                <th scope="col">{t('analytics.rules.state')}</th>
                {canEdit && <th scope="col">{t('analytics.rules.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {rules.data.rules.map((r) => (
                <tr key={r.id}>
                  <td>{condition(r)}</td>
                  <td>{t('analytics.rules.scheduleText', { every: r.everyMinutes, cooldown: r.cooldownMinutes })}</td>
                  <td className={r.state === 'firing' ? 'bad' : undefined}>
                    {r.enabled ? t(`analytics.rules.${r.state}`) : t('analytics.rules.disabled')}
                    {r.lastError && <span className="help">{r.lastError}</span>}
                  </td>
                  {canEdit && (
                    <td className="actions">
                      <button type="button" className="secondary" disabled={action.busy} onClick={() => patch(r, { enabled: !r.enabled })}>
                        {r.enabled ? t('analytics.rules.disable') : t('analytics.rules.enable')}
                      </button>
                      <button
                        type="button"
                        className="danger"
                        disabled={action.busy}
                        onClick={() => remove(r)}
                        aria-label={t('analytics.rules.removeNamed', { rule: condition(r) })}
                      >
                        {t('analytics.rules.remove')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {canEdit && <AddRule metric={metric.name} onAdded={rules.reload} />}
      <h3>{t('analytics.alerts.title')}</h3>
      {events.error !== undefined && <ErrorBox error={events.error} />}
      {events.data &&
        (events.data.events.length === 0 ? (
          <p>{t('analytics.alerts.none')}</p>
        ) : (
          <table data-testid="alert-events">
            <thead>
              <tr>
                <th scope="col">{t('analytics.alerts.at')}</th>
                <th scope="col">{t('analytics.alerts.kind')}</th>
                <th scope="col" className="num">
                  {t('analytics.alerts.value')}
                </th>
                <th scope="col" className="num">
                  {t('analytics.alerts.previous')}
                </th>
                <th scope="col">{t('analytics.alerts.delivery')}</th>
              </tr>
            </thead>
            <tbody>
              {events.data.events.map((e) => (
                <tr key={e.id}>
                  <td>{formatDate(e.at)}</td>
                  <td className={e.kind === 'resolved' ? 'ok' : 'bad'}>
                    {t(`analytics.alerts.${e.kind}`)}
                    {e.errorCode && <span className="help">{e.errorCode}</span>}
                  </td>
                  <td className="num">{num(e.value)}</td>
                  <td className="num">{num(e.previous)}</td>
                  <td>{t(`analytics.alerts.delivery_${e.delivery}`, { defaultValue: e.delivery })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </div>
  );
}

/** The saved metrics; choosing one shows its rules and alerts. `saved` names a metric just saved (and when), to reload and select it. */
export function Metrics({ canEdit, saved, onOpen }: { canEdit: boolean; saved: { name: string; at: number } | null; onOpen(m: Metric): void }) {
  const { t } = useTranslation();
  const metrics = useLoad(() => api<{ metrics: Metric[] }>('/v1/metrics'), saved ? `${saved.name}@${saved.at}` : '');
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = metrics.data?.metrics.find((m) => m.name === (chosen ?? saved?.name));
  return (
    <Panel title={t('analytics.metrics.title')} loaded={metrics}>
      {({ metrics: list }) => (
        <>
          {list.length === 0 ? (
            <p>{t('analytics.metrics.none')}</p>
          ) : (
            <table data-testid="metrics">
              <thead>
                <tr>
                  <th scope="col">{t('analytics.metrics.name')}</th>
                  <th scope="col">{t('analytics.metrics.model')}</th>
                  <th scope="col">{t('analytics.metrics.scalar')}</th>
                  <th scope="col">{t('analytics.metrics.window')}</th>
                  <th scope="col">{t('analytics.metrics.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <button type="button" className="link" aria-pressed={m === selected} onClick={() => setChosen(m.name)}>
                        {m.name}
                      </button>
                    </td>
                    <td>{t(`analytics.model.${m.model}`)}</td>
                    <td className="mono">{m.scalar}</td>
                    <td>{t('analytics.metrics.windowText', { days: m.window.days, through: t(`analytics.metrics.${m.window.through}`) })}</td>
                    <td>
                      {formatDate(m.updatedAt)} · {m.updatedBy}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {selected && (
            <MetricDetail
              key={selected.name}
              metric={selected}
              canEdit={canEdit}
              onOpen={onOpen}
              onDeleted={() => {
                setChosen(null);
                metrics.reload();
              }}
            />
          )}
        </>
      )}
    </Panel>
  );
}
