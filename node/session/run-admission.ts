/**
 * The admit phase of every run kind, both roles: the agreement allows this query now (state, role,
 * peer, dataset, expiry, daily limit), each input meets the agreement's minimum and — once the run
 * kind's own checks passed — the run row is inserted, its budget reserved and `run.started`
 * audited. A querier sends nothing before its run is admitted; a responder's refusal is its answer.
 */
import type { AgreementTerms } from '../agreements/model.js';
import { checkQueryAllowed } from '../agreements/policy.js';
import { getAgreement, type StoredAgreement } from '../agreements/store.js';
import { asMofangError, MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import type { SessionEnv } from './env.js';
import type { Link } from './link.js';
import type { RunState } from './run-close.js';
import { dataPair } from '../privacy/pair.js';
import { checkReimport, raiseProbingAlert, reimportCounts } from './querier-generation.js';
import { checkRunRateLimits, finishRun, insertRun } from './runs.js';

export interface AdmittedAgreement {
  agreement: StoredAgreement;
  terms: AgreementTerms;
  /** Our dataset under the agreement. */
  dataset: string;
}

/**
 * Loads the run's agreement and checks that it allows this run now; records the agreement id on
 * the run.
 *
 * @example const { agreement, dataset } = admitAgreement(env, run, now);
 */
export function admitAgreement(env: SessionEnv, run: RunState, now: Date): AdmittedAgreement {
  const agreement = getAgreement(env.db, run.agreementId!);
  const terms = agreement.terms;
  const dataset = terms.parties[agreement.localParty].dataset;
  checkQueryAllowed(agreement, { operation: run.operation!, localRole: run.role, peerNodeId: env.peer.nodeId, localDataset: dataset, now });
  checkRunRateLimits(env.db, agreement, env.limits, now);
  run.agreementId = agreement.id;
  return { agreement, terms, dataset };
}

/**
 * Refuses an input smaller than the agreement's minimum intersection: no result could be released.
 * `what` completes "… the agreement's minimum of N", e.g. "the querier's set is smaller than".
 */
export function requireInputMinimum(size: number, terms: AgreementTerms, what: string): void {
  if (size < terms.minIntersection) throw new MofangError('INPUT_BELOW_MINIMUM', `${what} the agreement's minimum of ${terms.minIntersection}`);
}

export interface RunStart {
  id: string;
  jobId?: string;
  dataset: string;
  localSize: number;
  /** The run kind's facts for `run.started`, after the common ones. */
  details: Record<string, unknown>;
  /** Charges the run's privacy budget, after the row exists (the ledger refers to the run). */
  reserve?: () => void;
  /** A responder's run: what the querier's start said about its set (querier-generation.ts). */
  querier?: { agreement: StoredAgreement; size: number; generation: string | null };
}

/**
 * Inserts the run row, reserves the budget and audits `run.started`. If the reservation is
 * refused, a querier's row is failed here (its partner has heard nothing yet); a responder's is
 * failed by its close phase, after the abort that tells the querier.
 */
export function startRun(env: SessionEnv, link: Link, run: RunState, s: RunStart): void {
  // The session clock: tests move it, and the pair's rate limits count runs by it.
  const now = env.now?.() ?? new Date();
  const q = s.querier;
  // Checked and recorded in one write transaction: two runs at once cannot both pass the cap.
  const reimport = env.db
    .transaction(() => {
      const changed = q ? checkReimport(env.db, q.agreement, q.generation, env.policy.maxQuerierReimportsPerDay, now) : false;
      insertRun(env.db, {
        id: s.id,
        jobId: s.jobId,
        agreementId: run.agreementId!,
        operation: run.operation!,
        role: run.role,
        peerNodeId: env.peer.nodeId,
        dataset: s.dataset,
        localSize: s.localSize,
        startedAt: now,
        ...(q ? { peerSize: q.size, querierGeneration: q.generation, querierReimport: changed } : {}),
      });
      return changed;
    })
    .immediate();
  run.id = s.id;
  try {
    s.reserve?.();
  } catch (err) {
    if (run.role === 'querier') {
      const e = asMofangError(err);
      finishRun(env.db, s.id, { status: 'failed', errorCode: e.code, errorMessage: e.message, stats: link.stats });
    }
    throw err;
  }
  env.audit.append({
    actor: run.actor,
    action: 'run.started',
    subject: s.id,
    details: {
      agreementId: run.agreementId,
      operation: run.operation,
      role: run.role,
      peer: env.peer.nodeId,
      dataset: s.dataset,
      localSize: s.localSize,
      ...s.details,
      ...(q ? { querierGeneration: q.generation === null ? 'unknown' : reimport ? 'changed' : 'same' } : {}),
      ...(run.role === 'querier' ? { jobId: s.jobId ?? null } : {}),
    },
  });
  if (q) watchQuerier(env, run, q, reimport, now);
}

/** Audits a re-import with the counts it brings, then lets the probing detector see the pair's runs. */
function watchQuerier(env: SessionEnv, run: RunState, q: NonNullable<RunStart['querier']>, reimport: boolean, now: Date): void {
  if (reimport) {
    const counts = reimportCounts(env.db, q.agreement, now);
    env.audit.append({
      actor: run.actor,
      action: 'run.querier_reimport',
      subject: run.id!,
      details: {
        agreementId: q.agreement.id,
        peer: env.peer.nodeId,
        querierSize: q.size,
        reimportsLast24h: { agreement: counts.agreement, pair: counts.pair },
        limit: env.policy.maxQuerierReimportsPerDay,
      },
    });
  }
  const pair = dataPair(q.agreement);
  const raised = raiseProbingAlert(env.db, q.agreement, run.id!, now, ({ suspected: _s, raise: _r, ...counts }) =>
    env.audit.append({
      actor: 'system:probing',
      action: 'peer.probing_suspected',
      subject: env.peer.nodeId,
      // Counts and dataset names: nothing about single records or single runs.
      details: {
        peer: env.peer.name,
        localDataset: pair.localDataset,
        peerDataset: untrustedText(pair.peerDataset, 64),
        windowHours: 24,
        minIntersection: q.agreement.terms.minIntersection,
        ...counts,
      },
    }),
  );
  if (raised) env.metrics.probingSuspected(env.peer.name);
}
