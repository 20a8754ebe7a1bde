/**
 * Joint audience: pick an accepted agreement (a partner's dataset and ours), run overlap, enrich,
 * aggregate or score as a job, follow its progress, read what it released with its noise and 95 %
 * interval, and watch the agreement's privacy budget. Operators run and cancel; compliance reads.
 */
import '../joint/joint.css';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate } from '../i18n';
import { BudgetChange, BudgetFacts } from '../joint/budget';
import { type Agreement, type Budget, ENDED, hasBudget, type Job, loadBudget, sides } from '../joint/model';
import { JobResult } from '../joint/results';
import { RunForm } from '../joint/run-form';
import type { PageProps } from '../pages';
import { ErrorBox, Panel, useLoad } from '../ui';
import { JobProgress } from '../widgets/job-progress';

const POLL_MS = 1000;

export function Joint({ session }: PageProps) {
  const { t } = useTranslation();
  const agreements = useLoad(() => api<{ agreements: Agreement[] }>('/v1/agreements?status=accepted'));
  const [chosen, setChosen] = useState('');
  const list = agreements.data?.agreements ?? [];
  const agreement = list.find((a) => a.id === chosen) ?? list[0];
  return (
    <>
      <h1>{t('joint.nav')}</h1>
      <p className="help">{t('joint.intro')}</p>
      <Panel title={t('joint.agreement')} loaded={agreements}>
        {() =>
          !agreement ? (
            <p>{t('joint.noAgreements')}</p>
          ) : (
            <>
              {/* Not wrapping the select: its chosen option would become part of its name. */}
              <div className="field">
                <label htmlFor="joint-agreement">{t('joint.pick')}</label>
                <select id="joint-agreement" value={agreement.id} onChange={(e) => setChosen(e.target.value)}>
                  {list.map((a) => (
                    <option key={a.id} value={a.id}>
                      {t('joint.option', { title: a.terms.title, peer: a.peerName ?? a.peerNodeId.slice(0, 12), theirs: sides(a).theirs.dataset })}
                    </option>
                  ))}
                </select>
              </div>
              <AgreementFacts agreement={agreement} />
            </>
          )
        }
      </Panel>
      {agreement && <AgreementWork key={agreement.id} agreement={agreement} operator={session.role === 'operator'} />}
    </>
  );
}

function AgreementFacts({ agreement }: { agreement: Agreement }) {
  const { t } = useTranslation();
  const { ours, theirs } = sides(agreement);
  return (
    <dl className="facts">
      <dt>{t('joint.partner')}</dt>
      <dd>{agreement.peerName ?? agreement.peerNodeId}</dd>
      <dt>{t('joint.theirDataset')}</dt>
      <dd data-testid="their-dataset">{theirs.dataset}</dd>
      <dt>{t('joint.ourDataset')}</dt>
      <dd>{ours.dataset}</dd>
      <dt>{t('joint.allows')}</dt>
      <dd>{agreement.terms.operations.map((op) => t(`joint.kind.${op}`, { defaultValue: op })).join(', ')}</dd>
      <dt>{t('joint.counts')}</dt>
      <dd>{agreement.terms.exactCounts ? t('joint.countsExact') : t('joint.countsNoisy')}</dd>
      <dt>{t('joint.expires')}</dt>
      <dd>{formatDate(agreement.terms.expiresAt)}</dd>
    </dl>
  );
}

