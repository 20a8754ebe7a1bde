/**
 * What each kind of job does on the querying node: overlap and enrich are one protocol run with
 * one partner; intersect runs enrich with each partner (each under its own agreement) and
 * intersects the memberships locally, so the combined audience is computed at the bank.
 */
import { getAgreement } from '../agreements/store.js';
import { checkResultReleasable } from '../agreements/policy.js';
import type { RunView } from '../session/runs.js';
import { jointVerdicts, replaceJointAttributeByIdNorm } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { MofangNode } from '../node.js';
import { runQuerier } from '../session/psi-querier.js';
import { runAggregateQuerier } from '../session/aggregate-querier.js';
import { groupSourceFor } from '../session/group-source.js';
import { formatScoreFormula, parseScoreFormula, rankGroups } from './score-formula.js';
import type { JobContext, JobExecutor } from './runner.js';
import type { JobResult, JobView } from './store.js';

export function jobExecutor(node: MofangNode): JobExecutor {
  const actor = (job: JobView) => job.createdBy;

  const runOne = async (job: JobView, ctx: JobContext, agreementId: string, operation: 'overlap' | 'enrich', label = '') => {
    const agreement = getAgreement(node.db, agreementId);
    const peer = node.peerOfAgreement(agreement);
    const { client } = await node.connect(peer.name, actor(job));
    try {
      const link = client.openRun();
      return await runQuerier(node.sessionEnv(peer), link, {
        agreementId,
        operation,
        actor: actor(job),
        job: {
          jobId: job.id,
          progress: (phase, done, total) => ctx.progress(`${label}${phase}`, done, total),
          cancelled: ctx.cancelled,
        },
      });
    } finally {
      client.close();
    }
  };

  const runAggregate = async (job: JobView, ctx: JobContext) => {
    const options = job.options.aggregate!;
    const formula = job.kind === 'score' ? parseScoreFormula(options.score!) : null;
    const agreement = getAgreement(node.db, job.agreementIds[0]);
    const peer = node.peerOfAgreement(agreement);
    const { client } = await node.connect(peer.name, actor(job));
    try {
      return await runAggregateQuerier(node.sessionEnv(peer), client.openRun(), {
        agreementId: agreement.id,
        columns: options.columns,
        histogram: !!options.histogram,
        groups: groupSourceFor(options, node.segmentSource),
        actor: actor(job),
        formula: formula ? formatScoreFormula(formula) : null,
        rank: formula ? (groups) => rankGroups(groups, formula) : undefined,
        job: { jobId: job.id, progress: ctx.progress, cancelled: ctx.cancelled },
      });
    } finally {
      client.close();
    }
  };

  return async (job, ctx): Promise<JobResult> => {
    if (job.kind === 'aggregate' || job.kind === 'score') {
      const set = await runAggregate(job, ctx);
      return { count: null, attribute: null, scores: set.runId };
    }
    if (job.kind !== 'intersect') {
      const run = await runOne(job, ctx, job.agreementIds[0], job.kind);
      return { count: run.resultCount, attribute: run.attribute };
    }
    const agreements = job.agreementIds.map((id) => getAgreement(node.db, id));
    const datasets = new Set(agreements.map((a) => a.terms.parties[a.localParty].dataset));
    if (datasets.size !== 1)
      throw new MofangError('OPERATION_NOT_ALLOWED', `intersect: the agreements name different local datasets (${[...datasets].join(', ')})`);
    const [dataset] = datasets;
    const runs: RunView[] = [];
    for (const [i, a] of agreements.entries()) {
      const run = await runOne(job, ctx, a.id, 'enrich', `partner ${i + 1}/${agreements.length}: `);
      runs.push(run);
    }
    const attribute = job.options.attribute ?? `joint:${job.id}`;
    const count = node.db.transaction(() => {
      // Per customer (on the normalised identifier): matched by every run → true; unmatched by
      // at least one → false; seen by only some runs and matched by those (a re-import between
      // runs) → no value, unknown.
      const verdicts = jointVerdicts(
        node.db,
        dataset,
        runs.map((r) => ({ name: r.attribute!, runId: r.id })),
      );
      const known = verdicts.filter((v): v is [string, 'true' | 'false'] => v[1] !== null);
      const matched = known.filter(([, v]) => v === 'true').length;
      // Every agreement's minimum applies to the combined result too.
      for (const a of agreements) checkResultReleasable(a, matched);
      replaceJointAttributeByIdNorm(node.db, { dataset, name: attribute, values: known, agreementId: job.agreementIds.join(','), runId: job.id });
      return matched;
    })();
    return { count, attribute };
  };
}
