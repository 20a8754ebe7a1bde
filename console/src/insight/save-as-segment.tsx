/** "Make a segment from this": a layering cell or a decision-tree leaf, saved under a name the operator gives. */
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatNumber } from '../i18n';
import { ErrorBox } from '../ui';
import type { Segment } from './segments';

/** `post` is the route that saves it; `body` what it takes besides the name. */
export function SaveAsSegment({ post, body, what }: { post: string; body: Record<string, unknown>; what: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [state, setState] = useState<{ busy: boolean; saved?: Segment & { size?: number | null }; error?: unknown }>({ busy: false });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setState({ busy: true });
    try {
      setState({ busy: false, saved: await api<Segment>(post, { method: 'POST', body: { ...body, name } }) });
      setOpen(false);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const size = state.saved ? (state.saved.latest?.size ?? state.saved.size ?? 0) : 0;
  return (
    <div className="save-segment nodrag nopan">
      {state.saved && (
        <p role="status" className="ok">
          {t('insight.saveAs.saved', { name: state.saved.name, size: formatNumber(size) })}
        </p>
      )}
      {open ? (
        <form onSubmit={submit} aria-label={t('insight.saveAs.form', { what })}>
          <label htmlFor={id}>{t('insight.saveAs.name')}</label>
          <input id={id} value={name} required pattern="[a-z][a-z0-9_\-]{0,63}" onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={state.busy}>
            {state.busy ? t('insight.saveAs.saving') : t('insight.saveAs.save')}
          </button>
          <button type="button" className="secondary" onClick={() => setOpen(false)}>
            {t('insight.segments.cancel')}
          </button>
        </form>
      ) : (
        <button type="button" className="secondary" onClick={() => setOpen(true)} aria-label={t('insight.saveAs.openFor', { what })}>
          {t('insight.saveAs.open')}
        </button>
      )}
      {state.error !== undefined && <ErrorBox error={state.error} />}
    </div>
  );
}
