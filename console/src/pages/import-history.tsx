/**
 * A dataset's import history (GET /v1/datasets/:name/imports): each import, succeeded or failed,
 * newest first, with who ran it, where the file came from and the counts — as the node's audit
 * log recorded them.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';

interface ImportRecord {
  seq: number;
  at: string;
  actor: string;
  outcome: 'imported' | 'failed';
  origin: string | null;
  rowsRead: number | null;
  imported: number | null;
  rejected: number | null;
  code: string | null;
}

const count = (n: number | null) => (n === null ? '—' : formatNumber(n));

/** `shown`: the dataset to show first (the one just imported). */
export function ImportHistory({ datasets, shown }: { datasets: string[]; shown?: string }) {
  const { t } = useTranslation();
  const selectId = useId();
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const dataset = chosen ?? shown ?? datasets[0];
  const history = useLoad(
    () => (dataset ? api<{ imports: ImportRecord[] }>(`/v1/datasets/${encodeURIComponent(dataset)}/imports`) : Promise.resolve({ imports: [] })),
    dataset,
  );
  return (
    <Panel title={t('data.history')} loaded={history}>
      {({ imports }) => (
        <>
          <div className="field inline">
            <label htmlFor={selectId}>{t('data.historyOf')}</label>
            <select id={selectId} value={dataset ?? ''} onChange={(e) => setChosen(e.target.value)}>
              {datasets.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </div>
          {imports.length === 0 ? (
            <p>{t('data.noImports')}</p>
          ) : (
            <table data-testid="import-history">
              <thead>
                <tr>
                  <th scope="col">{t('data.when')}</th>
                  <th scope="col">{t('data.who')}</th>
                  <th scope="col">{t('data.outcome')}</th>
                  <th scope="col">{t('data.origin')}</th>
                  <th scope="col">{t('data.rowsRead')}</th>
                  <th scope="col">{t('data.rowsImported')}</th>
                  <th scope="col">{t('data.rejected')}</th>
                </tr>
              </thead>
              <tbody>
                {imports.map((i) => (
                  <tr key={i.seq}>
                    <td>{formatDate(i.at)}</td>
                    <td>{i.actor}</td>
                    <td className={i.outcome === 'imported' ? 'ok' : 'bad'}>
                      {i.outcome === 'imported' ? t('data.succeeded') : t('data.failed', { code: i.code ?? '—' })}
                    </td>
                    <td>{i.origin ? t(`data.originOf.${i.origin}`, { defaultValue: i.origin }) : '—'}</td>
                    <td>{count(i.rowsRead)}</td>
                    <td>{count(i.imported)}</td>
                    <td>{count(i.rejected)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Panel>
  );
}
