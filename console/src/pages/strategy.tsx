/**
 * Journeys: the list, the canvas of one (`strategy/<id>`) or of a new one (`strategy/new`), an older
 * version read-only (`strategy/<id>/v/<n>`), the version history and the A/B report
 * (`strategy/<id>/history`, `…/experiment`), and campaign templates (`strategy/templates[/<id>]`).
 */
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { JourneyCanvas } from '../canvas/journey-canvas';
import { formatDate } from '../i18n';
import { TemplateDetail, TemplateList } from '../journeys/templates';
import { VersionHistory } from '../journeys/version-history';
import { navigate } from '../router';
import type { PageProps } from '../pages';
import { Panel, useLoad } from '../ui';
import { ExperimentPanel } from '../widgets/experiment-report';

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
  const [which, sub, arg] = rest;
  const number = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  if (which === 'new' && editable) return <JourneyCanvas key="new" journeyId={null} editable />;
  if (which === 'templates') {
    const id = number(sub);
    return id === null ? <TemplateList /> : <TemplateDetail key={id} templateId={id} editable={editable} />;
  }
  const id = number(which);
  if (id === null) return <JourneyList editable={editable} />;
  if (sub === 'history') return <VersionHistory key={id} journeyId={id} />;
  if (sub === 'experiment') return <ExperimentPanel key={id} journeyId={id} />;
  const version = sub === 'v' ? number(arg) : null;
  if (version !== null) return <JourneyCanvas key={`${id}.${version}`} journeyId={id} version={version} editable={false} />;
  return <JourneyCanvas key={which} journeyId={id} editable={editable} />;
}

function JourneyList({ editable }: { editable: boolean }) {
  const { t } = useTranslation();
  const journeys = useLoad(() => api<{ journeys: Journey[] }>('/v1/journeys'));
  return (
    <>
      <h1>{t('strategy.nav')}</h1>
      <p className="journey-links">
        {editable && (
          <button type="button" onClick={() => navigate('strategy/new')}>
            {t('strategy.new')}
          </button>
        )}
        <a
          href="/console/strategy/templates"
          onClick={(e) => {
            e.preventDefault();
            navigate('strategy/templates');
          }}
        >
          {t('templates.title')}
        </a>
      </p>
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
