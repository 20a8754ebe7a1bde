/**
 * Queries and the runs they start. Operators run queries and may stop runs; compliance may read
 * runs but not start or stop them, and admins neither (separation of duties).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { MofangError } from '../../errors.js';
import { actorOf } from '../auth.js';
import type { NodeServices, QueryInput } from '../services.js';
import { ListLimit, QueryRequest, RunId, RunView } from '../schemas.js';

/** RFC 9745 Deprecation header (a structured-field date): when operation/agreementId were deprecated. */
const DEPRECATED_QUERY_NAMES = '@1796515200'; // 2026-12-06

export const runRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  app.post<{ Body: Static<typeof QueryRequest> }>(
    '/queries',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['runs'],
        summary: 'Run a query under an accepted agreement, and wait for it',
        description:
          'Synchronous convenience: queues the query as a job and holds the connection until the job ends, then returns its run. ' +
          'For long queries use POST /v1/jobs and poll GET /v1/jobs/:id instead: a proxy or client timeout here does not cancel the job. ' +
          'The body names the query as POST /v1/jobs does, { kind, agreementIds: [id] }; operation and agreementId are deprecated aliases ' +
          '(answered with a Deprecation header).',
        body: QueryRequest,
        response: { 201: RunView },
      },
    },
    async (request, reply) => {
      const { input, deprecated } = resolveQueryRequest(request.body);
      if (deprecated) reply.header('deprecation', DEPRECATED_QUERY_NAMES);
      return reply.code(201).send(await services.jobs.runQuery(input, actorOf(request)));
    },
  );

  app.get<{ Querystring: Static<typeof ListLimit> }>(
    '/runs',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags: ['runs'], summary: 'List recent runs', querystring: ListLimit, response: { 200: Type.Object({ runs: Type.Array(RunView) }) } },
    },
    async (request) => ({ runs: await services.runs.list({ limit: request.query.limit }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/runs/:id',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags: ['runs'], summary: 'Get one run', params: Type.Object({ id: RunId }), response: { 200: RunView } },
    },
    async (request) => services.runs.get(request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/runs/:id/cancel',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['runs'],
        summary: 'Stop a run this node serves for a peer',
        description:
          'For the responder side: the run stops at its next batch with JOB_CANCELLED and the querying peer is sent an abort. ' +
          "On the querying node, cancel the run's job instead (POST /v1/jobs/:id/cancel). A run that has already ended is refused with JOB_STATE.",
        params: Type.Object({ id: RunId }),
        response: { 200: RunView },
      },
    },
    async (request) => services.runs.cancel(request.params.id, actorOf(request)),
  );
};

/** One name per field: the current one or its deprecated alias, never both, never neither. */
function resolveQueryRequest(body: Static<typeof QueryRequest>): { input: QueryInput; deprecated: boolean } {
  const pick = <T>(field: string, current: T | undefined, alias: string, old: T | undefined): T => {
    if (current !== undefined && old !== undefined) {
      throw new MofangError('REQUEST_INVALID', `body.${field}: give ${field} or its deprecated alias ${alias}, not both`, { in: 'body', field });
    }
    const value = current ?? old;
    if (value === undefined) throw new MofangError('REQUEST_INVALID', `body.${field}: is required`, { in: 'body', field });
    return value;
  };
  const operation = pick('kind', body.kind, 'operation', body.operation);
  const agreementId = pick('agreementIds', body.agreementIds?.[0], 'agreementId', body.agreementId);
  return { input: { operation, agreementId }, deprecated: body.operation !== undefined || body.agreementId !== undefined };
}
