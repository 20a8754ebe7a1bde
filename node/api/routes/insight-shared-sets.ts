/**
 * HTTP API of shared segment sets under /v1/insight/shared-sets. Operators publish and import;
 * operators and compliance read. Which units a caller may act for, publish to, list and see the
 * status of is decided by the service from the token's unit (insight/shared/service.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { Insight } from '../../insight/insight.js';
import { MAX_SET_SEGMENTS, MAX_STRATEGY_CHARS } from '../../insight/shared/service.js';
import { Name, UnitId } from './insight-schemas.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };
const Timestamp = Type.String({ format: 'date-time' });

const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Audience = Type.Union([Type.Object({ all: Type.Literal(true) }), Type.Object({ units: Type.Array(Type.String()) })]);
const SetVersion = Type.Object({
  version: Type.Integer(),
  segments: Type.Array(
    Type.Object({ name: Type.String(), description: Type.String(), rule: Type.Unknown({ description: 'A rule tree, segment references inlined.' }) }),
  ),
  strategy: Type.String(),
  audience: Audience,
  contentSha256: Type.String(),
  publishedBy: Type.String(),
  publishedAt: Timestamp,
});
const SetView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  publisher: Type.String(),
  dataset: Type.String(),
  version: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  latest: SetVersion,
});
const Mapping = Type.Array(Type.Object({ source: Type.String(), segment: Type.String() }));
const ImportView = Type.Object({ unit: Type.String(), version: Type.Integer(), segments: Mapping, importedBy: Type.String(), importedAt: Timestamp });
const ReceivedView = Type.Intersect([SetView, Type.Object({ imported: Type.Union([ImportView, Type.Null()]), updateAvailable: Type.Boolean() })]);
const Publish = Type.Object(
  {
    name: Name,
    publisher: Type.Optional(UnitId),
    segments: Type.Array(Name, { minItems: 1, maxItems: MAX_SET_SEGMENTS }),
    strategy: Type.Optional(Type.String({ maxLength: MAX_STRATEGY_CHARS })),
    to: Type.Union([Type.Literal('all'), Type.Array(UnitId, { minItems: 1, maxItems: 1000 })], {
      description: "'all': every unit below the publisher; or chosen units below it (with the units below them).",
    }),
  },
  { additionalProperties: false },
);
const ImportBody = Type.Object(
  { unit: Type.Optional(UnitId), prefix: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,40}$' })) },
  { additionalProperties: false },
);
const Coverage = Type.Object({
  unit: Type.String(),
  version: Type.Integer(),
  upToDate: Type.Boolean(),
  importedAt: Timestamp,
  importedBy: Type.String(),
  segments: Mapping,
  covered: Type.Integer(),
  population: Type.Integer(),
  bySegment: Type.Record(Type.String(), Type.Integer()),
});

export const sharedSetRoutes: FastifyPluginAsync<{ insight: Insight }> = async (app, options) => {
  const { insight } = options;
  const tags = ['insight shared sets'];

  app.get<{ Querystring: { unit?: string } }>(
    '/insight/shared-sets',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Sets published by units in your scope, and sets published to your unit (or `unit`, within your scope) with import state',
        querystring: Type.Object({ unit: Type.Optional(UnitId) }, { additionalProperties: false }),
        response: { 200: Type.Object({ published: Type.Array(SetView), received: Type.Array(ReceivedView) }) },
      },
    },
    async (r) => insight.sharedSets.list(actorOf(r), r.query.unit),
  );

  app.post<{ Body: Static<typeof Publish> }>(
    '/insight/shared-sets',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Publish a set (or a new version when its content changed) from your unit to units below it',
        description: 'The segments are referenced by name; their current rules are published. Unchanged content returns the latest version with changed=false.',
        body: Publish,
        response: { 201: Type.Object({ set: SetView, changed: Type.Boolean() }) },
      },
    },
    async (r, reply) => reply.code(201).send(insight.sharedSets.publish(r.body, actorOf(r))),
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/insight/shared-sets/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'One set and its versions, newest first (publisher side or receiving unit)',
        params: IdParam,
        response: { 200: Type.Object({ set: SetView, versions: Type.Array(SetVersion) }) },
      },
    },
    async (r) => insight.sharedSets.get(r.params.id, actorOf(r)),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof ImportBody> }>(
    '/insight/shared-sets/:id/import',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Import the latest version into your unit: creates (or gives a new version to) the unit's segments, evaluated in its scope",
        params: IdParam,
        body: ImportBody,
        response: { 200: ReceivedView },
      },
    },
    async (r) => insight.sharedSets.import(r.params.id, actorOf(r), r.body ?? {}),
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/insight/shared-sets/:id/status',
    {
      config: READ,
      schema: {
        tags,
        summary: "Publisher side: which units imported the set, which version, and how many customers it covers in each unit's scope",
        params: IdParam,
        response: { 200: Type.Object({ set: SetView, imports: Type.Array(Coverage) }) },
      },
    },
    async (r) => insight.sharedSets.status(r.params.id, actorOf(r)),
  );
};
