/**
 * A job's progress as the node reports it (docs/jobs.md): the phase, done of total in that phase,
 * and the estimated time left once the node has one. A finished job shows a full bar.
 */
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n';

interface JobProgressState {
  status: string;
  phase: string | null;
  progress: { done: number; total: number; etaSeconds: number | null };
}

/** Phases the node names with a plain word have a translation; composite ones ("partner 1/2: matching") are shown as sent. */
const WORD = /^[a-z][a-z-]*$/;

/** `what` names the job for the bar's accessible name, e.g. "Overlap". */
export function JobProgress({ job, what }: { job: JobProgressState; what: string }) {
  const { t } = useTranslation();
  const total = Math.max(job.progress.total, 1);
  const done = job.status === 'succeeded' ? total : Math.min(job.progress.done, total);
  // A job that ended has no current phase: the node keeps the last one, which would read as still working.
  const ended = !['queued', 'running'].includes(job.status);
  const phase = ended
    ? null
    : job.phase === null
      ? t('widgets.phaseNone')
      : WORD.test(job.phase)
        ? t(`widgets.phase.${job.phase}`, { defaultValue: job.phase })
        : job.phase;
  const percent = formatNumber(done / total, { style: 'percent', maximumFractionDigits: 0 });
  return (
    <div className="job-progress">
      <progress max={total} value={done} aria-label={t('widgets.progressOf', { what })} />
      <span data-testid="job-phase">
        {t(`jobStatus.${job.status}`, { defaultValue: job.status })} · {phase !== null && `${phase} · `}
        {percent}
        {job.status === 'running' &&
          job.progress.etaSeconds !== null &&
          ` · ${t('widgets.eta', { seconds: formatNumber(Math.ceil(job.progress.etaSeconds)) })}`}
      </span>
    </div>
  );
}
