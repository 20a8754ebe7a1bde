/** Small pieces every page uses: loading and error states, and a data hook with optional polling. */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api';

/** The server's code and message, and what to do about it. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  const e = error instanceof ApiError ? error : new ApiError(0, 'CLIENT', error instanceof Error ? error.message : String(error));
  return (
    <div role="alert" className="error">
      <strong className="code">{e.code}</strong> <span>{e.message}</span>
      {/* Codes without a `hint.<CODE>` in the catalogue get the general advice. */}
      <p className="hint">{t(i18n.exists(`hint.${e.code}`) ? `hint.${e.code}` : 'hint.default')}</p>
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
