/**
 * What each kind of job does on the querying node: overlap and enrich are one protocol run with
 * one partner; intersect runs enrich with each partner (each under its own agreement) and
 * intersects the memberships locally, so the combined audience is computed at the bank.
 */
import { checkResultReleasable } from '../agreements/policy.js';
import type { StoredAgreement } from '../agreements/store.js';
import type { JointAttributeWriter } from '../datasets/joint-attribute-writer.js';
import { MofangError } from '../errors.js';
import type { Connect } from '../peer/connector.js';
import type { Peer } from '../peer/directory.js';
import type { RunView } from '../session/runs.js';
import { runQuerier } from '../session/psi-querier.js';
import { runAggregateQuerier } from '../session/aggregate-querier.js';
import type { SessionEnv } from '../session/env.js';
import { groupSourceFor, type GroupSource } from '../session/group-source.js';
import { formatScoreFormula, parseScoreFormula, rankGroups } from './score-formula.js';
import type { JobContext, JobExecutor } from './runner.js';
import type { JobResult, JobView } from './store.js';

/** What running a job needs from the node, wired by the composition root. */
export interface JobExecutorPorts {
  agreement(id: string): StoredAgreement;
  /** The pinned counter-party of an agreement; PEER_UNKNOWN if its pin was removed. */
  peerOfAgreement(a: StoredAgreement): Peer;
  connect: Connect;
  /** What a protocol session with `peer` runs on. */
  sessionEnv(peer: Peer): SessionEnv;
  /** Where `segments` of an aggregate or score job come from (the insight store's saved segments). */
  segments(names: string[]): GroupSource;
  /** Writes an intersect job's combined audience. */
  jointAttributes: JointAttributeWriter;
}

export function jobExecutor(ports: JobExecutorPorts): JobExecutor {
  const actor = (job: JobView) => job.createdBy;

  const runOne = async (job: JobView, ctx: JobContext, agreementId: string, operation: 'overlap' | 'enrich', label = '') => {
    const agreement = ports.agreement(agreementId);
    const peer = ports.peerOfAgreement(agreement);
    const { client } = await ports.connect(peer.name, actor(job));
    try {
      const link = client.openRun();
      return await runQuerier(ports.sessionEnv(peer), link, {
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
    const agreement = ports.agreement(job.agreementIds[0]);
    const peer = ports.peerOfAgreement(agreement);
    const { client } = await ports.connect(peer.name, actor(job));
    try {
      return await runAggregateQuerier(ports.sessionEnv(peer), client.openRun(), {
        agreementId: agreement.id,
        columns: options.columns,
        histogram: !!options.histogram,
        groups: groupSourceFor(options, ports.segments),
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
      return { count: run.resultCount, attribute: run.attribute, ...(run.count ? { release: run.count } : {}) };
    }
    const agreements = job.agreementIds.map((id) => ports.agreement(id));
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
    // Every agreement's minimum applies to the combined result too.
    const count = ports.jointAttributes.intersect(
      { dataset, name: attribute, runs: runs.map((r) => ({ name: r.attribute!, runId: r.id })), agreementId: job.agreementIds.join(','), runId: job.id },
      (matched) => {
        for (const a of agreements) checkResultReleasable(a, matched);
      },
    );
    return { count, attribute };
  };
}
