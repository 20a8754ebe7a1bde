/**
 * HTTP API of the tracking plan under /v1/tracking-plan: admins declare, change and remove events,
 * set the policy for what the plan does not declare, and pause or resume an event; every role
 * reads the plan, its versions and the paused counts. The shapes below check types and sizes; the
 * plan's own rules (names, per-type options, limits) are checked by the service, which names the
 * field in TRACKING_PLAN_INVALID.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { PLAN_LIMITS, PROPERTY_TYPES, UNDECLARED_POLICIES } from '../../events/plan/model.js';
import type { TrackingPlanApi } from '../../events/plan/service.js';
import { actorOf } from '../auth.js';

const ADMIN = { roles: ['admin'] as const };
const ANY = { roles: ['admin', 'operator', 'compliance'] as const };

const Policy = Type.Unsafe<(typeof UNDECLARED_POLICIES)[number]>({ type: 'string', enum: [...UNDECLARED_POLICIES] });
const Timestamp = Type.String({ format: 'date-time' });

const PropertySpec = Type.Object(
  {
    type: Type.Unsafe<(typeof PROPERTY_TYPES)[number]>({ type: 'string', enum: [...PROPERTY_TYPES] }),
    required: Type.Optional(Type.Boolean({ description: 'Default false.' })),
    maxLength: Type.Optional(Type.Integer({ description: 'string: the most characters a value may have (required for strings).' })),
    min: Type.Optional(Type.Number({ description: 'number: the smallest value allowed.' })),
    max: Type.Optional(Type.Number({ description: 'number: the largest value allowed.' })),
    values: Type.Optional(Type.Array(Type.String(), { maxItems: PLAN_LIMITS.enumValues, description: 'enum: the values allowed.' })),
  },
  { additionalProperties: false },
);
const EventDeclaration = Type.Object(
  {
    properties: Type.Optional(Type.Record(Type.String(), PropertySpec, { description: 'Declared properties by name.' })),
    undeclared: Type.Optional(Policy),
    retentionDays: Type.Optional(Type.Integer({ description: "Days to keep this event; the node's default when absent." })),
  },
  { additionalProperties: false },
);
const Plan = Type.Object(
  { undeclared: Type.Optional(Policy), events: Type.Optional(Type.Record(Type.String(), EventDeclaration)) },
  { additionalProperties: false },
);
const PlanChange = Type.Object({
  added: Type.Array(Type.String()),
  modified: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  undeclared: Type.Optional(Type.Object({ from: Type.String(), to: Type.String() })),
});
const VersionSummary = Type.Object({ version: Type.Integer(), change: PlanChange, actor: Type.String(), createdAt: Type.Union([Timestamp, Type.Null()]) });
const PlanVersion = Type.Composite([VersionSummary, Type.Object({ plan: Plan })]);
const CurrentPlan = Type.Composite([PlanVersion, Type.Object({ paused: Type.Array(Type.String()) })]);
const ChangeResult = Type.Object({
  version: Type.Integer(),
  changed: Type.Boolean({ description: 'false: the plan already said this; no version was made.' }),
});
const PauseResult = Type.Object({ event: Type.String(), paused: Type.Boolean(), changed: Type.Boolean() });
const PausedCount = Type.Object({
  event: Type.String(),
  paused: Type.Boolean(),
  pausedAt: Type.Union([Timestamp, Type.Null()]),
  pausedBy: Type.Union([Type.String(), Type.Null()]),
  dropped: Type.Integer({ description: 'Events of this name dropped while paused, ever.' }),
});

const EventParam = Type.Object({ event: Type.String({ minLength: 1, maxLength: 64, description: 'Event name.' }) });
const VersionParam = Type.Object({ version: Type.Integer({ minimum: 0 }) });
const EventPatch = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON merge patch (RFC 7396) of the declaration: members replace, objects merge, null removes.',
});

export const trackingPlanRoutes: FastifyPluginAsync<{ trackingPlan: TrackingPlanApi }> = async (app, { trackingPlan }) => {
  const tags = ['tracking plan'];

  app.get(
    '/tracking-plan',
    {
      config: ANY,
      schema: { tags, summary: 'The current tracking plan, with the events paused now', response: { 200: CurrentPlan } },
    },
    async () => trackingPlan.current(),
  );

  app.put<{ Body: Static<typeof Plan> }>(
    '/tracking-plan',
    {
      config: ADMIN,
      schema: { tags, summary: 'Replace the whole plan; the same content makes no version', body: Plan, response: { 200: ChangeResult } },
    },
    async (r) => trackingPlan.apply(r.body, actorOf(r)),
  );

  app.patch<{ Body: { undeclared: Static<typeof Policy> } }>(
    '/tracking-plan',
    {
      config: ADMIN,
      schema: {
        tags,
        summary: 'Set the policy for undeclared events and properties',
        body: Type.Object({ undeclared: Policy }, { additionalProperties: false }),
        response: { 200: ChangeResult },
      },
    },
    async (r) => trackingPlan.setPolicy(r.body.undeclared, actorOf(r)),
  );

  app.get(
    '/tracking-plan/versions',
    {
      config: ANY,
      schema: {
        tags,
        summary: 'Every version, newest first: what changed, who, when',
        response: { 200: Type.Object({ versions: Type.Array(VersionSummary) }) },
      },
    },
    async () => ({ versions: trackingPlan.history() }),
  );

  app.get<{ Params: Static<typeof VersionParam> }>(
    '/tracking-plan/versions/:version',
    {
      config: ANY,
      schema: { tags, summary: 'One version of the plan', params: VersionParam, response: { 200: PlanVersion } },
    },
    async (r) => trackingPlan.version(r.params.version),
  );

  app.put<{ Params: Static<typeof EventParam>; Body: Static<typeof EventDeclaration> }>(
    '/tracking-plan/events/:event',
    {
      config: ADMIN,
      schema: { tags, summary: 'Declare an event, or replace its declaration', params: EventParam, body: EventDeclaration, response: { 200: ChangeResult } },
    },
    async (r) => trackingPlan.putEvent(r.params.event, r.body, actorOf(r)),
  );

  app.patch<{ Params: Static<typeof EventParam>; Body: Static<typeof EventPatch> }>(
    '/tracking-plan/events/:event',
    {
      config: ADMIN,
      schema: {
        tags,
        summary: "Change a declared event's declaration by a merge patch",
        params: EventParam,
        body: EventPatch,
        response: { 200: ChangeResult },
      },
    },
    async (r) => trackingPlan.patchEvent(r.params.event, r.body, actorOf(r)),
  );

  app.delete<{ Params: Static<typeof EventParam> }>(
    '/tracking-plan/events/:event',
    {
      config: ADMIN,
      schema: { tags, summary: 'Remove an event from the plan (a new version)', params: EventParam, response: { 200: ChangeResult } },
    },
    async (r) => trackingPlan.removeEvent(r.params.event, actorOf(r)),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: Static<typeof EventParam> }>(
      `/tracking-plan/events/:event/${action}`,
      {
        config: ADMIN,
        schema: {
          tags,
          summary: action === 'pause' ? 'Pause an event: its events are counted and dropped' : 'Resume a paused event',
          params: EventParam,
          response: { 200: PauseResult },
        },
      },
      async (r) => trackingPlan[action](r.params.event, actorOf(r)),
    );
  }

  app.get(
    '/tracking-plan/paused',
    {
      config: ANY,
      schema: {
        tags,
        summary: 'Per event ever paused: whether it is paused now and how many of its events were dropped',
        response: { 200: Type.Object({ events: Type.Array(PausedCount) }) },
      },
    },
    async () => ({ events: trackingPlan.pausedCounts() }),
  );
};
