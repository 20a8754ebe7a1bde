/**
 * Jobs: joint queries queued for the node's job runner, with progress to poll. Operators submit
 * and cancel them; compliance may follow them but not start or stop them, and admins neither
 * (separation of duties, as for runs).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { MofangError } from '../../errors.js';
import { actorOf } from '../auth.js';
import { checkAggregateJobOptions } from '../../jobs/aggregate-options.js';
import type { NodeServices } from '../services.js';
import { CancelJobInput, JobId, JobListQuery, JobView, MAX_JOB_AGREEMENTS, SubmitJobInput } from '../schemas.js';

const ById = Type.Object({ id: JobId });
type ById = { Params: Static<typeof ById> };

export const jobRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['jobs'];

  app.post<{ Body: Static<typeof SubmitJobInput> }>(
    '/jobs',
    {
      config: { roles: ['operator'] },
      schema: {
        tags,
        summary: 'Queue a joint query as a job',
        description:
          "Returns at once with the queued job; the node's job runner executes it. Poll GET /v1/jobs/:id (the Location header) for its progress and result. " +
          `overlap and enrich take exactly one agreement; intersect takes 2 to ${MAX_JOB_AGREEMENTS}, one per partner, and an optional attribute.`,
        body: SubmitJobInput,
        response: { 202: JobView },
      },
    },
    async (request, reply) => {
      checkKindRules(request.body);
      const job = services.submitJob(request.body, actorOf(request));
      return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  app.get<{ Querystring: Static<typeof JobListQuery> }>(
    '/jobs',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: {
        tags,
        summary: 'List jobs, newest first',
        querystring: JobListQuery,
        response: { 200: Type.Object({ jobs: Type.Array(JobView) }) },
      },
    },
    async (request) => ({ jobs: services.listJobs({ status: request.query.status, limit: request.query.limit }) }),
  );

  app.get<ById>(
    '/jobs/:id',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: {
        tags,
        summary: 'Get one job: state, progress, result or error',
        description: 'Poll until status is succeeded, failed or cancelled; progress.done/total, rate and etaSeconds describe the current phase.',
        params: ById,
        response: { 200: JobView },
      },
    },
    async (request) => services.getJob(request.params.id),
  );

  app.post<ById & { Body: Static<typeof CancelJobInput> }>(
    '/jobs/:id/cancel',
    {
      config: { roles: ['operator'] },
      schema: {
        tags,
        summary: 'Cancel a job',
        description:
          'A queued job is cancelled at once; a running one stops at its next batch (cancelRequested is true until it does). ' +
          'A job that has already ended is refused with JOB_STATE.',
        params: ById,
        body: CancelJobInput,
        response: { 200: JobView },
      },
    },
    async (request) => services.cancelJob(request.params.id, request.body.reason, actorOf(request)),
  );
};

/** The rules that depend on `kind`; the schema has already checked the shape and the 1..10 bound. */
function checkKindRules(body: Static<typeof SubmitJobInput>): void {
  const n = body.agreementIds.length;
  if (body.kind === 'intersect' && n < 2) {
    throw new MofangError('REQUEST_INVALID', `body.agreementIds: intersect takes 2 to ${MAX_JOB_AGREEMENTS} agreements, one per partner; got ${n}`, {
      in: 'body',
      field: 'agreementIds',
      min: 2,
      max: MAX_JOB_AGREEMENTS,
    });
  }
  if (body.kind !== 'intersect' && n !== 1) {
    throw new MofangError('REQUEST_INVALID', `body.agreementIds: ${body.kind} takes exactly one agreement; got ${n}`, {
      in: 'body',
      field: 'agreementIds',
      min: 1,
      max: 1,
    });
  }
  checkAggregateJobOptions(body.kind, body.aggregate, 'body.');
  if (body.kind !== 'intersect' && body.attribute !== undefined) {
    const why = body.kind === 'enrich' ? "enrich writes the agreement's enrichAttribute" : `${body.kind} writes no attribute`;
    throw new MofangError('REQUEST_INVALID', `body.attribute: only intersect jobs take an attribute; ${why}`, { in: 'body', field: 'attribute' });
  }
}
