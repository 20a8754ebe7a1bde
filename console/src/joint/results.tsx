/**
 * What a finished job released. Counts an agreement noises are shown as approximate with their
 * 95 % interval and noise, never as exact; suppressed groups say why nothing else is shown.
 */
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api';
import { formatNumber } from '../i18n';
import { ErrorBox, Panel, useLoad } from '../ui';
import { NoiseDescription, ReleasedNumber } from '../widgets/released-number';
import type { CountRelease, Job, ScoreGroup, ScoreSet } from './model';

export function JobResult({ job }: { job: Job }) {
  const { t } = useTranslation();
  if (job.status === 'failed' || job.status === 'cancelled') return job.error && <ErrorBox error={jobError(job.error)} />;
  if (job.status !== 'succeeded' || !job.result) return null;
  const { result } = job;
  if (result.scores) return <ScoreResult runId={result.scores} />;
  if (job.kind === 'overlap') return result.release ? <OverlapCount release={result.release} /> : <p>{t('joint.result.noCount')}</p>;
  return (
    <p data-testid="enrich-result">
      {result.count === null
        ? t('joint.result.enrichNoCount', { attribute: result.attribute ?? '—' })
        : t('joint.result.enrich', { n: formatNumber(result.count), attribute: result.attribute ?? '—' })}
    </p>
  );
}

/** The job's error as the ErrorBox shows a server error: code, message and what to do. */
const jobError = (e: { code: string; message: string }) => new ApiError(0, e.code, e.message);

function OverlapCount({ release }: { release: CountRelease }) {
  const { t } = useTranslation();
  if (release.exact) return <p data-testid="overlap-result">{t('joint.result.exact', { n: formatNumber(release.value) })}</p>;
  return (
    <div data-testid="overlap-result">
      <p className="big">
        {t('joint.result.noisyCount')} <ReleasedNumber n={release} testId="overlap-count" />
      </p>
      <p className="help">
        {t('joint.result.noisyExplained', { margin: formatNumber(release.margin95 ?? 0) })}{' '}
        {release.noiseScale && <NoiseDescription noise={release.noiseScale} />}
        {release.epsilon !== undefined && ` · ε ${formatNumber(release.epsilon)}`}
      </p>
    </div>
  );
}

function ScoreResult({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const set = useLoad(() => api<ScoreSet>(`/v1/scores/${encodeURIComponent(runId)}`), runId);
  return (
    <Panel title={t('joint.result.scores')} loaded={set}>
      {(s) => (
        <>
          <p className="help">{t('joint.result.scoresExplained', { epsilon: s.epsilon, mechanism: s.mechanism, grouping: s.grouping })}</p>
          <table className="scores">
            <caption className="help">{t('joint.result.scoresCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('joint.result.group')}</th>
                <th scope="col">{t('joint.result.inputSize')}</th>
                <th scope="col">{t('joint.result.matched')}</th>
                {s.columns.map((c) => (
                  <th scope="col" key={c}>
                    {t('joint.result.meanOf', { column: c })}
                  </th>
                ))}
                {s.formula && <th scope="col">{t('joint.result.rank')}</th>}
              </tr>
            </thead>
            <tbody>
              {s.groups.map((g) => (
                <GroupRow key={g.index} group={g} columns={s.columns} ranked={s.formula !== null} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}

function GroupRow({ group, columns, ranked }: { group: ScoreGroup; columns: string[]; ranked: boolean }) {
  const { t } = useTranslation();
  const head = (
    <>
      <th scope="row">{group.label}</th>
      <td>{formatNumber(group.inputSize)}</td>
    </>
  );
  if (group.suppressed || !group.count)
    return (
      <tr className="suppressed">
        {head}
        <td colSpan={columns.length + (ranked ? 2 : 1)}>{t('joint.result.suppressed')}</td>
      </tr>
    );
  return (
    <tr>
      {head}
      <td>
        <ReleasedNumber n={group.count} />
      </td>
      {columns.map((c) => {
        const col = group.columns.find((x) => x.column === c);
        return <td key={c}>{col ? <ReleasedNumber n={col.mean} digits={2} /> : '—'}</td>;
      })}
      {ranked && (
        <td>
          {group.rank === null ? '—' : t('joint.result.rankValue', { rank: group.rank, score: formatNumber(group.score ?? 0, { maximumFractionDigits: 2 }) })}
        </td>
      )}
    </tr>
  );
}
