/** The runs table: one row per joint query on each party, from start to its final state. */
import { checkDailyQueryLimit } from '../agreements/policy.js';
import type { AgreementTerms } from '../agreements/model.js';
import { getAgreement, type StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { storedCountView, type CountView } from './count-release.js';
import { agreementsOnPair, dataPair } from '../privacy/pair.js';
import type { Db } from '../store/db.js';
import type { LinkStats } from './link.js';

/** A run as operators see it over the API and the CLI. */
export interface RunView {
  id: string;
  agreementId: string;
  operation: 'overlap' | 'enrich' | 'aggregate';
  role: 'querier' | 'responder';
  peerNodeId: string;
  status: 'running' | 'succeeded' | 'failed';
  dataset: string;
  localSize: number | null;
  peerSize: number | null;
  /** The released count, or null when this node is not an output receiver or it was withheld. */
  resultCount: number | null;
  /** Overlap runs with a released count: whether it is noisy, its noise and 95 % interval (count-release.ts). */
  count?: CountView;
  /** For enrich: the local attribute the matches were written to. */
  attribute: string | null;
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  transcriptHash: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface NewRun {
  id: string;
  jobId?: string;
  agreementId: string;
  operation: 'overlap' | 'enrich' | 'aggregate';
  role: 'querier' | 'responder';
  peerNodeId: string;
  dataset: string;
  localSize: number;
  /** The session's clock, which the rate limits count with (default: now). */
  startedAt?: Date;
  /** A responder's run: the querier's set size, known from its start. */
  peerSize?: number;
  /** A responder's run: the querier's generation digest (querier-generation.ts), and whether it is a re-import. */
  querierGeneration?: string | null;
  querierReimport?: boolean;
}

export function insertRun(db: Db, run: NewRun): void {
  try {
    db.prepare(
      `INSERT INTO runs (id, job_id, agreement_id, operation, role, peer_node_id, status, dataset, local_size, started_at, peer_size, querier_generation, querier_reimport)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
    ).run(
      run.id,
      run.jobId ?? null,
      run.agreementId,
      run.operation,
      run.role,
      run.peerNodeId,
      run.dataset,
      run.localSize,
      (run.startedAt ?? new Date()).toISOString(),
      run.peerSize ?? null,
      run.querierGeneration ?? null,
      run.querierReimport ? 1 : 0,
    );
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new MofangError('PEER_MESSAGE_INVALID', `run id ${run.id} was already used`);
    }
    throw err;
  }
}

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  peerSize?: number | null;
  resultCount?: number | null;
  attribute?: string | null;
  transcriptHash?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  stats: LinkStats;
}

/** What a finished run reports to its database's listener (metrics): no ids, no data. */
export interface FinishedRun {
  peerNodeId: string;
  operation: NewRun['operation'];
  role: NewRun['role'];
  status: RunOutcome['status'];
  bytesSent: number;
  bytesReceived: number;
  durationSeconds: number;
}

// Keyed by database, so two nodes in one process (tests) each hear only their own runs, and the
// seven places that finish runs need no extra parameter.
const finishListeners = new WeakMap<Db, (run: FinishedRun) => void>();

/** Registers the one listener told about each run finished in `db` (the node's metrics). */
export function onRunFinished(db: Db, listener: (run: FinishedRun) => void): void {
  finishListeners.set(db, listener);
}

export function finishRun(db: Db, id: string, o: RunOutcome): void {
  const finishedAt = new Date();
  db.prepare(
    `UPDATE runs SET status = ?, peer_size = coalesce(?, peer_size), result_count = ?, attribute = ?, transcript_hash = ?,
       error_code = ?, error_message = ?, messages_sent = ?, messages_received = ?, bytes_sent = ?, bytes_received = ?,
       finished_at = ? WHERE id = ?`,
  ).run(
    o.status,
    o.peerSize ?? null,
    o.resultCount ?? null,
    o.attribute ?? null,
    o.transcriptHash ?? null,
    o.errorCode ?? null,
    o.errorMessage ?? null,
    o.stats.messagesSent,
    o.stats.messagesReceived,
    o.stats.bytesSent,
    o.stats.bytesReceived,
    finishedAt.toISOString(),
    id,
  );
  const listener = finishListeners.get(db);
  const row =
    listener &&
    (db.prepare('SELECT peer_node_id, operation, role, started_at FROM runs WHERE id = ?').get(id) as
      | Pick<RunRow, 'peer_node_id' | 'operation' | 'role' | 'started_at'>
      | undefined);
  if (!listener || !row) return;
  listener({
    peerNodeId: row.peer_node_id,
    operation: row.operation,
    role: row.role,
    status: o.status,
    bytesSent: o.stats.bytesSent,
    bytesReceived: o.stats.bytesReceived,
    durationSeconds: Math.max(0, (finishedAt.getTime() - Date.parse(row.started_at)) / 1000),
  });
}

interface RunRow {
  id: string;
  agreement_id: string;
  operation: 'overlap' | 'enrich' | 'aggregate';
  role: 'querier' | 'responder';
  peer_node_id: string;
  status: RunView['status'];
  dataset: string;
  local_size: number | null;
  peer_size: number | null;
  result_count: number | null;
  attribute: string | null;
  messages_sent: number;
  messages_received: number;
  bytes_sent: number;
  bytes_received: number;
  transcript_hash: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string | null;
}

type TermsOf = (agreementId: string) => AgreementTerms | null;

/** The terms of the runs' agreements, each read once: an overlap count's noise follows from them. */
function termsReader(db: Db): TermsOf {
  const cache = new Map<string, AgreementTerms | null>();
  return (id) => {
    if (!cache.has(id)) {
      try {
        cache.set(id, getAgreement(db, id).terms);
      } catch {
        // A run refused before its agreement was known here names no stored agreement.
        cache.set(id, null);
      }
    }
    return cache.get(id)!;
  };
}

function toView(r: RunRow, termsOf: TermsOf): RunView {
  const count =
    r.operation === 'overlap' && r.result_count !== null
      ? storedCountView(r.result_count, termsOf(r.agreement_id), Math.min(r.local_size ?? Infinity, r.peer_size ?? Infinity))
      : undefined;
  return {
    id: r.id,
    agreementId: r.agreement_id,
    operation: r.operation,
    role: r.role,
    peerNodeId: r.peer_node_id,
    status: r.status,
    dataset: r.dataset,
    localSize: r.local_size,
    peerSize: r.peer_size,
    resultCount: r.result_count,
    ...(count ? { count } : {}),
    attribute: r.attribute,
    messagesSent: r.messages_sent,
    messagesReceived: r.messages_received,
    bytesSent: r.bytes_sent,
    bytesReceived: r.bytes_received,
    transcriptHash: r.transcript_hash,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function getRun(db: Db, id: string): RunView {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw new MofangError('RUN_NOT_FOUND', `no run with id ${id}`);
  return toView(row, termsReader(db));
}

export function listRuns(db: Db, limit = 100): RunView[] {
  const termsOf = termsReader(db);
  return (db.prepare('SELECT * FROM runs ORDER BY started_at DESC LIMIT ?').all(limit) as RunRow[]).map((r) => toView(r, termsOf));
}

/**
 * The rate limits a run must pass before it starts, on either side: the agreement's
 * maxQueriesPerDay counted over every agreement on its data pair (a new agreement does not reset
 * it), then the node's cap on runs with any one peer (`limits.peerQueriesPerDay`). Both count runs
 * started in the 24 hours before `now`, in either role; QUERY_LIMIT_REACHED names the limit.
 */
export function checkRunRateLimits(db: Db, agreement: StoredAgreement, limits: { peerQueriesPerDay: number }, now: Date): void {
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  const ids = agreementsOnPair(db, dataPair(agreement)).map((a) => a.id);
  const onPair = db
    .prepare(`SELECT count(*) FROM runs WHERE agreement_id IN (SELECT value FROM json_each(?)) AND started_at > ?`)
    .pluck()
    .get(JSON.stringify(ids), since) as number;
  checkDailyQueryLimit(agreement, onPair);
  const withPeer = db.prepare('SELECT count(*) FROM runs WHERE peer_node_id = ? AND started_at > ?').pluck().get(agreement.peerNodeId, since) as number;
  if (withPeer >= limits.peerQueriesPerDay) {
    throw new MofangError(
      'QUERY_LIMIT_REACHED',
      `this node allows ${limits.peerQueriesPerDay} runs per 24 hours with peer ${agreement.peerNodeId} over all agreements (limits.peerQueriesPerDay); the limit is reached`,
      { limit: limits.peerQueriesPerDay, peerNodeId: agreement.peerNodeId },
    );
  }
}

/** Asks a running run to stop at its next batch (either party's operator may). */
export function requestRunCancel(db: Db, id: string): void {
  const run = getRun(db, id);
  if (run.status !== 'running') throw new MofangError('JOB_STATE', `run ${id} has already ${run.status}`);
  db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?').run(id);
}

export function runCancelRequested(db: Db, id: string): boolean {
  return (db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').pluck().get(id) as number | undefined) === 1;
}

/**
 * The ids of each job's runs, oldest first; a job without runs is absent from the map. One scan of
 * runs for a whole page of jobs, however long the page.
 * @example runIdsOfJobs(db, ['3f…']).get('3f…') // ['run-a', 'run-b']
 */
export function runIdsOfJobs(db: Db, jobIds: readonly string[]): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  if (jobIds.length === 0) return byJob;
  const rows = db
    .prepare('SELECT job_id, id FROM runs WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY started_at')
    .raw()
    .all(JSON.stringify(jobIds)) as [string, string][];
  for (const [job, run] of rows) byJob.set(job, [...(byJob.get(job) ?? []), run]);
  return byJob;
}

/** Whether an operator asked a running run of job `jobId` to stop (`mofang runs cancel`). */
export function jobRunCancelRequested(db: Db, jobId: string): boolean {
  return db.prepare(`SELECT 1 FROM runs WHERE job_id = ? AND status = 'running' AND cancel_requested = 1`).get(jobId) !== undefined;
}

/** Asks every running run of job `jobId` to stop at its next batch. */
export function requestJobRunsCancel(db: Db, jobId: string): void {
  db.prepare(`UPDATE runs SET cancel_requested = 1 WHERE job_id = ? AND status = 'running'`).run(jobId);
}

/** Runs left `running` by a process that died: they can never finish. */
export function failInterruptedRuns(db: Db, jobId: string, reason: string): void {
  db.prepare(`UPDATE runs SET status = 'failed', error_code = 'RUN_FAILED', error_message = ?, finished_at = ? WHERE job_id = ? AND status = 'running'`).run(
    reason,
    new Date().toISOString(),
    jobId,
  );
}

/**
 * At node start: responder runs still marked running were served by a process that died (only the
 * node process serves peers), so they can never finish.
 */
export function failOrphanedResponderRuns(db: Db): number {
  return db
    .prepare(
      `UPDATE runs SET status = 'failed', error_code = 'RUN_FAILED', error_message = 'interrupted: the node restarted', finished_at = ? WHERE role = 'responder' AND status = 'running'`,
    )
    .run(new Date().toISOString()).changes;
}
