/** Small pieces every page uses: loading and error states, and a data hook with optional polling. */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api';

/** Codes the console has specific advice for; every other code gets the general advice. */
const HINTED = new Set([
  'NETWORK',
  'AUTH_REQUIRED',
  'FORBIDDEN_ROLE',
  'NOT_FOUND',
  'REQUEST_INVALID',
  'JOURNEY_INVALID',
  'JOURNEY_NOT_FOUND',
  'JOURNEY_STATE',
  'INTERNAL',
  'PRIVACY_BUDGET_EXHAUSTED',
  'OPERATION_NOT_ALLOWED',
  'AGREEMENT_NOT_ACCEPTED',
  'AGREEMENT_EXPIRED',
  'QUERY_TOO_SIMILAR',
  'RESULT_BELOW_MINIMUM',
  'JOB_STATE',
  'JOB_CANCELLED',
  'PEER_UNREACHABLE',
  'ANALYTICS_PARAMS_INVALID',
  'METRIC_INVALID',
  'RULE_INVALID',
  'INSIGHT_EXISTS',
]);

/** The server's code and message, and what to do about it. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const e = error instanceof ApiError ? error : new ApiError(0, 'CLIENT', error instanceof Error ? error.message : String(error));
  return (
    <div role="alert" className="error">
      <strong className="code">{e.code}</strong> <span>{e.message}</span>
      <p className="hint">{t(HINTED.has(e.code) ? `hint.${e.code}` : 'hint.default')}</p>
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads with `load`, again whenever `key` changes (what the load depends on), and every `pollMs` while mounted. */
export function useLoad<T>(load: () => Promise<T>, key = '', pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const latest = useRef(load);
  latest.current = load;
  const run = useCallback(() => {
    latest.current().then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for what `load` reads
  useEffect(() => {
    setState((s) => ({ data: s.data, loading: true }));
    run();
    if (!pollMs) return;
    const timer = setInterval(run, pollMs);
    return () => clearInterval(timer);
  }, [key, pollMs, run]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}

/** A titled section with its loading and error states. */
export function Panel<T>({ title, loaded, children }: { title: string; loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {loaded.error !== undefined && <ErrorBox error={loaded.error} />}
      {loaded.data === undefined ? loaded.error === undefined && <Loading /> : children(loaded.data)}
    </section>
  );
}
