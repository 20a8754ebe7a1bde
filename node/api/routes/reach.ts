/**
 * Reach dead letters: `GET /v1/reach/dead-letters` lists dead messages (filters channel and
 * journey, paged; never the customer), `POST /v1/reach/dead-letters/redrive` sends them back to
 * the queue — one by key, by filter, or all — with attempts counted from zero (audited with the
 * count). Operators re-drive; operators and compliance read (docs/reach.md, Dead letters).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CHANNELS, type Channel } from '../../journeys/components.js';
import type { DeadLettersApi } from '../../reach/dead-letters.js';
import { actorOf } from '../auth.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

const ChannelName = Type.Union(
  CHANNELS.map((c) => Type.Literal(c)),
  { description: `One of: ${CHANNELS.join(', ')}.` },
);
const JourneyId = Type.Integer({ minimum: 1, description: 'The journey the messages belong to.' });
const ListQuery = Type.Object(
  {
    channel: Type.Optional(ChannelName),
    journeyId: Type.Optional(JourneyId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
const DeadLetter = Type.Object({
  idempotencyKey: Type.String(),
  journeyId: Type.Integer(),
  journeyVersion: Type.Integer(),
  nodeId: Type.String(),
  channel: Type.String(),
  reason: Type.String(),
  diedAt: Type.String(),
});
const RedriveBody = Type.Object(
  {
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'One message: its idempotency key.' })),
    channel: Type.Optional(ChannelName),
    journeyId: Type.Optional(JourneyId),
    all: Type.Optional(Type.Boolean({ description: 'Every dead message; needed when neither a key nor a filter is given.' })),
  },
  { additionalProperties: false },
);

export const reachRoutes: FastifyPluginAsync<{ deadLetters: DeadLettersApi }> = async (app, { deadLetters }) => {
  const tags = ['reach'];

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/reach/dead-letters',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Dead messages (after their last retry, or refused by the provider), newest first',
        description: 'Filtered by channel and journey, paged by limit and offset. Never names the customer.',
        querystring: ListQuery,
        response: { 200: Type.Object({ total: Type.Integer(), deadLetters: Type.Array(DeadLetter) }) },
      },
    },
    async (r) => {
      const { total, items } = deadLetters.list(
        { ...(r.query.channel ? { channel: r.query.channel as Channel } : {}), ...(r.query.journeyId ? { journeyId: r.query.journeyId } : {}) },
        { limit: r.query.limit ?? 100, offset: r.query.offset ?? 0 },
      );
      return { total, deadLetters: items };
    },
  );

  app.post<{ Body: Static<typeof RedriveBody> }>(
    '/reach/dead-letters/redrive',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Send dead messages again: one by key, by channel and journey, or all',
        description:
          'They go back to pending, due now, with attempts counted from zero. An empty request is REACH_REDRIVE_INVALID; a key that is not dead is REACH_DEAD_LETTER_NOT_FOUND. Audited with the count.',
        body: RedriveBody,
        response: { 200: Type.Object({ redriven: Type.Integer() }) },
      },
    },
    async (r) => {
      const { key, channel, ...rest } = r.body;
      return deadLetters.redrive({ ...rest, ...(channel ? { channel: channel as Channel } : {}), ...(key ? { idempotencyKey: key } : {}) }, actorOf(r));
    },
  );
};
