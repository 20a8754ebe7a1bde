/** The jobs table: create, claim with a lease, report progress, finish, cancel. */
import { randomUUID } from 'node:crypto';
import { MofangError } from '../errors.js';
import type { CountView } from '../session/count-release.js';
import { requestJobRunsCancel, runIdsOfJobs } from '../session/runs.js';
import type { Db } from '../store/db.js';

export type JobKind = 'overlap' | 'enrich' | 'intersect' | 'aggregate' | 'score';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobResult {
  /** The released count, or null where this node receives no count. */
  count: number | null;
  /** Overlap: how the count was released (noisy with its interval, or exact). */
  release?: CountView;
  /** For enrich and intersect: the local attribute the matched records were marked with. */
  attribute: string | null;
  /** For aggregate and score: the run id of the joint segment scores it released (GET /v1/scores/:id). */
  scores?: string;
}

/** What an aggregate or score job asks for (checked against the agreement when it runs). */
export interface AggregateJobOptions {
  /** Agreed aggregate columns of the partner. */
  columns: string[];
  /** Also the agreed histograms of those columns. */
  histogram?: boolean;
  /** Group the querier's records by this categorical attribute of its dataset. */
  groupBy?: string;
  /** Or by these named segments (insight store). */
  segments?: string[];
  /** Score jobs: the ranking formula (score-formula.ts). */
  score?: string;
}

export interface JobView {
  id: string;
  kind: JobKind;
  agreementIds: string[];
  options: { attribute?: string; aggregate?: AggregateJobOptions };
  status: JobStatus;
  attempt: number;
  phase: string | null;
  progress: { done: number; total: number; rate: number | null; etaSeconds: number | null };
  result: JobResult | null;
  runIds: string[];
  error: { code: string; message: string } | null;
  cancelRequested: boolean;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
}

interface JobRow {
  id: string;
  kind: JobKind;
  agreement_ids: string;
  options: string;
  status: JobStatus;
  attempt: number;
  phase: string | null;
  done: number;
  total: number;
  rate: number | null;
  eta_seconds: number | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  cancel_requested: number;
  created_by: string;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
}

const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled'];
const iso = (t = Date.now()) => new Date(t).toISOString();

/** Jobs as operators see them, each with its runs (oldest first) as session/ records them. */
function toViews(db: Db, rows: readonly JobRow[]): JobView[] {
  const runIds = runIdsOfJobs(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toView(r, runIds.get(r.id) ?? []));
}

