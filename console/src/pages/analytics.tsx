/**
 * Analytics: the eight models over the node's events, each with its query form, its chart and its
 * numbers as a table (`/console/analytics/<model>`); saved metrics with their alert rules and the
 * alerts they fired. Running a model is a read (operator and compliance); saving a metric and
 * editing rules are for operators.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { type Metric, Metrics, SaveMetric } from '../analytics/metrics';
import { type FormState, fromParams, initialForm, MODEL_NAMES, type ModelName, type Run, toParams } from '../analytics/models';
import { QueryForm } from '../analytics/query-form';
import { Result } from '../analytics/results';
import '../analytics/analytics.css';
import { formatNumber } from '../i18n';
import type { PageProps } from '../pages';
import { navigate } from '../router';
import { ErrorBox, useLoad } from '../ui';

interface Outcome {
  run: Run;
  /** The event model over the previous period, for its line on the trend chart. */
  previous?: Run;
}

/** The event model over the previous period: the same number of days, ending the day before `from`. */
function previousParams(params: Record<string, unknown>, previousRange: { from: string; to: string } | null) {
  return previousRange ? { ...params, from: previousRange.from, to: previousRange.to, compare: false } : null;
}

const runModel = (model: ModelName, params: Record<string, unknown>) => api<Run>(`/v1/analytics/${model}`, { method: 'POST', body: params });

export function Analytics({ session, rest }: PageProps) {
  const { t } = useTranslation();
  const model: ModelName = MODEL_NAMES.includes(rest[0] as ModelName) ? (rest[0] as ModelName) : 'event';
  const [forms, setForms] = useState<Partial<Record<ModelName, FormState>>>({});
  const form = forms[model] ?? initialForm(model);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [running, setRunning] = useState(false);
  const [saved, setSaved] = useState<{ name: string; at: number } | null>(null);
  /** The metric whose query is in the form, if it was opened from one. */
  const [opened, setOpened] = useState<Metric | null>(null);
  const canEdit = session.role === 'operator';

  const plan = useLoad(() => api<{ plan: { events: Record<string, unknown> } }>('/v1/tracking-plan'));
  const segments = useLoad(() => api<{ segments: { name: string }[] }>('/v1/insight/segments'));
  const suggestions = useMemo(
    () => ({ events: Object.keys(plan.data?.plan.events ?? {}).sort(), segments: (segments.data?.segments ?? []).map((s) => s.name) }),
    [plan.data, segments.data],
  );

  const run = async (which: ModelName, state: FormState) => {
    setRunning(true);
    setError(undefined);
    setOutcome(null);
    try {
      const params = toParams(which, state);
      const current = await runModel(which, params);
      const before =
        which === 'event' ? previousParams(params, (current.result as { previousRange: { from: string; to: string } | null }).previousRange) : null;
      setOutcome({ run: current, previous: before ? await runModel(which, before) : undefined });
    } catch (err) {
      setError(err);
    } finally {
      setRunning(false);
    }
  };

  const choose = (next: ModelName) => {
    setOutcome(null);
    setError(undefined);
    navigate(`analytics/${next}`);
  };

  const open = (metric: Metric) => {
    setOpened(metric);
    const state = fromParams(metric.model, metric.params);
    setForms((f) => ({ ...f, [metric.model]: state }));
    navigate(`analytics/${metric.model}`);
    void run(metric.model, state);
  };

  const shown = outcome?.run.model === model ? outcome : null;
  return (
    <div className="analytics-page">
      <h1>{t('analytics.nav')}</h1>
      <section className="panel" aria-labelledby="analytics-query">
        <h2 id="analytics-query">{t('analytics.query')}</h2>
        <fieldset className="model-picker" aria-label={t('analytics.models')}>
          {MODEL_NAMES.map((m) => (
            <button key={m} type="button" className={m === model ? undefined : 'secondary'} aria-pressed={m === model} onClick={() => choose(m)}>
              {t(`analytics.model.${m}`)}
            </button>
          ))}
        </fieldset>
        <p className="help">{t(`analytics.about.${model}`)}</p>
        <QueryForm
          model={model}
          state={form}
          onChange={(s) => setForms((f) => ({ ...f, [model]: s }))}
          onRun={() => void run(model, form)}
          running={running}
          suggestions={suggestions}
        />
        {running && <progress className="running" aria-label={t('analytics.running')} />}
        {error !== undefined && <ErrorBox error={error} />}
      </section>
      {shown && (
        <section className="panel" aria-labelledby="analytics-result" data-testid="result">
          <h2 id="analytics-result">{t('analytics.result.title', { model: t(`analytics.model.${model}`) })}</h2>
          <p className="help">{t('analytics.result.took', { ms: formatNumber(shown.run.tookMs) })}</p>
          <Result run={shown.run} previous={shown.previous} />
          {canEdit && (
            <>
              <h3>{t('analytics.metrics.saveTitle')}</h3>
              <SaveMetric
                key={`${shown.run.model}:${opened?.name ?? ''}`}
                run={shown.run}
                opened={opened?.model === model ? opened : null}
                onSaved={(metric) => {
                  setSaved({ name: metric.name, at: Date.now() });
                  if (opened?.name === metric.name) setOpened(metric);
                }}
              />
            </>
          )}
        </section>
      )}
      <Metrics canEdit={canEdit} saved={saved} onOpen={open} />
    </div>
  );
}
