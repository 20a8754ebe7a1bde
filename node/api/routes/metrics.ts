/**
 * Prometheus metrics (text exposition format). Behind a token like the rest of the API: series
 * name peers and show activity, which is not for anyone on the network. Any role may scrape; give
 * the scraper its own token (e.g. `--id prometheus --role compliance`) so it can be revoked alone.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../metrics/metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      config: { roles: ['admin', 'operator', 'compliance'] },
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics of this node',
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    },
  );
};
