/**
 * Jobs: joint queries queued for the node's job runner, with progress to poll. Operators submit
 * and cancel them; compliance may follow them but not start or stop them, and admins neither
 * (separation of duties, as for runs).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { MAX_JOB_AGREEMENTS } from '../../jobs/service.js';
import { CancelJobInput, JobId, JobListQuery, JobView, SubmitJobInput } from '../schemas.js';

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
      const job = services.jobs.submit(request.body, actorOf(request), 'body');
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
    async (request) => ({ jobs: services.jobs.list({ status: request.query.status, limit: request.query.limit }) }),
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
    async (request) => services.jobs.get(request.params.id),
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
    async (request) => services.jobs.cancel(request.params.id, request.body.reason, actorOf(request)),
  );
};
