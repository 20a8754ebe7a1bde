/**
 * Who the caller is, for a client deciding what to offer (the web console's navigation): the
 * token's role, unit scope and name, and the node it talks to. The server still checks the role
 * on every call; this only saves a client from offering what would be refused.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { Nullable } from './journeys.js';

/** The node's own name and id (the certificate fingerprint). */
export interface NodeIdentity {
  nodeId: string;
  name: string;
}

const SessionView = Type.Object({
  actor: Type.String({ description: 'How the audit log names the caller, e.g. token:ops-1.' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('compliance'), Type.Literal('ingest')]),
  unit: Nullable(Type.String({ description: 'The organisation unit the token is bound to; null: the whole organisation.' })),
  node: Type.Object({ nodeId: Type.String(), name: Type.String(), version: Type.String() }),
});

export const sessionRoutes: FastifyPluginAsync<{ services: NodeServices; identity?: NodeIdentity; version: string }> = async (
  app,
  { services, identity, version },
) => {
  app.get(
    '/session',
    {
      config: { roles: ['admin', 'operator', 'compliance', 'ingest'] },
      schema: { tags: ['session'], summary: "The caller's role, unit scope and the node's identity", response: { 200: SessionView } },
    },
    async (request) => {
      const actor = actorOf(request);
      // Without the identity handed in (tests of the app alone), health knows it, at the cost of a peer probe.
      const { nodeId, name } = identity ?? (await services.health());
      return { actor: actor.id, role: actor.role, unit: actor.unit ?? null, node: { nodeId, name, version } };
    },
  );
};
