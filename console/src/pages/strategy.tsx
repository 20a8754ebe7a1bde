/** Journeys: the list, and the canvas of one (`strategy/<id>`) or of a new one (`strategy/new`). */
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { JourneyCanvas } from '../canvas/journey-canvas';
import { formatDate } from '../i18n';
import { navigate } from '../router';
import type { PageProps } from '../pages';
import { Panel, useLoad } from '../ui';

interface Journey {
  id: number;
  name: string;
  description: string;
  status: string;
  latestVersion: number;
  liveVersion: number | null;
  updatedBy: string;
  updatedAt: string;
}

export function Strategy({ session, rest }: PageProps) {
  // Only operators change journeys; compliance reads them (docs/api.md).
  const editable = session.role === 'operator';
  const [which] = rest;
  if (which === 'new' && editable) return <JourneyCanvas key="new" journeyId={null} editable />;
  if (which && /^\d+$/.test(which)) return <JourneyCanvas key={which} journeyId={Number(which)} editable={editable} />;
  return <JourneyList editable={editable} />;
}

function JourneyList({ editable }: { editable: boolean }) {
  const { t } = useTranslation();
  const journeys = useLoad(() => api<{ journeys: Journey[] }>('/v1/journeys'));
  return (
    <>
      <h1>{t('strategy.nav')}</h1>
      {editable && (
        <button type="button" onClick={() => navigate('strategy/new')}>
          {t('strategy.new')}
        </button>
      )}
      <Panel title={t('strategy.journeys')} loaded={journeys}>
        {({ journeys: list }) =>
          list.length === 0 ? (
            <p>{t('strategy.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('strategy.name')}</th>
                  <th scope="col">{t('strategy.status')}</th>
                  <th scope="col">{t('strategy.versions')}</th>
                  <th scope="col">{t('strategy.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((j) => (
                  <tr key={j.id}>
                    <td>
                      <a
                        href={`/console/strategy/${j.id}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`strategy/${j.id}`);
                        }}
                      >
                        {j.name}
                      </a>
                      {j.description && <div className="help">{j.description}</div>}
                    </td>
                    <td>{t(`journeyStatus.${j.status}`, { defaultValue: j.status })}</td>
                    <td>{t('strategy.versionInfo', { latest: j.latestVersion, live: j.liveVersion ?? '—' })}</td>
                    <td>
                      {formatDate(j.updatedAt)} · {j.updatedBy}
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
