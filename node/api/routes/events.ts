/**
 * Events in: `POST /v1/events` takes a batch, stores what passes, and answers per event. The
 * `ingest` role (what an SDK in a browser or an app holds) may call this and nothing else;
 * operators may send events from their own systems too.
 *
 * The body schema checks only the envelope: each event is checked by the ingestion service, so a
 * bad event is answered with its index, field and reason and never fails the whole batch.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';

/** Room for the largest batch (events.maxBatch ≤ 10,000) at about 1.6 KB per event. */
const EVENTS_BODY_LIMIT = 16 * 1024 * 1024;

const Body = Type.Object(
  {
    events: Type.Array(Type.Unknown(), { description: 'Events `{ eventId, customerId, name, time, properties }`; at most events.maxBatch.' }),
    atomic: Type.Optional(Type.Boolean({ description: 'Store nothing (422) when any event is rejected.' })),
  },
  { additionalProperties: false },
);

const Rejection = Type.Object({
  index: Type.Integer({ description: 'Position of the event in `events`.' }),
  field: Type.String({ description: 'eventId, customerId, name, time, properties.<name> or event.' }),
  reason: Type.String(),
});

const IngestReport = Type.Object({
  accepted: Type.Integer({ description: 'Stored by this batch.' }),
  duplicates: Type.Integer({ description: 'Already stored (a re-sent event): not stored again, not an error.' }),
  quarantined: Type.Integer({ description: 'Kept aside by the tracking plan (undeclared, under a quarantine policy).' }),
  paused: Type.Integer({ description: 'Of paused event names: counted and dropped.' }),
  rejected: Type.Array(Rejection),
});

export const eventRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  app.post<{ Body: Static<typeof Body> }>(
    '/events',
    {
      config: { roles: ['ingest', 'operator'] },
      bodyLimit: EVENTS_BODY_LIMIT,
      schema: {
        tags: ['events'],
        summary: 'Send a batch of events',
        description:
          'Answers once the stored events are durable. 200 when the batch was taken (some events may be rejected, each with its index, field and reason); ' +
          'a re-sent event counts as a duplicate, not an error. 422 EVENT_BATCH_REJECTED when `atomic` and any event was rejected (nothing stored); ' +
          '413 EVENT_BATCH_TOO_LARGE above events.maxBatch. See docs/events.md.',
        body: Body,
        response: { 200: IngestReport },
      },
    },
    async (request) => services.events.ingest(request.body.events, actorOf(request), { atomic: request.body.atomic }),
  );
};
