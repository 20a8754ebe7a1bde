/**
 * Importing a file into a dataset (administrators): the upload with its progress (bytes sent, from
 * XMLHttpRequest's upload events), then the node's import, then its report — rows read, imported,
 * rejected, and each rejected row's line and reason as the node gives them.
 */
import './data.css';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { upload } from '../api';
import { formatNumber } from '../i18n';
import { Field } from '../widgets/field';
import { ErrorBox } from '../ui';

interface ImportReport {
  dataset: string;
  rowsRead: number;
  imported: number;
  rejected: number;
  badRows: { line: number; column?: string; reason: string }[];
  durationMs: number;
}

const ID_KINDS = ['phone', 'email', 'national-id', 'raw'] as const;
const ENCODINGS = ['utf-8', 'gb18030', 'gbk', 'latin1', 'utf-16le'] as const;

type Step =
  | { kind: 'idle' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'importing'; total: number }
  | { kind: 'done'; report: ImportReport }
  | { kind: 'failed'; error: unknown };

/** A dataset name the node accepts, from a file name ("Customers 2026.csv" → "customers-2026"). */
const nameFrom = (file: string) =>
  file
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64);

/** `onFinished`: an import of `dataset` ended, succeeded or failed (either is in its history). */
export function DatasetImport({ onFinished }: { onFinished: (dataset: string) => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [form, setForm] = useState({ dataset: '', idColumn: '', idKind: 'phone', encoding: 'utf-8', skipBad: true });
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const busy = step.kind === 'uploading' || step.kind === 'importing';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const jsonl = /\.(jsonl|ndjson)$/i.test(file.name);
    const query = new URLSearchParams({ id: `${form.idColumn.trim()}:${form.idKind}`, encoding: form.encoding });
    if (form.skipBad) query.set('skipBad', 'true');
    setStep({ kind: 'uploading', sent: 0, total: file.size });
    try {
      const report = await upload<ImportReport>(
        `/v1/datasets/${encodeURIComponent(form.dataset.trim())}/import?${query}`,
        file,
        jsonl ? 'application/x-ndjson' : 'text/csv',
        // Once every byte is sent the node reads, checks and hashes the rows: no more byte counts.
        ({ sent, total }) => setStep(sent >= total ? { kind: 'importing', total } : { kind: 'uploading', sent, total }),
      );
      setStep({ kind: 'done', report });
    } catch (error) {
      setStep({ kind: 'failed', error });
    }
    onFinished(form.dataset.trim());
  };

  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title">{t('data.import')}</h2>
      <form onSubmit={submit}>
        <div className="form-grid">
          <Field label={t('data.file')} help={t('data.fileHelp')}>
            {(control) => (
              <input
                {...control}
                type="file"
                required
                accept=".csv,.jsonl,.ndjson,text/csv"
                onChange={(e) => {
                  const chosen = e.target.files?.[0] ?? null;
                  setFile(chosen);
                  if (chosen && !form.dataset) setForm({ ...form, dataset: nameFrom(chosen.name) });
                }}
              />
            )}
          </Field>
          <Field label={t('data.dataset')} help={t('data.datasetHelp')}>
            {(control) => (
              <input
                {...control}
                required
                pattern="[a-z][a-z0-9_\-]{0,63}"
                value={form.dataset}
                onChange={(e) => setForm({ ...form, dataset: e.target.value })}
              />
            )}
          </Field>
          <Field label={t('data.idColumn')}>
            {(control) => <input {...control} required value={form.idColumn} onChange={(e) => setForm({ ...form, idColumn: e.target.value })} />}
          </Field>
          <Field label={t('data.idKind')}>
            {(control) => (
              <select {...control} value={form.idKind} onChange={(e) => setForm({ ...form, idKind: e.target.value })}>
                {ID_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`data.kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('data.encoding')}>
            {(control) => (
              <select {...control} value={form.encoding} onChange={(e) => setForm({ ...form, encoding: e.target.value })}>
                {ENCODINGS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="check">
            <input type="checkbox" checked={form.skipBad} onChange={(e) => setForm({ ...form, skipBad: e.target.checked })} />
            {t('data.skipBad')}
          </label>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('data.importing') : t('data.importButton')}
        </button>
      </form>
      <ImportProgress step={step} />
    </section>
  );
}

function ImportProgress({ step }: { step: Step }) {
  const { t } = useTranslation();
  if (step.kind === 'idle') return null;
  if (step.kind === 'failed') return <ErrorBox error={step.error} />;
  if (step.kind === 'uploading' || step.kind === 'importing') {
    const sent = step.kind === 'uploading' ? step.sent : step.total;
    return (
      <div className="import-progress" role="status">
        <progress max={Math.max(step.total, 1)} value={sent} aria-label={t('data.uploadProgress')} />
        <span data-testid="upload-progress">
          {step.kind === 'uploading'
            ? t('data.uploaded', {
                sent: formatNumber(sent),
                total: formatNumber(step.total),
                percent: formatNumber(sent / Math.max(step.total, 1), { style: 'percent' }),
              })
            : t('data.processing', { total: formatNumber(step.total) })}
        </span>
      </div>
    );
  }
  const r = step.report;
  return (
    <div className="import-report" data-testid="import-report">
      <p role="status" className={r.rejected === 0 ? 'ok' : 'bad'}>
        {t('data.reportSummary', {
          dataset: r.dataset,
          read: formatNumber(r.rowsRead),
          imported: formatNumber(r.imported),
          rejected: formatNumber(r.rejected),
          seconds: formatNumber(r.durationMs / 1000, { maximumFractionDigits: 1 }),
        })}
      </p>
      {r.badRows.length > 0 && (
        <table data-testid="bad-rows">
          <caption>{t('data.badRows', { shown: formatNumber(r.badRows.length), rejected: formatNumber(r.rejected) })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('data.line')}</th>
              <th scope="col">{t('data.column')}</th>
              <th scope="col">{t('data.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {r.badRows.map((b) => (
              <tr key={`${b.line}-${b.column ?? ''}`}>
                <td>{formatNumber(b.line)}</td>
                <td className="mono">{b.column ?? '—'}</td>
                <td>{b.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
