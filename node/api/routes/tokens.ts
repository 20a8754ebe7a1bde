/**
 * API token administration, for admins only: list (no hashes), create (the token is in the reply
 * once), revoke. Changes are audited as the calling admin token.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { TokenAdmin } from '../token-admin.js';

const Iso = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const TokenName = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'The token name, e.g. ops-1.' });
const TokenView = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('compliance'), Type.Literal('ingest'), Type.Literal('app')]),
  unit: Type.Union([Type.String(), Type.Null()]),
  createdAt: Iso,
  expiresAt: Iso,
  revokedAt: Iso,
  lastUsedAt: { ...Iso, description: 'Recorded at most once a minute per node; a use in the last minute may not show yet.' },
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
const CreateBody = Type.Object(
  {
    id: TokenName,
    role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('compliance'), Type.Literal('ingest'), Type.Literal('app')]),
    unit: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,23}$' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'After this the token is refused (401).' })),
  },
  { additionalProperties: false },
);

export const tokenRoutes: FastifyPluginAsync<{ tokens: TokenAdmin }> = async (app, { tokens }) => {
  const tags = ['tokens'];
  const roles = ['admin'] as const;

  app.get(
    '/tokens',
    { config: { roles }, schema: { tags, summary: 'List API tokens (never their hashes)', response: { 200: Type.Object({ tokens: Type.Array(TokenView) }) } } },
    async () => ({ tokens: tokens.list() }),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/tokens',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'Create a token; the reply is the only place it appears in clear',
        body: CreateBody,
        response: { 201: Type.Object({ token: Type.String(), info: TokenView }) },
      },
    },
    async (request, reply) => {
      const r = tokens.create(request.body, actorOf(request));
      return reply.code(201).send({ token: r.token, info: r.view });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'Revoke a token (its holder gets 401 "revoked" from then on)',
        params: Type.Object({ id: TokenName }),
        response: { 200: TokenView },
      },
    },
    async (request) => tokens.revoke(request.params.id, actorOf(request)),
  );
};
