/**
 * Health. Public: liveness and readiness only, so a load balancer can probe the node without a
 * token and an outsider learns nothing about it. With a token: identity, version, uptime and
 * each partner with whether it answers now.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { NodeServices } from '../services.js';
import { HealthView, LivenessView, ReadinessView } from '../schemas.js';

export const publicHealthRoutes: FastifyPluginAsync<{ readiness: () => Record<string, boolean> }> = async (app, { readiness }) => {
  app.get(
    '/health',
    { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: LivenessView } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health/ready',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: database open and servers listening (503 when not)',
        response: { 200: ReadinessView, 503: ReadinessView },
      },
    },
    async (_request, reply) => {
      const checks = { ...readiness(), httpListening: app.server.listening };
      const ready = Object.values(checks).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );
};

export const nodeHealthRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  app.get(
    '/health',
    {
      config: { roles: ['admin', 'operator', 'compliance'] },
      schema: { tags: ['health'], summary: 'Node identity, uptime and whether each pinned peer answers now', response: { 200: HealthView } },
    },
    async () => services.health(),
  );
};