/** The budget, the run form, the job being followed and the agreement's recent jobs. */
function AgreementWork({ agreement, operator }: { agreement: Agreement; operator: boolean }) {
  const { t } = useTranslation();
  const [followed, setFollowed] = useState<{ id: string; before?: Budget } | null>(null);
  // Bumped when a job is queued or ends: the budget and the job list are read again then.
  const [version, setVersion] = useState(0);
  const budgeted = hasBudget(agreement);
  const budget = useLoad(() => (budgeted ? loadBudget(agreement.id) : Promise.resolve(null)), String(version));
  const jobs = useLoad(() => api<{ jobs: Job[] }>('/v1/jobs?limit=100'), String(version));
  const ours = (jobs.data?.jobs ?? []).filter((j) => j.agreementIds.includes(agreement.id));

  const queued = (job: Job) => {
    setFollowed({ id: job.id, before: budget.data ?? undefined });
    setVersion((v) => v + 1);
  };
  const ended = useCallback(() => setVersion((v) => v + 1), []);

  return (
    <>
      <div className="grid">
        <Panel title={t('joint.budget.title')} loaded={budget}>
          {(b) => (b === null ? <p>{t('joint.budget.none')}</p> : <BudgetFacts budget={b} />)}
        </Panel>
        <section className="panel" aria-labelledby="joint-run">
          <h2 id="joint-run">{t('joint.run.title')}</h2>
          {operator ? <RunForm agreement={agreement} onQueued={queued} /> : <p>{t('joint.run.readOnly')}</p>}
        </section>
      </div>
      {followed && <FollowedJob key={followed.id} id={followed.id} agreementId={agreement.id} before={followed.before} operator={operator} onEnded={ended} />}
      <Panel title={t('joint.jobs.title')} loaded={jobs}>
        {() =>
          ours.length === 0 ? (
            <p>{t('joint.jobs.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('joint.jobs.kind')}</th>
                  <th scope="col">{t('joint.jobs.status')}</th>
                  <th scope="col">{t('joint.jobs.by')}</th>
                  <th scope="col">{t('joint.jobs.created')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('joint.jobs.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {ours.map((j) => (
                  <tr key={j.id}>
                    <td>{t(`joint.kind.${j.kind}`, { defaultValue: j.kind })}</td>
                    <td>{t(`jobStatus.${j.status}`, { defaultValue: j.status })}</td>
                    <td>{j.createdBy}</td>
                    <td>{formatDate(j.createdAt)}</td>
                    <td>
                      <button type="button" onClick={() => setFollowed({ id: j.id })} aria-pressed={followed?.id === j.id}>
                        {t('joint.jobs.show')}
                      </button>
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

/** One job, polled until it ends: its progress, a cancel for the operator, then its result. */
function FollowedJob(props: { id: string; agreementId: string; before?: Budget; operator: boolean; onEnded(): void }) {
  const { id, before, operator, onEnded } = props;
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  const job = useLoad(() => api<Job>(`/v1/jobs/${encodeURIComponent(id)}`), id, done ? undefined : POLL_MS);
  // Read once the job has ended, so it is the budget after the run (a job followed from the list has no "before").
  const after = useLoad(() => (done && before ? loadBudget(props.agreementId) : Promise.resolve(undefined)), String(done));
  const status = job.data?.status;
  useEffect(() => {
    if (status && ENDED.includes(status) && !done) {
      setDone(true);
      onEnded();
    }
  }, [status, done, onEnded]);
  return (
    <Panel title={t('joint.job.title')} loaded={job}>
      {(j) => {
        const kind = t(`joint.kind.${j.kind}`, { defaultValue: j.kind });
        return (
          <div data-testid="followed-job">
            <p className="help">{t('joint.job.what', { kind, by: j.createdBy, at: formatDate(j.createdAt) })}</p>
            <JobProgress job={j} what={kind} />
            {operator && !ENDED.includes(j.status) && <CancelJob job={j} />}
            <JobResult job={j} />
            {before && after.data && <BudgetChange before={before} after={after.data} />}
          </div>
        );
      }}
    </Panel>
  );
}

function CancelJob({ job }: { job: Job }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  if (job.cancelRequested) return <p role="status">{t('joint.job.cancelling')}</p>;
  const cancel = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api<Job>(`/v1/jobs/${encodeURIComponent(job.id)}/cancel`, { method: 'POST', body: { reason } });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="cancel" onSubmit={cancel}>
      <label className="field">
        <span>{t('joint.job.reason')}</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={500} />
      </label>
      <button type="submit" className="danger">
        {t('joint.job.cancel')}
      </button>
      {error !== undefined && <ErrorBox error={error} />}
    </form>
  );
}
