/**
 * A journey's versions, newest first (GET /v1/journeys/:id/versions): which one is live, which are
 * drafts or superseded, who saved each and when; any of them opens read-only on the canvas.
 */
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { followLink } from '../router';
import { Panel, useLoad } from '../ui';

interface Version {
  version: number;
  graphSha256: string;
  createdBy: string;
  createdAt: string;
  publishedAt: string | null;
  state: 'live' | 'draft' | 'superseded';
  nodes: number;
}
interface Journey {
  id: number;
  name: string;
  status: string;
  liveVersion: number | null;
}

export function VersionHistory({ journeyId }: { journeyId: number }) {
  const { t } = useTranslation();
  const loaded = useLoad(
    () =>
      Promise.all([api<{ journey: Journey }>(`/v1/journeys/${journeyId}`), api<{ versions: Version[] }>(`/v1/journeys/${journeyId}/versions`)]).then(
        ([j, v]) => ({ journey: j.journey, versions: v.versions }),
      ),
    String(journeyId),
  );
  return (
    <>
      <h1>{loaded.data ? t('history.of', { name: loaded.data.journey.name }) : t('history.title')}</h1>
      <p>
        <a href={`/console/strategy/${journeyId}`} onClick={followLink(`strategy/${journeyId}`)}>
          {t('history.toLatest')}
        </a>
      </p>
      <Panel title={t('history.versions')} loaded={loaded}>
        {({ journey, versions }) => (
          <>
            <p data-testid="live-version">
              {journey.liveVersion === null
                ? t('history.noneLive', { status: t(`journeyStatus.${journey.status}`, { defaultValue: journey.status }) })
                : t('history.live', { version: journey.liveVersion, status: t(`journeyStatus.${journey.status}`, { defaultValue: journey.status }) })}
            </p>
            <table className="versions">
              <thead>
                <tr>
                  <th scope="col">{t('history.version')}</th>
                  <th scope="col">{t('history.state')}</th>
                  <th scope="col" className="num">
                    {t('history.nodes')}
                  </th>
                  <th scope="col">{t('history.saved')}</th>
                  <th scope="col">{t('history.published')}</th>
                  <th scope="col">{t('history.digest')}</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} data-testid={`version-${v.version}`} className={v.state === 'live' ? 'live' : undefined}>
                    <td>
                      <a href={`/console/strategy/${journeyId}/v/${v.version}`} onClick={followLink(`strategy/${journeyId}/v/${v.version}`)}>
                        {t('history.view', { version: v.version })}
                      </a>
                    </td>
                    <td>{t(`history.states.${v.state}`)}</td>
                    <td className="num">{formatNumber(v.nodes)}</td>
                    <td>
                      {formatDate(v.createdAt)} · {v.createdBy}
                    </td>
                    <td>{formatDate(v.publishedAt)}</td>
                    <td className="mono" title={v.graphSha256}>
                      {v.graphSha256.slice(0, 12)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Panel>
    </>
  );
}
