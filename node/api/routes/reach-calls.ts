/**
 * Outbound-call lists over HTTP, for the call centre (operators): the lists and their counts, a
 * list's calls, claiming calls for an agent, recording outcomes, and the CSV export (audited with
 * its row count: customer ids and phone numbers leave the node in it).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CALL_OUTCOMES } from '../../reach/calls/outcomes.js';
import type { LocalChannelsApi } from '../../reach/local-channels.js';
import { PAGE, STAFF_ID } from '../../reach/local-delivery.js';
import { actorOf } from '../auth.js';

const OPERATOR = { roles: ['operator'] as const };

const ListName = Type.String({ minLength: 1, maxLength: 100, description: 'j<journey>.n<node>, or the list the reach node names.' });
const Status = Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('done')]);
const Agent = Type.String({ pattern: STAFF_ID.source, description: "The call-centre agent's id (no e-mail addresses)." });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object(
  {
    list: ListName,
    status: Type.Optional(Status),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE.max, description: `Default ${PAGE.default}.` })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: "The previous page's nextAfter." })),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object({ list: ListName, status: Type.Optional(Status) }, { additionalProperties: false });
const ClaimBody = Type.Object(
  { list: ListName, agent: Agent, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE.max, description: 'Default 10.' })) },
  { additionalProperties: false },
);
const OutcomeBody = Type.Object(
  {
    agent: Agent,
    outcome: Type.String({ minLength: 1, maxLength: 32, description: `One of: ${CALL_OUTCOMES.join(', ')}.` }),
    value: Type.Optional(Type.Number({ minimum: 0, description: "The deal's value, in the reports' currency." })),
  },
  { additionalProperties: false },
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Call = Type.Object({
  id: Type.Integer(),
  list: Type.String(),
  customer: Type.Object({ dataset: Type.String(), customerId: Type.String() }),
  phone: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  script: Type.String(),
  priority: Type.Integer(),
  status: Status,
  attempts: Type.Integer(),
  claimedBy: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  value: Nullable(Type.Number()),
  createdAt: Type.String({ format: 'date-time' }),
});

export const callRoutes: FastifyPluginAsync<{ local: LocalChannelsApi }> = async (app, { local }) => {
  const tags = ['reach calls'];

  app.get(
    '/reach/calls/lists',
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: 'The call lists with their open, claimed and done calls',
        response: {
          200: Type.Object({ lists: Type.Array(Type.Object({ list: Type.String(), open: Type.Integer(), claimed: Type.Integer(), done: Type.Integer() })) }),
        },
      },
    },
    async () => ({ lists: local.calls.lists() }),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/reach/calls',
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: "A list's calls, by id",
        querystring: ListQuery,
        response: { 200: Type.Object({ calls: Type.Array(Call), nextAfter: Nullable(Type.Integer()) }) },
      },
    },
    async (r) => local.calls.list(r.query),
  );

  app.post<{ Body: Static<typeof ClaimBody> }>(
    '/reach/calls/claim',
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: "Claim the list's next open calls (highest priority, then oldest) for an agent",
        description: 'A claim not closed by an outcome within 8 hours lapses, and the call can be claimed again.',
        body: ClaimBody,
        response: { 200: Type.Object({ calls: Type.Array(Call) }) },
      },
    },
    async (r) => local.calls.claim(r.body, actorOf(r)),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof OutcomeBody> }>(
    '/reach/calls/:id/outcome',
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: 'Record how a claimed call went',
        description:
          'callback, no_answer, busy and voicemail put the call back on the list; the others close it. Reported as task_outcome (and replied when the customer was on the line).',
        params: IdParam,
        body: OutcomeBody,
        response: { 200: Call },
      },
    },
    async (r) => local.calls.outcome(r.params.id, r.body, actorOf(r)),
  );

  app.get<{ Querystring: Static<typeof ExportQuery> }>(
    '/reach/calls/export',
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: 'The list as CSV (audited with its row count)',
        querystring: ExportQuery,
        response: { 200: { content: { 'text/csv': { schema: { type: 'string', description: 'Header row, then one call per row.' } } } } },
      },
    },
    async (r, reply) => {
      const { csv } = local.calls.exportCsv(r.query, actorOf(r));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="calls.csv"').send(csv);
    },
  );
};
