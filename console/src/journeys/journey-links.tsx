/** Where a journey's canvas leads: its version history, its A/B report and its campaign report; and the banner over an older version. */
import { useTranslation } from 'react-i18next';
import { navigate } from '../router';
import './journeys.css';

export function JourneyLinks({ journeyId }: { journeyId: number }) {
  const { t } = useTranslation();
  const link = (path: string, label: string) => (
    <a
      href={`/console/${path}`}
      onClick={(e) => {
        e.preventDefault();
        navigate(path);
      }}
    >
      {label}
    </a>
  );
  return (
    <span className="journey-links">
      {link(`strategy/${journeyId}/history`, t('history.title'))}
      {link(`strategy/${journeyId}/experiment`, t('experiment.title'))}
      {link(`reach/journeys/${journeyId}`, t('history.report'))}
    </span>
  );
}

export function VersionBanner({ version, journey }: { version: number; journey: { id: number; liveVersion: number | null; latestVersion: number } }) {
  const { t } = useTranslation();
  return (
    <p className="version-banner" role="status" data-testid="version-banner">
      {t('history.viewing', { version, live: journey.liveVersion ?? '—', latest: journey.latestVersion })}{' '}
      <a
        href={`/console/strategy/${journey.id}`}
        onClick={(e) => {
          e.preventDefault();
          navigate(`strategy/${journey.id}`);
        }}
      >
        {t('history.toLatest')}
      </a>
    </p>
  );
}
