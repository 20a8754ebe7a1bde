/**
 * The Data page: the datasets with their row counts, importing a file with the upload's progress
 * and the node's report, each dataset's import history, and the tracking plan. Datasets are for
 * administrators and operators (compliance may not list them: docs/api.md); only administrators
 * import.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import type { PageProps } from '../pages';
import { Panel, useLoad } from '../ui';
import { DatasetImport } from './data-import';
import { ImportHistory } from './import-history';
import { TrackingPlan } from './tracking-plan';

/** What GET /v1/datasets lists. */
export interface DatasetInfo {
  name: string;
  idColumn: string;
  idKind: string;
  columns: { name: string; type: string }[];
  rowCount: number;
  rejectedCount: number;
  generation: number;
  importedAt: string;
}

export function Data({ session }: PageProps) {
  const { t } = useTranslation();
  const seesDatasets = session.role === 'admin' || session.role === 'operator';
  return (
    <>
      <h1>{t('data.nav')}</h1>
      {seesDatasets && <Datasets imports={session.role === 'admin'} />}
      <TrackingPlan canChange={session.role === 'admin'} />
    </>
  );
}

function Datasets({ imports }: { imports: boolean }) {
  const { t } = useTranslation();
  const datasets = useLoad(() => api<{ datasets: DatasetInfo[] }>('/v1/datasets'));
  const [last, setLast] = useState<{ dataset?: string; version: number }>({ version: 0 });
  const finished = (dataset: string) => {
    datasets.reload();
    setLast((l) => ({ dataset, version: l.version + 1 }));
  };
  return (
    <>
      <Panel title={t('data.datasets')} loaded={datasets}>
        {({ datasets: list }) =>
          list.length === 0 ? (
            <p>{t('data.noDatasets')}</p>
          ) : (
            <table data-testid="datasets">
              <thead>
                <tr>
                  <th scope="col">{t('data.name')}</th>
                  <th scope="col">{t('data.id')}</th>
                  <th scope="col">{t('data.rows')}</th>
                  <th scope="col">{t('data.rejected')}</th>
                  <th scope="col">{t('data.columns')}</th>
                  <th scope="col">{t('data.generation')}</th>
                  <th scope="col">{t('data.importedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => (
                  <tr key={d.name} data-dataset={d.name}>
                    <th scope="row">{d.name}</th>
                    <td className="mono">
                      {d.idColumn}:{d.idKind}
                    </td>
                    <td>{formatNumber(d.rowCount)}</td>
                    <td>{formatNumber(d.rejectedCount)}</td>
                    <td className="mono">{d.columns.map((c) => `${c.name} (${c.type})`).join(', ')}</td>
                    <td>{formatNumber(d.generation)}</td>
                    <td>{formatDate(d.importedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      {imports && <DatasetImport onFinished={finished} />}
      {datasets.data && datasets.data.datasets.length > 0 && (
        // A new key after each import: the history shows that dataset, read again.
        <ImportHistory key={last.version} datasets={datasets.data.datasets.map((d) => d.name)} shown={last.dataset} />
      )}
    </>
  );
}
