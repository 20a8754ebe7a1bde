/**
 * The close phase of every run kind, both roles: receipts, the run row's final state and the
 * `run.completed` / `run.withheld` audit entry — or, when any phase failed, an abort to the peer,
 * the failed row and `run.failed` / `run.cancelled` (`run.refused` for a responder that never
 * admitted the run). One implementation for PSI and aggregate runs, so the audit trail of a run
 * has the same shape whatever it computed.
 */
import { asMofangError, type MofangError } from '../errors.js';
import type { NewRun } from './runs.js';
import type { SessionEnv } from './env.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import type { Link } from './link.js';
import type { RunPhases } from './phases.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import { RESPONDER_OUTSIDER_FIELDS, responderReceipts } from './run-io.js';
import { finishRun, getRun } from './runs.js';
import type { Transcript } from './transcript.js';

/** What both close paths need to know about a run, filled in as its phases go. */
export interface RunState {
  role: NewRun['role'];
  actor: string;
  /** Set once the run row exists (admission passed). */
  id: string | null;
  /** Made safe (`untrustedText`) while it is still the peer's claim. */
  agreementId: string | null;
  operation: NewRun['operation'] | null;
  /** The partner's set size once known; stored with the run's final state. */
  peerSize: number | null;
}

/** @example const run = runState('querier', req.actor, { agreementId: req.agreementId, operation: req.operation }); */
export function runState(role: RunState['role'], actor: string, o: Pick<RunState, 'agreementId' | 'operation'>): RunState {
  return { role, actor, id: null, peerSize: null, ...o };
}

/** How the release phase ended: what close stores and audits. */
export interface Released<T = void> {
  transcriptHash: string;
  /** Why nothing is released; the run still finishes with the peer (an abort would tell it more). */
  withheld: MofangError | null;
  resultCount: number | null;
  attribute?: string | null;
  /** The run kind's facts for the outcome's audit entry, between `role` and `transcriptHash`. */
  details: Record<string, unknown>;
  /** The time and bytes of an aggregate run's steps (phases.ts), taken when the entry is written, last in it. */
  phases?: () => RunPhases | null;
  /** Writes the result, in the transaction that marks the run succeeded: both or neither. */
  commit?: () => T;
}

/**
 * The querier's close after a release: the responder's receipt first (its evidence of the same
 * transcript), then the result and the run row in one transaction, the audit entry, our receipt.
 * Throws the withheld reason, if any, once the partner has everything it is owed.
 */
export async function closeQuerierRun<T>(env: SessionEnv, link: Link, run: RunState, r: Released<T>): Promise<T | undefined> {
  const runId = run.id!;
  const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
  acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash: r.transcriptHash }, peerReceipt);
  const stored = env.db.transaction(() => {
    const result = r.commit?.();
    finishReleased(env, link, run, r);
    return result;
  })();
  appendOutcome(env, link, run, r);
  await link.send({ frame: 'receipt', receipt: makeReceipt(env.identity, env.audit, runId, r.transcriptHash) });
  link.end();
  await link.closed();
  if (r.withheld) throw r.withheld;
  return stored;
}

/** The responder's close after a release: run row, audit entry, then receipts both ways. */
export async function closeResponderRun(env: SessionEnv, link: Link, run: RunState, r: Released): Promise<void> {
  finishReleased(env, link, run, r);
  appendOutcome(env, link, run, r);
  await responderReceipts(link, env, run.id!, r.transcriptHash);
  link.end();
}

/**
 * The responder waits for the querier's `finish` and checks that both saw the same transcript;
 * returns the finish and the transcript hash.
 */
export async function receiveFinish(env: SessionEnv, link: Link, transcript: Transcript, checkCancelled: () => void) {
  const finish = await expectFrame(link, 'finish', env.peer.name);
  // A cancellation that arrived while we waited still wins over completing the run.
  checkCancelled();
  const transcriptHash = transcript.digest();
  requireField(finish.transcriptHash === transcriptHash, 'finish.transcriptHash', 'does not match the transcript this node saw');
  return { finish, transcriptHash };
}

function finishReleased(env: SessionEnv, link: Link, run: RunState, r: Released<unknown>): void {
  finishRun(env.db, run.id!, {
    status: r.withheld ? 'failed' : 'succeeded',
    peerSize: run.peerSize,
    resultCount: r.resultCount,
    attribute: r.attribute ?? null,
    transcriptHash: r.transcriptHash,
    errorCode: r.withheld?.code,
    errorMessage: r.withheld?.message,
    stats: link.stats,
  });
}

function appendOutcome(env: SessionEnv, link: Link, run: RunState, r: Released<unknown>): void {
  env.audit.append({
    actor: run.actor,
    action: r.withheld ? 'run.withheld' : 'run.completed',
    subject: run.id,
    details: {
      agreementId: run.agreementId,
      operation: run.operation,
      role: run.role,
      ...r.details,
      transcriptHash: r.transcriptHash,
      ...link.stats,
      ...(r.phases ? { phases: r.phases() } : {}),
    },
  });
}

/**
 * The querier's close after a failure in any phase: if its run is still running, tell the
 * responder why, wait until the abort reached it, mark the run failed and audit it. `onFailed`
 * runs between the row and the audit entry (the aggregate querier's refund). Returns the error
 * for the caller to throw.
 */
export async function failQuerierRun(
  env: SessionEnv,
  link: Link,
  run: RunState,
  err: unknown,
  onFailed?: (e: MofangError) => void,
  /** What the partner is told, where the local reason names what it must not learn. */
  toPeer: (e: MofangError) => MofangError = (e) => e,
): Promise<MofangError> {
  const e = asMofangError(err);
  if (run.id && getRun(env.db, run.id).status === 'running') {
    await sendAbort(link, toPeer(e));
    link.end();
    // Let the abort reach the peer before the caller closes the channel.
    await link.closed();
    finishRun(env.db, run.id, { status: 'failed', peerSize: run.peerSize, errorCode: e.code, errorMessage: e.message, stats: link.stats });
    onFailed?.(e);
    env.audit.append({
      actor: run.actor,
      action: e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
      subject: run.id,
      details: { agreementId: run.agreementId, operation: run.operation, role: 'querier', code: e.code, reason: e.message, ...link.stats },
      outsider: ['reason'],
    });
  }
  return e;
}

/**
 * The responder's close after a failure: the querier always hears why, and the refusal or failure
 * is audited either way — a query outside an agreement is evidence compliance wants. Never throws
 * what the peer caused.
 */
export async function failResponderRun(env: SessionEnv, link: Link, run: RunState, err: unknown): Promise<void> {
  const e = asMofangError(err);
  await sendAbort(link, e);
  link.end();
  if (run.id && getRun(env.db, run.id).status === 'running') {
    finishRun(env.db, run.id, { status: 'failed', errorCode: e.code, errorMessage: e.message, stats: link.stats });
  }
  env.audit.append({
    actor: run.actor,
    action: !run.id ? 'run.refused' : e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
    subject: run.id ?? run.agreementId ?? undefined,
    details: { agreementId: run.agreementId, operation: run.operation, role: 'responder', code: e.code, reason: e.message, ...link.stats },
    outsider: RESPONDER_OUTSIDER_FIELDS,
  });
}