function toView(r: JobRow, runIds: string[]): JobView {
  return {
    id: r.id,
    kind: r.kind,
    agreementIds: JSON.parse(r.agreement_ids),
    options: JSON.parse(r.options),
    status: r.status,
    attempt: r.attempt,
    phase: r.phase,
    progress: { done: r.done, total: r.total, rate: r.rate, etaSeconds: r.eta_seconds },
    result: r.result ? JSON.parse(r.result) : null,
    runIds,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    cancelRequested: r.cancel_requested === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

export function createJob(db: Db, job: { kind: JobKind; agreementIds: string[]; options?: JobView['options']; createdBy: string }): JobView {
  const id = randomUUID();
  const now = iso();
  db.prepare(`INSERT INTO jobs (id, kind, agreement_ids, options, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`).run(
    id,
    job.kind,
    JSON.stringify(job.agreementIds),
    JSON.stringify(job.options ?? {}),
    job.createdBy,
    now,
    now,
  );
  return getJob(db, id);
}

export function getJob(db: Db, id: string): JobView {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) throw new MofangError('JOB_NOT_FOUND', `no job with id ${id}`);
  return toViews(db, [row])[0];
}

export function listJobs(db: Db, filter: { status?: JobStatus; limit?: number } = {}): JobView[] {
  const rows = filter.status
    ? db.prepare('SELECT * FROM jobs WHERE status = ? ORDER BY created_at DESC LIMIT ?').all(filter.status, filter.limit ?? 50)
    : db.prepare('SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?').all(filter.limit ?? 50);
  return toViews(db, rows as JobRow[]);
}

/**
 * Claims the oldest job that is queued (and due), or running under an expired lease — its owner
 * died, so the job is resumed by restarting its run. Atomic across processes.
 */
export function claimJob(db: Db, owner: string, leaseMs: number, only?: string, now = Date.now()): JobView | null {
  return db
    .transaction(() => {
      const row = db
        .prepare(
          `SELECT id FROM jobs WHERE ((status = 'queued' AND (not_before IS NULL OR not_before <= ?))
          OR (status = 'running' AND lease_until < ?)) AND (? IS NULL OR id = ?) ORDER BY created_at LIMIT 1`,
        )
        .get(iso(now), iso(now), only ?? null, only ?? null) as { id: string } | undefined;
      if (!row) return null;
      db.prepare(
        `UPDATE jobs SET status = 'running', attempt = attempt + 1, lease_owner = ?, lease_until = ?, started_at = coalesce(started_at, ?),
         updated_at = ?, error_code = NULL, error_message = NULL WHERE id = ?`,
      ).run(owner, iso(now + leaseMs), iso(now), iso(now), row.id);
      return getJob(db, row.id);
    })
    .immediate();
}

/** Extends the lease; false when another runner has taken the job over (we must stop). */
export function renewLease(db: Db, id: string, owner: string, leaseMs: number): boolean {
  const r = db.prepare(`UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`).run(iso(Date.now() + leaseMs), id, owner);
  return r.changes === 1;
}

export function recordProgress(db: Db, id: string, p: { phase: string; done: number; total: number; rate: number | null; etaSeconds: number | null }): void {
  db.prepare('UPDATE jobs SET phase = ?, done = ?, total = ?, rate = ?, eta_seconds = ?, updated_at = ? WHERE id = ?').run(
    p.phase,
    p.done,
    p.total,
    p.rate,
    p.etaSeconds,
    iso(),
    id,
  );
}

export function finishJob(
  db: Db,
  id: string,
  outcome: { status: 'succeeded'; result: JobResult } | { status: 'failed' | 'cancelled'; code: string; message: string },
): void {
  const now = iso();
  if (outcome.status === 'succeeded') {
    db.prepare(
      `UPDATE jobs SET status = 'succeeded', result = ?, lease_owner = NULL, lease_until = NULL, eta_seconds = 0, updated_at = ?, finished_at = ? WHERE id = ?`,
    ).run(JSON.stringify(outcome.result), now, now, id);
  } else {
    db.prepare(
      `UPDATE jobs SET status = ?, error_code = ?, error_message = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?`,
    ).run(outcome.status, outcome.code, outcome.message, now, now, id);
  }
}

/** Puts a job back in the queue after a retryable failure, not before `delayMs`. */
export function requeueJob(db: Db, id: string, code: string, message: string, delayMs: number): void {
  db.prepare(
    `UPDATE jobs SET status = 'queued', error_code = ?, error_message = ?, lease_owner = NULL, lease_until = NULL, not_before = ?, updated_at = ? WHERE id = ?`,
  ).run(code, message, iso(Date.now() + delayMs), iso(), id);
}

/** A queued job is cancelled at once; a running one at its next batch. */
export function requestCancel(db: Db, id: string, reason: string): JobView {
  return db
    .transaction(() => {
      const job = getJob(db, id);
      if (TERMINAL.includes(job.status))
        throw new MofangError('JOB_STATE', `job ${id} has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}`);
      if (job.status === 'queued') {
        finishJob(db, id, { status: 'cancelled', code: 'JOB_CANCELLED', message: reason });
      } else {
        db.prepare('UPDATE jobs SET cancel_requested = 1, cancel_reason = ?, updated_at = ? WHERE id = ?').run(reason, iso(), id);
        requestJobRunsCancel(db, id);
      }
      return getJob(db, id);
    })
    .immediate();
}

/** How many jobs there are of each kind and status (for metrics). */
export function jobCounts(db: Db): { kind: JobKind; status: JobStatus; count: number }[] {
  return db.prepare('SELECT kind, status, count(*) AS count FROM jobs GROUP BY kind, status').all() as { kind: JobKind; status: JobStatus; count: number }[];
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status);
}

/** Runners announce themselves so a CLI can tell whether a node will pick its job up. */
export function beatRunner(db: Db, owner: string): void {
  db.prepare('INSERT INTO runners (owner, pid, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at').run(
    owner,
    process.pid,
    iso(),
  );
}

export function removeRunner(db: Db, owner: string): void {
  db.prepare('DELETE FROM runners WHERE owner = ?').run(owner);
}

export function liveRunner(db: Db, withinMs: number): boolean {
  return db.prepare('SELECT 1 FROM runners WHERE heartbeat_at > ? LIMIT 1').get(iso(Date.now() - withinMs)) !== undefined;
}
