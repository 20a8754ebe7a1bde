/**
 * Segments: the builder (rule-tree editor with a live size preview from the node, 0.4 s after the
 * last change; RULE_INVALID shown on the node its path names), save as a new segment or a new
 * version, and the list with edit and delete. Compliance may preview and read, not save.
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { navigate } from '../router';
import type { Session } from '../session';
import { ErrorBox, Panel, useLoad } from '../ui';
import { type Attribute, type EventSpec, type Rule, type RuleContext, RuleNode } from './rule-editor';

export interface Segment {
  name: string;
  dataset: string;
  version: number;
  rule: Rule;
  description: string;
  unit: string | null;
  updatedAt: string;
  latest: { size: number; population: number; at: string } | null;
}
interface Preview {
  size: number;
  population: number;
}
const EMPTY_RULE: Rule = { all: [] };
const DEBOUNCE_MS = 400;

/** The datasets a role may list (operators), plus those its segments name (compliance cannot list datasets). */
function useDatasets(session: Session, segments: Segment[] | undefined): string[] {
  const listed = useLoad(() => (session.role === 'operator' ? api<{ datasets: { name: string }[] }>('/v1/datasets') : Promise.resolve({ datasets: [] })));
  return useMemo(
    () => [...new Set([...(listed.data?.datasets.map((d) => d.name) ?? []), ...(segments?.map((s) => s.dataset) ?? [])])].sort(),
    [listed.data, segments],
  );
}

