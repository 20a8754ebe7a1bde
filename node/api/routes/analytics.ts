/**
 * The analysis models over the events: one route per model (`POST /v1/analytics/event`, …), each
 * with the model's own parameter and result schemas, so the OpenAPI document describes every
 * model and the response contract holds per model. Reading is not audited.
 */
import { Type } from '@sinclair/typebox';
import type { AnyModel } from '../../analytics/model.js';
import type { FastifyPluginAsync } from 'fastify';
import { MODELS } from '../../analytics/models.js';
import { analyticsModel } from '../../analytics/service.js';
import { actorOf } from '../auth.js';
import type { NodeServices, Role } from '../services.js';

const roles: Role[] = ['operator', 'compliance'];

/** What a model's route answers: the run, with the model's own parameter and result schemas. */
export function analyticsRunSchema(model: AnyModel) {
  return Type.Object({
    model: Type.String(),
    params: model.params,
    tookMs: Type.Number(),
    result: model.result,
    scalars: Type.Record(Type.String(), Type.Number(), { description: 'Named numbers of the result, for metrics and alerts.' }),
  });
}

export const analyticsRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['analytics'];

  for (const model of MODELS.values()) {
    app.post(
      `/analytics/${model.name}`,
      {
        config: { roles },
        schema: {
          tags,
          summary: model.summary,
          description: 'See docs/analytics.md for the exact semantics and an example.',
          body: model.params,
          response: { 200: analyticsRunSchema(model) },
        },
      },
      async (request) => services.analytics.run(model.name, request.body, actorOf(request)),
    );
  }

  // Any other name: a named error listing the models, rather than a bare 404.
  app.post<{ Params: { model: string } }>(
    '/analytics/:model',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'An unknown model (ANALYTICS_MODEL_UNKNOWN)',
        params: Type.Object({ model: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      analyticsModel(request.params.model);
      return {};
    },
  );
};
