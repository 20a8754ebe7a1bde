/**
 * Queries and the runs they start. Operators run queries; compliance may read runs but not start
 * them, and admins neither (separation of duties).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { ListLimit, QueryInput, RunId, RunView } from '../schemas.js';

export const runRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  app.post<{ Body: Static<typeof QueryInput> }>(
    '/queries',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['runs'], summary: 'Run a query under an accepted agreement', body: QueryInput, response: { 201: RunView } },
    },
    async (request, reply) => reply.code(201).send(await services.runQuery(request.body, actorOf(request))),
  );

  app.get<{ Querystring: Static<typeof ListLimit> }>(
    '/runs',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags: ['runs'], summary: 'List recent runs', querystring: ListLimit, response: { 200: Type.Object({ runs: Type.Array(RunView) }) } },
    },
    async (request) => ({ runs: await services.listRuns({ limit: request.query.limit }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/runs/:id',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags: ['runs'], summary: 'Get one run', params: Type.Object({ id: RunId }), response: { 200: RunView } },
    },
    async (request) => services.getRun(request.params.id),
  );
};
