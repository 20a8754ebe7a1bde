/**
 * Runs jobs from the jobs table, one at a time, under a lease. A node runs one runner; a CLI
 * process runs one for its own job when no node is running. A job whose runner died (its lease
 * expired) is claimed again and restarted from a fresh run: protocol runs are not resumed
 * half-way, so a result is never partial. Peer outages are retried with backoff, up to
 * `maxAttempts`; refusals and cancellations are final.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.js';
import { asMofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { failInterruptedRuns, jobRunCancelRequested } from '../session/runs.js';
import { ProgressMeter } from './meter.js';
import { beatRunner, claimJob, finishJob, getJob, recordProgress, removeRunner, renewLease, requeueJob, type JobResult, type JobView } from './store.js';

/** What a job needs while it runs. */
export interface JobContext {
  progress(phase: string, done: number, total: number): void;
  /** Non-null once cancellation was requested: the reason. */
  cancelled(): string | null;
}

export type JobExecutor = (job: JobView, ctx: JobContext) => Promise<JobResult>;

export interface RunnerOptions {
  db: Db;
  audit: AuditLog;
  logger: Logger;
  execute: JobExecutor;
  maxAttempts: number;
  retryDelayMs: number;
  leaseMs?: number;
  pollMs?: number;
}

/** How often a running runner says it is alive (see `liveRunner`). */
const BEAT_MS = 1_000;

/** Failures worth another attempt: the peer may come back. */
const RETRYABLE = new Set(['PEER_UNREACHABLE']);

export class JobRunner {
  readonly owner = `runner:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private readonly leaseMs: number;

  constructor(private readonly o: RunnerOptions) {
    this.leaseMs = o.leaseMs ?? 15_000;
  }

  /**
   * Polls for jobs until stopped. A CLI query waits for the poll that picks its job up, so the
   * interval is short (an empty claim transaction when nothing is queued); the heartbeat, a
   * write, stays at one a second — `liveRunner` allows three.
   */
  start(): void {
    beatRunner(this.o.db, this.owner);
    let lastBeat = Date.now();
    this.timer = setInterval(() => {
      if (Date.now() - lastBeat >= BEAT_MS) {
        beatRunner(this.o.db, this.owner);
        lastBeat = Date.now();
      }
      if (!this.busy)
        this.busy = this.runNext()
          .then(
            () => undefined,
            (err) => this.o.logger.error({ err }, 'job runner failed'),
          )
          .finally(() => (this.busy = null));
    }, this.o.pollMs ?? 100);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
    removeRunner(this.o.db, this.owner);
  }

  /** Claims and runs one due job (or only the job `id`); false when there was none. */
  async runNext(id?: string): Promise<boolean> {
    const job = claimJob(this.o.db, this.owner, this.leaseMs, id);
    if (!job) return false;
    await this.run(job);
    return true;
  }

  /** Runs a job this runner has claimed, to a final or re-queued state. */
  private async run(job: JobView): Promise<void> {
    const { db, audit } = this.o;
    // Runs of an earlier attempt still marked running belong to a process that died.
    if (job.attempt > 1) failInterruptedRuns(db, job.id, 'interrupted: its job was restarted');
    audit.append({
      actor: this.owner,
      action: 'job.started',
      subject: job.id,
      details: { kind: job.kind, attempt: job.attempt, agreementIds: job.agreementIds },
    });
    let lost = false;
    const lease = setInterval(() => {
      if (!renewLease(db, job.id, this.owner, this.leaseMs)) lost = true;
    }, this.leaseMs / 3);
    const meter = new ProgressMeter((p) => recordProgress(db, job.id, p));
    const ctx: JobContext = {
      progress: (phase, done, total) => meter.report(phase, done, total),
      cancelled: () => {
        if (lost) return 'another runner took the job over';
        const current = db.prepare('SELECT cancel_requested, cancel_reason FROM jobs WHERE id = ?').get(job.id) as {
          cancel_requested: number;
          cancel_reason: string | null;
        };
        if (current.cancel_requested) return current.cancel_reason ?? 'cancelled';
        // `mofang runs cancel` on this node targets the run rather than the job.
        return jobRunCancelRequested(db, job.id) ? 'the run was cancelled on this node' : null;
      },
    };
    try {
      const result = await this.o.execute(job, ctx);
      finishJob(db, job.id, { status: 'succeeded', result });
      audit.append({ actor: this.owner, action: 'job.succeeded', subject: job.id, details: { kind: job.kind, attempt: job.attempt, ...result } });
    } catch (err) {
      const e = asMofangError(err);
      if (e.code === 'JOB_CANCELLED') {
        finishJob(db, job.id, { status: 'cancelled', code: e.code, message: e.message });
        audit.append({ actor: this.owner, action: 'job.cancelled', subject: job.id, details: { reason: e.message } });
      } else if (RETRYABLE.has(e.code) && job.attempt < this.o.maxAttempts) {
        const delay = this.o.retryDelayMs * 2 ** (job.attempt - 1);
        requeueJob(db, job.id, e.code, `${e.message} (attempt ${job.attempt} of ${this.o.maxAttempts}; retrying in ${Math.round(delay / 1000)} s)`, delay);
        audit.append({
          actor: this.owner,
          action: 'job.retrying',
          subject: job.id,
          details: { code: e.code, reason: e.message, attempt: job.attempt, delayMs: delay },
        });
      } else {
        const message = RETRYABLE.has(e.code) ? `${e.message} (gave up after ${job.attempt} attempts)` : e.message;
        finishJob(db, job.id, { status: 'failed', code: e.code, message });
        audit.append({ actor: this.owner, action: 'job.failed', subject: job.id, details: { code: e.code, reason: message, attempt: job.attempt } });
      }
    } finally {
      clearInterval(lease);
    }
    this.o.logger.info({ jobId: job.id, status: getJob(db, job.id).status }, 'job finished');
  }
}