export function Segments({ session, editing }: { session: Session; editing: string | null }) {
  const { t } = useTranslation();
  const editable = session.role === 'operator';
  const segments = useLoad(() => api<{ segments: Segment[] }>('/v1/insight/segments'));
  const datasets = useDatasets(session, segments.data?.segments);
  const plan = useLoad(() => api<{ plan: { events?: Record<string, EventSpec> } }>('/v1/tracking-plan'));

  const [dataset, setDataset] = useState('');
  const [rule, setRule] = useState<Rule>(EMPTY_RULE);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);

  // Editing an existing segment: load it into the builder; a new one starts empty on the first dataset.
  useEffect(() => {
    setMessage(null);
    setActionError(null);
    if (editing === null) {
      setRule(EMPTY_RULE);
      setName('');
      setDescription('');
      return;
    }
    api<Segment>(`/v1/insight/segments/${encodeURIComponent(editing)}`).then((s) => {
      setDataset(s.dataset);
      setRule(s.rule);
      setName(s.name);
      setDescription(s.description);
    }, setActionError);
  }, [editing]);
  useEffect(() => {
    if (!dataset && datasets.length > 0) setDataset(datasets[0]);
  }, [dataset, datasets]);

  const attributes = useLoad(
    () => (dataset ? api<{ attributes: Attribute[] }>(`/v1/insight/datasets/${encodeURIComponent(dataset)}/attributes`) : Promise.resolve({ attributes: [] })),
    dataset,
  );

  const [preview, setPreview] = useState<{ result?: Preview; error?: unknown; checking: boolean }>({ checking: false });
  const ruleKey = JSON.stringify(rule);
  const empty = ('all' in rule || 'any' in rule) && ((rule.all ?? rule.any) as Rule[]).length === 0;
  useEffect(() => {
    if (!dataset || empty) {
      setPreview({ checking: false });
      return;
    }
    let current = true;
    setPreview((p) => ({ ...p, checking: true }));
    const timer = setTimeout(() => {
      api<Preview>('/v1/insight/segments/preview', { method: 'POST', body: { dataset, rule: JSON.parse(ruleKey), sample: 0 } }).then(
        (result) => current && setPreview({ result, checking: false }),
        (error: unknown) => current && setPreview({ error, checking: false }),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [dataset, ruleKey, empty]);

  const problem =
    preview.error instanceof ApiError && typeof preview.error.details?.path === 'string'
      ? { path: preview.error.details.path, message: preview.error.message }
      : null;
  const ctx: RuleContext = {
    attributes: attributes.data?.attributes ?? [],
    events: plan.data?.plan.events ?? {},
    segments: (segments.data?.segments ?? []).filter((s) => s.dataset === dataset && s.name !== editing).map((s) => s.name),
    editable: true,
    error: problem,
  };

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    setActionError(null);
    try {
      setMessage(await work());
      segments.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      if (editing === null) {
        const s = await api<Segment>('/v1/insight/segments', { method: 'POST', body: { name, dataset, rule, description } });
        navigate(`insight/segments/${s.name}`);
        return t('insight.segments.created', { name: s.name, size: formatNumber(s.latest?.size ?? 0) });
      }
      const s = await api<Segment>(`/v1/insight/segments/${encodeURIComponent(editing)}`, { method: 'PATCH', body: { rule, description } });
      return t('insight.segments.saved', { name: s.name, version: s.version, size: formatNumber(s.latest?.size ?? 0) });
    });
  };
  const remove = (segment: string) =>
    act(async () => {
      await api(`/v1/insight/segments/${encodeURIComponent(segment)}`, { method: 'DELETE' });
      setConfirming(null);
      if (editing === segment) navigate('insight/segments');
      return t('insight.segments.deleted', { name: segment });
    });

  return (
    <>
      <section className="panel builder" aria-labelledby="builder-title">
        <h2 id="builder-title">{editing === null ? t('insight.segments.new') : t('insight.segments.edit', { name: editing })}</h2>
        <form className="builder-top" onSubmit={save} aria-label={t('insight.segments.form')}>
          <label>
            <span>{t('insight.segments.dataset')}</span>
            <select value={dataset} disabled={editing !== null} onChange={(e) => (setDataset(e.target.value), setRule(EMPTY_RULE))}>
              {datasets.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          {editable && (
            <>
              <label>
                <span>{t('insight.segments.name')}</span>
                <input value={name} required pattern="[a-z][a-z0-9_\-]{0,63}" disabled={editing !== null} onChange={(e) => setName(e.target.value)} />
              </label>
              <label className="wide">
                <span>{t('insight.segments.description')}</span>
                <input value={description} maxLength={2000} onChange={(e) => setDescription(e.target.value)} />
              </label>
              <button type="submit" disabled={busy || empty || !dataset}>
                {busy ? t('insight.segments.saving') : editing === null ? t('insight.segments.save') : t('insight.segments.saveVersion')}
              </button>
              {editing !== null && (
                <button type="button" className="secondary" onClick={() => navigate('insight/segments')}>
                  {t('insight.segments.newInstead')}
                </button>
              )}
            </>
          )}
        </form>
        <output className="preview" data-testid="preview" aria-live="polite">
          {empty
            ? t('insight.segments.addCondition')
            : preview.checking
              ? t('insight.segments.counting')
              : preview.result
                ? t('insight.segments.size', {
                    size: formatNumber(preview.result.size),
                    population: formatNumber(preview.result.population),
                    share: formatNumber(preview.result.population ? preview.result.size / preview.result.population : 0, {
                      style: 'percent',
                      maximumFractionDigits: 1,
                    }),
                  })
                : ''}
        </output>
        {preview.error !== undefined && !preview.checking && <ErrorBox error={preview.error} />}
        {attributes.error !== undefined && <ErrorBox error={attributes.error} />}
        {message && (
          <p role="status" className="ok" data-testid="segment-message">
            {message}
          </p>
        )}
        {actionError !== null && <ErrorBox error={actionError} />}
        <RuleNode rule={rule} path="rule" ctx={ctx} onChange={setRule} />
      </section>
      <Panel title={t('insight.segments.list')} loaded={segments}>
        {({ segments: list }) =>
          list.length === 0 ? (
            <p>{t('insight.segments.none')}</p>
          ) : (
            <table className="segments">
              <thead>
                <tr>
                  <th scope="col">{t('insight.segments.name')}</th>
                  <th scope="col">{t('insight.segments.dataset')}</th>
                  <th scope="col">{t('insight.segments.version')}</th>
                  <th scope="col">{t('insight.segments.customers')}</th>
                  <th scope="col">{t('insight.segments.updated')}</th>
                  <th scope="col">{t('insight.segments.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.name}>
                    <td>
                      <a
                        href={`/console/insight/segments/${s.name}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`insight/segments/${s.name}`);
                        }}
                      >
                        {s.name}
                      </a>
                      {s.description && <span className="help">{s.description}</span>}
                    </td>
                    <td>{s.dataset}</td>
                    <td>{s.version}</td>
                    <td>{s.latest ? formatNumber(s.latest.size) : '—'}</td>
                    <td>{formatDate(s.updatedAt)}</td>
                    <td>
                      {editable &&
                        (confirming === s.name ? (
                          <>
                            <button type="button" className="danger" disabled={busy} onClick={() => void remove(s.name)}>
                              {t('insight.segments.confirmDelete', { name: s.name })}
                            </button>{' '}
                            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                              {t('insight.segments.cancel')}
                            </button>
                          </>
                        ) : (
                          <button type="button" className="secondary" onClick={() => setConfirming(s.name)}>
                            {t('insight.segments.delete')}
                          </button>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
    </>
  );
}
