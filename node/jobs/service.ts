/**
 * Jobs as operators use them: submit (the one place the job input rules live), wait, a query as
 * one call, get, list and cancel; and the runner that executes queued jobs.
 */
import type { AuditLog } from '../audit/log.js';
import type { Actor } from '../audit/actor.js';
import { MofangError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { getRun, type RunView } from '../session/runs.js';
import type { Db } from '../store/db.js';
import { checkAggregateJobOptions } from './aggregate-options.js';
import { jobExecutor, type JobExecutorPorts } from './execute.js';
import { JobRunner } from './runner.js';
import {
  createJob,
  getJob,
  isTerminal,
  listJobs,
  liveRunner,
  requestCancel,
  type AggregateJobOptions,
  type JobKind,
  type JobStatus,
  type JobView,
} from './store.js';

/** The most agreements (partners) one intersect job combines. */
export const MAX_JOB_AGREEMENTS = 10;

/** A joint query to queue as a job. */
export interface SubmitJobInput {
  kind: JobKind;
  /** One agreement for overlap and enrich; two or more (one per partner) for intersect. */
  agreementIds: string[];
  /** For intersect: the local attribute the combined audience is marked with. */
  attribute?: string;
  /** For aggregate and score: what to aggregate and how to group. */
  aggregate?: AggregateJobOptions;
}

export interface QueryInput {
  operation: 'overlap' | 'enrich';
  agreementId: string;
}

/** What the HTTP API and the CLI ask of jobs. */
export interface JobsApi {
  /**
   * Queues a joint query as a job and returns at once; the node's job runner executes it.
   * `origin` 'body': the input is an HTTP request body, and errors name fields as `body.…`.
   */
  submit(input: SubmitJobInput, actor: Actor, origin?: 'body'): JobView;
  /** Waits for a job to end, reporting each state it sees. */
  wait(id: string, onUpdate?: (job: JobView) => void): Promise<JobView>;
  /** Queues a query and waits for its job to end; long queries should use `submit`. */
  runQuery(input: QueryInput, actor: Actor): Promise<RunView>;
  get(id: string): JobView;
  list(filter: { status?: JobStatus; limit?: number }): JobView[];
  /** A queued job is cancelled at once, a running one at its next batch (`cancelRequested`). */
  cancel(id: string, reason: string, actor: Actor): JobView;
}

/**
 * The rules that depend on `kind`, beyond the shape (which the HTTP schema or the CLI's options
 * check): how many agreements, which options go with which kind. Throws REQUEST_INVALID naming
 * the field.
 *
 * @example checkJobInput({ kind: 'intersect', agreementIds: [a, b], attribute: 'audience:q3' })
 */
export function checkJobInput(input: SubmitJobInput, origin?: 'body'): void {
  const prefix = origin ? `${origin}.` : '';
  const where = origin ? { in: origin } : {};
  const n = input.agreementIds.length;
  if (input.kind === 'intersect' && n < 2) {
    throw new MofangError('REQUEST_INVALID', `${prefix}agreementIds: intersect takes 2 to ${MAX_JOB_AGREEMENTS} agreements, one per partner; got ${n}`, {
      ...where,
      field: 'agreementIds',
      min: 2,
      max: MAX_JOB_AGREEMENTS,
    });
  }
  if (input.kind !== 'intersect' && n !== 1) {
    throw new MofangError('REQUEST_INVALID', `${prefix}agreementIds: ${input.kind} takes exactly one agreement; got ${n}`, {
      ...where,
      field: 'agreementIds',
      min: 1,
      max: 1,
    });
  }
  checkAggregateJobOptions(input.kind, input.aggregate, prefix);
  if (input.kind !== 'intersect' && input.attribute !== undefined) {
    const why = input.kind === 'enrich' ? "enrich writes the agreement's enrichAttribute" : `${input.kind} writes no attribute`;
    throw new MofangError('REQUEST_INVALID', `${prefix}attribute: only intersect jobs take an attribute; ${why}`, { ...where, field: 'attribute' });
  }
}

export interface JobPorts {
  db: Db;
  audit: AuditLog;
  logger: Logger;
  /** What executing a job needs (peers, sessions, agreements, segments, joint attributes). */
  executor: JobExecutorPorts;
  /** The node's `jobs` configuration. */
  config: { maxAttempts: number; retryDelayMs: number; leaseMs: number };
}

export interface JobService extends JobsApi {
  /** Runs queued jobs; `mofang start` starts it, and `wait` uses it when no node process runs. */
  runner(): JobRunner;
}

/**
 * @example
 * const jobs = jobService({ db, audit, logger, executor, config: config.jobs });
 * const job = await jobs.wait(jobs.submit({ kind: 'overlap', agreementIds: [id] }, actor).id);
 */
export function jobService(ports: JobPorts): JobService {
  const { db, audit } = ports;
  let runner: JobRunner | null = null;
  const jobRunner = (): JobRunner => {
    runner ??= new JobRunner({
      db,
      audit,
      logger: ports.logger,
      execute: jobExecutor(ports.executor),
      maxAttempts: ports.config.maxAttempts,
      retryDelayMs: ports.config.retryDelayMs,
      leaseMs: ports.config.leaseMs,
    });
    return runner;
  };

  const submit = (input: SubmitJobInput, actor: Actor, origin?: 'body'): JobView => {
    checkJobInput(input, origin);
    for (const id of input.agreementIds) ports.executor.agreement(id);
    const options = { ...(input.attribute ? { attribute: input.attribute } : {}), ...(input.aggregate ? { aggregate: input.aggregate } : {}) };
    const job = createJob(db, { kind: input.kind, agreementIds: input.agreementIds, options, createdBy: actor.id });
    audit.append({ actor: actor.id, action: 'job.queued', subject: job.id, details: { kind: job.kind, agreementIds: job.agreementIds } });
    return job;
  };

  /**
   * If no node process is running jobs, this process runs the job itself, so the CLI works with
   * or without `mofang start`.
   */
  const wait = async (id: string, onUpdate?: (job: JobView) => void): Promise<JobView> => {
    for (;;) {
      const job = getJob(db, id);
      onUpdate?.(job);
      if (isTerminal(job.status)) return job;
      if (job.status === 'queued' && !liveRunner(db, 3_000)) {
        await jobRunner().runNext(id);
        continue;
      }
      // A read of one row; the CLI's query time includes the wait for it.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    submit,
    wait,
    /** A query as one call: queue the job, wait for it, and return its last run (or its error). */
    async runQuery(input, actor) {
      const job = await wait(submit({ kind: input.operation, agreementIds: [input.agreementId] }, actor).id);
      if (job.status !== 'succeeded') {
        if (job.runIds.length > 0 && job.error?.code === 'RESULT_BELOW_MINIMUM') throw new MofangError('RESULT_BELOW_MINIMUM', job.error.message);
        throw new MofangError((job.error?.code ?? 'RUN_FAILED') as ErrorCode, job.error?.message ?? `job ${job.id} ${job.status}`, { jobId: job.id });
      }
      return getRun(db, job.runIds[job.runIds.length - 1]);
    },
    get: (id) => getJob(db, id),
    list: (filter) => listJobs(db, filter),
    cancel(id, reason, actor) {
      const job = requestCancel(db, id, reason);
      audit.append({ actor: actor.id, action: 'job.cancel_requested', subject: id, details: { reason } });
      return job;
    },
    runner: jobRunner,
  };
}
