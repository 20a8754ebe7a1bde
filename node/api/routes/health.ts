/** Liveness and identity of the node; public so load balancers and peers' operators can probe it. */
import type { FastifyPluginAsync } from 'fastify';
import type { NodeServices } from '../services.js';
import { HealthView } from '../schemas.js';

export const healthRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  app.get(
    '/health',
    { config: { public: true }, schema: { tags: ['health'], summary: 'Node health and identity', response: { 200: HealthView } } },
    async () => services.health(),
  );
};
