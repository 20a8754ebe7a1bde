/**
 * Events in: `POST /v1/events` takes a batch, stores what passes, and answers per event. The
 * `ingest` role (what an SDK in a browser or an app holds) may call this and nothing else;
 * operators may send events from their own systems too.
 *
 * The body schema checks only the envelope: each event is checked by the ingestion service, so a
 * bad event is answered with its index, field and reason and never fails the whole batch.
 *
 * `POST /v1/events/import` takes a whole CSV or JSONL file as an upload, staged privately like a
 * dataset upload and imported as `mofang events import` imports it (what the CLI sends while the
 * running node holds the event store).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { MofangError } from '../../errors.js';
import { untrustedText } from '../../text/untrusted.js';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { stageUpload, tooLarge, UPLOAD_TYPES, uploadFormat } from '../upload.js';

export interface EventRouteOptions {
  services: NodeServices;
  /** Largest file upload, in bytes. */
  importBodyLimit: number;
  /** Directory for staged uploads (private to the node: they hold customer ids). */
  uploadDir: string;
}

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

const ImportQuery = Type.Object(
  {
    atomic: Type.Optional(Type.Boolean({ description: 'Store nothing (422) if any row is rejected: the file is checked whole first.' })),
    maxAgeDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'Accept events up to this many days old for this import.' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Events per stored batch.' })),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        pattern: '^[^\\u0000-\\u001f\\u007f]+$',
        description: 'The file as messages name it (default: upload.csv or upload.jsonl).',
      }),
    ),
  },
  { additionalProperties: false },
);

const ImportReport = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]),
  rows: Type.Integer(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  quarantined: Type.Integer(),
  paused: Type.Integer(),
  rejected: Type.Integer(),
  firstRejected: Type.Array(
    Type.Object(
      { line: Type.Integer(), field: Type.String(), reason: Type.String() },
      { description: 'A rejected row by line, field and reason (never its values).' },
    ),
  ),
});

export const eventRoutes: FastifyPluginAsync<EventRouteOptions> = async (app, { services, importBodyLimit, uploadDir }) => {
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

  // A scope of its own: only this route takes CSV and JSONL bodies, as streams.
  app.register(async (uploads) => {
    uploads.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));
    uploads.post<{ Querystring: Static<typeof ImportQuery> }>(
      '/events/import',
      {
        config: { roles: ['admin', 'operator'] },
        schema: {
          tags: ['events'],
          summary: 'Import a file of events (CSV or JSONL upload)',
          description:
            'Send the file as the body with Content-Type text/csv or application/x-ndjson; it is checked and stored like `mofang events import` does ' +
            '(docs/events.md, Import), audited as events.imported. 422 EVENT_BATCH_REJECTED when `atomic` and any row was rejected (nothing stored); ' +
            'LIMIT_EXCEEDED above the upload limit.',
          querystring: ImportQuery,
          body: {
            content: {
              // Streams are not validated; these entries document the accepted types.
              'text/csv': { schema: { description: 'CSV with a header row: eventId, customerId, name, time, then properties or prop.<name> columns.' } },
              'application/x-ndjson': { schema: { description: 'One event object per line, as in POST /v1/events.' } },
            },
          },
          response: { 200: ImportReport },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const format = uploadFormat(request.headers['content-type']);
        if (format === null) throw new MofangError('MEDIA_TYPE_UNSUPPORTED', 'send the file as text/csv or application/x-ndjson');
        if (Number(request.headers['content-length'] ?? 0) > importBodyLimit) throw tooLarge(importBodyLimit);
        const staged = await stageUpload(request.body as Readable, { dir: uploadDir, extension: format, limit: importBodyLimit });
        try {
          const { atomic, maxAgeDays, batchSize, name } = request.query;
          // The caller's text, repeated in messages: filtered like any outsider text (bidi controls, identifiers).
          const shown = name === undefined ? `upload.${format}` : untrustedText(name, 256);
          return await services.events.importFile(staged.file, { format, atomic, maxAgeDays, batchSize, name: shown }, actor);
        } finally {
          await staged.remove();
        }
      },
    );
  });
};
