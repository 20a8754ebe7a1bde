/**
 * The in-app inbox over HTTP, for the bank's app backend (role `app`, which opens nothing else):
 * list a customer's messages, open one (marks it read), mark read or unread, delete. The customer
 * travels in the query or the body, never in the path, so it stays out of URLs in access logs; the
 * node's own request log carries only the route pattern.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { LocalChannelsApi } from '../../reach/local-channels.js';
import { PAGE } from '../../reach/local-delivery.js';
import { actorOf } from '../auth.js';

const APP = { roles: ['app'] as const };

const Customer = {
  dataset: Type.String({ minLength: 1, maxLength: 64, description: 'The dataset the customer is in.' }),
  customerId: Type.String({
    minLength: 1,
    maxLength: 320,
    description: "The customer's identifier as the dataset's source holds it (normalised like its import).",
  }),
};
const CustomerBody = Type.Object(Customer, { additionalProperties: false });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object(
  {
    ...Customer,
    unreadOnly: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE.max, description: `Default ${PAGE.default}.` })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: "The previous page's nextBefore." })),
  },
  { additionalProperties: false },
);
const MarkBody = Type.Object({ ...Customer, read: Type.Boolean() }, { additionalProperties: false });
const Message = Type.Object({
  id: Type.Integer(),
  subject: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const inboxRoutes: FastifyPluginAsync<{ local: LocalChannelsApi }> = async (app, { local }) => {
  const tags = ['reach inbox'];

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/reach/inbox/messages',
    {
      config: APP,
      schema: {
        tags,
        summary: "A customer's inbox, newest first, with the count of unread messages",
        querystring: ListQuery,
        response: { 200: Type.Object({ messages: Type.Array(Message), unread: Type.Integer(), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }) },
      },
    },
    async (r) => local.inbox.list(r.query),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof CustomerBody> }>(
    '/reach/inbox/messages/:id/open',
    {
      config: APP,
      schema: {
        tags,
        summary: 'Open a message: returns it and marks it read (reported as opened)',
        params: IdParam,
        body: CustomerBody,
        response: { 200: Message },
      },
    },
    async (r) => local.inbox.read(r.params.id, r.body, actorOf(r)),
  );

  app.put<{ Params: Static<typeof IdParam>; Body: Static<typeof MarkBody> }>(
    '/reach/inbox/messages/:id/read',
    {
      config: APP,
      schema: { tags, summary: 'Mark a message read (reported as opened) or unread again', params: IdParam, body: MarkBody, response: { 200: Message } },
    },
    async (r) => local.inbox.mark(r.params.id, r.body, r.body.read, actorOf(r)),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof CustomerBody> }>(
    '/reach/inbox/messages/:id/delete',
    {
      config: APP,
      schema: {
        tags,
        summary: 'Delete a message: the customer no longer sees it (the node keeps the row for reports)',
        params: IdParam,
        body: CustomerBody,
        response: { 200: Type.Object({ id: Type.Integer(), deleted: Type.Literal(true) }) },
      },
    },
    async (r) => local.inbox.remove(r.params.id, r.body, actorOf(r)),
  );
};
