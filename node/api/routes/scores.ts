/**
 * Joint segment scores (what aggregate and score jobs released) and the privacy budget behind
 * them. Operators start those jobs through POST /v1/jobs; operators and compliance read results
 * and budgets here. Every number carries its noise scale and 95 % interval.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { NodeServices } from '../services.js';
import { AgreementId, BudgetView, RunId, ScoreSet, ScoreSetQuery } from '../schemas.js';

export const scoreRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['scores'];

  app.get<{ Querystring: Static<typeof ScoreSetQuery> }>(
    '/scores',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: {
        tags,
        summary: 'List released joint segment scores, newest first',
        querystring: ScoreSetQuery,
        response: { 200: Type.Object({ scores: Type.Array(ScoreSet) }) },
      },
    },
    async (request) => ({ scores: services.scores.list({ agreementId: request.query.agreementId, limit: request.query.limit }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/scores/:id',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags, summary: "One run's joint segment scores, with provenance", params: Type.Object({ id: RunId }), response: { 200: ScoreSet } },
    },
    async (request) => services.scores.get(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/agreements/:id/budget',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: {
        tags,
        summary: "The agreement's privacy budget in the current period",
        params: Type.Object({ id: AgreementId }),
        response: { 200: BudgetView },
      },
    },
    async (request) => services.privacy.budget(request.params.id),
  );
};
