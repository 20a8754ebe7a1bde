/**
 * Shared segment sets by unit: what units in the caller's scope published, what was published to a
 * unit (the caller's own, or one in its scope) with what it imported, and the import itself.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate } from '../i18n';
import type { Session } from '../session';
import { ErrorBox, Panel, useLoad } from '../ui';

interface SharedSet {
  id: number;
  name: string;
  publisher: string;
  dataset: string;
  version: number;
  latest: { segments: { name: string }[]; strategy: string; audience: { all: true } | { units: string[] }; publishedAt: string };
}
interface Received extends SharedSet {
  imported: { unit: string; version: number; segments: { source: string; segment: string }[] } | null;
  updateAvailable: boolean;
}

export function SharedSets({ session }: { session: Session }) {
  const { t } = useTranslation();
  const editable = session.role === 'operator';
  const [unit, setUnit] = useState(session.unit ?? '');
  const [shown, setShown] = useState(session.unit ?? '');
  const sets = useLoad(
    () => api<{ published: SharedSet[]; received: Received[] }>(`/v1/insight/shared-sets${shown ? `?${new URLSearchParams({ unit: shown })}` : ''}`),
    shown,
  );
  const [importing, setImporting] = useState<{ id?: number; message?: string; error?: unknown }>({});

  const audience = (s: SharedSet) => ('all' in s.latest.audience ? t('insight.shared.everyone') : s.latest.audience.units.join(', '));
  const importSet = async (set: Received) => {
    setImporting({ id: set.id });
    try {
      const result = await api<Received>(`/v1/insight/shared-sets/${set.id}/import`, {
        method: 'POST',
        body: shown && !session.unit ? { unit: shown } : {},
      });
      const imported = result.imported;
      setImporting({
        message: t('insight.shared.imported', {
          name: set.name,
          version: imported?.version ?? result.version,
          segments: imported?.segments.map((s) => s.segment).join(', ') ?? '',
        }),
      });
      sets.reload();
    } catch (error) {
      setImporting({ error });
    }
  };
  const show = (e: FormEvent) => {
    e.preventDefault();
    setShown(unit.trim());
  };

  return (
    <>
      <form className="filters" onSubmit={show} aria-label={t('insight.shared.unitForm')}>
        <label>
          <span>{t('insight.shared.unit')}</span>
          <input value={unit} onChange={(e) => setUnit(e.target.value)} placeholder={t('insight.shared.unitPlaceholder')} />
        </label>
        <button type="submit">{t('insight.shared.show')}</button>
      </form>
      {importing.message && (
        <p role="status" className="ok">
          {importing.message}
        </p>
      )}
      {importing.error !== undefined && <ErrorBox error={importing.error} />}
      <Panel title={shown ? t('insight.shared.receivedBy', { unit: shown }) : t('insight.shared.received')} loaded={sets}>
        {({ received }) =>
          received.length === 0 ? (
            <p>{t('insight.shared.noneReceived')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('insight.shared.name')}</th>
                  <th scope="col">{t('insight.shared.publisher')}</th>
                  <th scope="col">{t('insight.shared.segments')}</th>
                  <th scope="col">{t('insight.shared.strategy')}</th>
                  <th scope="col">{t('insight.shared.state')}</th>
                  {editable && <th scope="col">{t('insight.segments.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {received.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.name} <span className="help">v{s.version}</span>
                    </td>
                    <td>{s.publisher}</td>
                    <td>{s.latest.segments.map((x) => x.name).join(', ')}</td>
                    <td className="clip">{s.latest.strategy}</td>
                    <td>
                      {s.imported === null
                        ? t('insight.shared.notImported')
                        : s.updateAvailable
                          ? t('insight.shared.outdated', { version: s.imported.version })
                          : t('insight.shared.current', { version: s.imported.version })}
                    </td>
                    {editable && (
                      <td>
                        {(s.imported === null || s.updateAvailable) && (
                          <button type="button" disabled={importing.id === s.id} onClick={() => void importSet(s)}>
                            {importing.id === s.id ? t('insight.shared.importing') : t('insight.shared.import')}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      <Panel title={t('insight.shared.published')} loaded={sets}>
        {({ published }) =>
          published.length === 0 ? (
            <p>{t('insight.shared.nonePublished')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('insight.shared.name')}</th>
                  <th scope="col">{t('insight.shared.publisher')}</th>
                  <th scope="col">{t('insight.shared.audience')}</th>
                  <th scope="col">{t('insight.shared.segments')}</th>
                  <th scope="col">{t('insight.shared.publishedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {published.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.name} <span className="help">v{s.version}</span>
                    </td>
                    <td>{s.publisher}</td>
                    <td>{audience(s)}</td>
                    <td>{s.latest.segments.map((x) => x.name).join(', ')}</td>
                    <td>{formatDate(s.latest.publishedAt)}</td>
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
