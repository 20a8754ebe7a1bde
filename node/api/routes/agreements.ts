/**
 * Agreements: the signed terms under which a peer may query. Proposing, accepting and revoking
 * are admin acts; reading is open to every role (operators pick the agreement to query under,
 * compliance reviews them).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { AcceptInput, AgreementId, AgreementStatus, AgreementView, ProposeInput, RevokeInput } from '../schemas.js';

const ById = Type.Object({ id: AgreementId });
type ById = { Params: Static<typeof ById> };

export const agreementRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['agreements'];

  app.get<{ Querystring: { status?: Static<typeof AgreementStatus> } }>(
    '/agreements',
    {
      config: { roles: ['admin', 'operator', 'compliance'] },
      schema: {
        tags,
        summary: 'List agreements',
        querystring: Type.Object({ status: Type.Optional(AgreementStatus) }, { additionalProperties: false }),
        response: { 200: Type.Object({ agreements: Type.Array(AgreementView) }) },
      },
    },
    async (request) => ({ agreements: await services.agreements.list({ status: request.query.status }) }),
  );

  app.get<ById>(
    '/agreements/:id',
    {
      config: { roles: ['admin', 'operator', 'compliance'] },
      schema: { tags, summary: 'Get one agreement', params: ById, response: { 200: AgreementView } },
    },
    async (request) => services.agreements.get(request.params.id),
  );

  app.post<{ Body: Static<typeof ProposeInput> }>(
    '/agreements',
    {
      config: { roles: ['admin'] },
      schema: { tags, summary: 'Propose an agreement to a peer', body: ProposeInput, response: { 201: AgreementView } },
    },
    async (request, reply) => reply.code(201).send(await services.agreements.propose(request.body, actorOf(request))),
  );

  app.post<ById & { Body: Static<typeof AcceptInput> }>(
    '/agreements/:id/accept',
    {
      config: { roles: ['admin'] },
      schema: { tags, summary: "Accept a peer's proposal", params: ById, body: AcceptInput, response: { 200: AgreementView } },
      // The body is optional: accepting without one (as before overridePolicy existed) means no override.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => services.agreements.accept(request.params.id, actorOf(request), { overridePolicy: request.body.overridePolicy === true }),
  );

  app.post<ById & { Body: Static<typeof RevokeInput> }>(
    '/agreements/:id/revoke',
    {
      config: { roles: ['admin'] },
      schema: { tags, summary: 'Revoke an agreement (both sides stop querying)', params: ById, body: RevokeInput, response: { 200: AgreementView } },
    },
    async (request) => services.agreements.revoke(request.params.id, request.body.reason, actorOf(request)),
  );
};
