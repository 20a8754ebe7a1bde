/**
 * Channel consent and frequency-control reports: `PUT /v1/consent` records a batch of opt-ins and
 * opt-outs, `POST /v1/consent/lookup` shows one customer's (the identifier in the body, not the
 * URL, so it stays out of access logs), `GET /v1/frequency/suppressions` counts suppressions and
 * waits by reason. Operators write; operators and compliance read (docs/frequency.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CHANNELS } from '../../journeys/components.js';
import { CONSENT_STATUSES } from '../../journeys/frequency/consent-store.js';
import type { FrequencyApi } from '../../journeys/frequency/service.js';
import { SUPPRESSION_REASONS } from '../../journeys/frequency/suppressions.js';
import { actorOf } from '../auth.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

const Dataset = Type.String({ minLength: 1, maxLength: 64, description: 'The dataset whose customer ids these are (normalised like its identifiers).' });
const CustomerId = Type.String({ minLength: 1, maxLength: 320, description: "The customer's identifier, as the dataset's import reads it." });
const Source = Type.String({ minLength: 1, maxLength: 64, description: 'Where the customer said so, e.g. branch-form, unsubscribe-link.' });

const ConsentBody = Type.Object(
  {
    dataset: Dataset,
    source: Type.Optional(Source),
    entries: Type.Array(
      Type.Object(
        {
          customerId: CustomerId,
          channel: Type.String({ minLength: 1, maxLength: 32, description: `One of: ${CHANNELS.join(', ')}.` }),
          status: Type.String({ minLength: 1, maxLength: 32, description: `One of: ${CONSENT_STATUSES.join(', ')}.` }),
          source: Type.Optional(Source),
        },
        { additionalProperties: false },
      ),
      { description: 'At most journeys.frequency.maxConsentBatch entries (CONSENT_BATCH_TOO_LARGE).' },
    ),
  },
  { additionalProperties: false },
);
const LookupBody = Type.Object({ dataset: Dataset, customerId: CustomerId }, { additionalProperties: false });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ConsentView = Type.Object({
  dataset: Type.String(),
  channels: Type.Array(
    Type.Object({
      channel: Type.String(),
      model: Type.Union([Type.Literal('opt_out'), Type.Literal('opt_in')]),
      status: Nullable(Type.String()),
      source: Nullable(Type.String()),
      updatedAt: Nullable(Type.String()),
      updatedBy: Nullable(Type.String()),
    }),
  ),
});
const SuppressionQuery = Type.Object(
  {
    journeyId: Type.Optional(Type.Integer({ minimum: 1 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive (ISO 8601), by when the engine wanted to send.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive (ISO 8601).' })),
  },
  { additionalProperties: false },
);
const Counts = Type.Object({ suppressed: Type.Integer(), waited: Type.Integer() });

export const consentRoutes: FastifyPluginAsync<{ frequency: FrequencyApi }> = async (app, { frequency }) => {
  const tags = ['consent'];

  app.put<{ Body: Static<typeof ConsentBody> }>(
    '/consent',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Record customers' opt-ins and opt-outs per channel",
        description:
          'The batch is checked whole (CONSENT_INVALID names the entry and field, never the id) and written in one transaction; audited with counts only.',
        body: ConsentBody,
        response: { 200: Type.Object({ dataset: Type.String(), entries: Type.Integer(), changed: Type.Integer() }) },
      },
    },
    async (r) => frequency.consent.set(r.body, actorOf(r)),
  );

  app.post<{ Body: Static<typeof LookupBody> }>(
    '/consent/lookup',
    {
      config: READ,
      schema: {
        tags,
        summary: "One customer's consent on every channel, with each channel's model (audited)",
        body: LookupBody,
        response: { 200: ConsentView },
      },
    },
    async (r) => frequency.consent.show(r.body.dataset, r.body.customerId, actorOf(r)),
  );

  app.get<{ Querystring: Static<typeof SuppressionQuery> }>(
    '/frequency/suppressions',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Suppressions and waits of frequency control by reason, for a journey and a time range',
        querystring: SuppressionQuery,
        response: { 200: Type.Object(Object.fromEntries(SUPPRESSION_REASONS.map((reason) => [reason, Counts]))) },
      },
    },
    async (r) =>
      frequency.suppressionCounts({
        journeyId: r.query.journeyId,
        from: r.query.from ? new Date(r.query.from) : undefined,
        to: r.query.to ? new Date(r.query.to) : undefined,
      }),
  );
};
