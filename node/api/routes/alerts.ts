/**
 * Saved metrics and their alert rules (`/v1/metrics`, `/v1/alerts`). Operators save, change and
 * evaluate (an evaluation may fire alerts and post them); operators and compliance read. The
 * alerts service checks the definitions (it measures a metric before saving it) and audits.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AlertsApi } from '../../alerts/service.js';
import { actorOf } from '../auth.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'A metric name: lower-case letters, digits, _ and -.' });
const NameParam = Type.Object({ name: Name });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Window = Type.Object(
  {
    days: Type.Integer({ minimum: 1, maximum: 366, description: 'Whole days in the node time zone (events.timeZone).' }),
    through: Type.Union([Type.Literal('today'), Type.Literal('yesterday')], {
      description: 'The last day: today so far, or yesterday (the last complete day).',
    }),
  },
  { additionalProperties: false },
);
const Params = Type.Object({}, { additionalProperties: true, description: "The model's parameters, without from and to (the window sets them)." });

const MetricBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 64, description: 'An analysis model, e.g. event.' }),
    params: Params,
    scalar: Type.String({ minLength: 1, maxLength: 128, description: "The named scalar of the model's result to watch, e.g. total." }),
    window: Type.Optional(Window),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const NewMetricBody = Type.Object({ name: Name, ...MetricBody.properties }, { additionalProperties: false });

const Metric = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  model: Type.String(),
  params: Params,
  scalar: Type.String(),
  window: Window,
  description: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String(),
});

const Kind = Type.Union([Type.Literal('threshold'), Type.Literal('change')], {
  description: 'threshold: the value crosses `value`; change: it moves more than `value` % from the previous period.',
});
const Direction = Type.Union([Type.Literal('above'), Type.Literal('below'), Type.Literal('either')], {
  description: 'above / below the threshold, or a rise / fall (either: both) by more than the percentage.',
});
const RuleFields = {
  kind: Kind,
  direction: Direction,
  value: Type.Number({ description: 'The threshold, or the change in percent (0 or more).' }),
  everyMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080, description: 'How often the scheduler evaluates the rule (default 60).' })),
  cooldownMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 43_200, description: 'A fired rule stays quiet this long (default 60).' })),
  webhook: Type.Optional(
    Nullable(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'A webhook named in alerts.webhooks; null: alerts.webhook.' })),
  ),
  enabled: Type.Optional(Type.Boolean()),
};
const RuleBody = Type.Object(RuleFields, { additionalProperties: false });
const RulePatch = Type.Partial(RuleBody, { additionalProperties: false, minProperties: 1 });

const Rule = Type.Object({
  id: Type.Integer(),
  metric: Type.String(),
  kind: Kind,
  direction: Direction,
  value: Type.Number(),
  everyMinutes: Type.Integer(),
  cooldownMinutes: Type.Integer(),
  webhook: Nullable(Type.String()),
  enabled: Type.Boolean(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('firing')]),
  nextAt: Type.String(),
  lastFiredAt: Nullable(Type.String()),
  lastEvaluatedAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Evaluation = Type.Object({
  metric: Type.String(),
  version: Type.Integer(),
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  value: Type.Number(),
  previous: Nullable(Type.Number()),
  change: Nullable(Type.Number()),
  rules: Type.Array(
    Type.Object({
      rule: Type.Integer(),
      holds: Type.Boolean(),
      transition: Type.Union([Type.Literal('fire'), Type.Literal('resolve'), Type.Literal('none')]),
      event: Type.Optional(Type.Integer()),
    }),
  ),
});

const AlertEvent = Type.Object({
  id: Type.Integer(),
  rule: Type.Integer(),
  metric: Type.String(),
  kind: Type.Union([Type.Literal('fired'), Type.Literal('resolved'), Type.Literal('error')]),
  value: Nullable(Type.Number()),
  previous: Nullable(Type.Number()),
  at: Type.String(),
  errorCode: Nullable(Type.String()),
  error: Nullable(Type.String()),
  delivery: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  httpStatus: Nullable(Type.Integer()),
  detail: Nullable(Type.String({ description: "The receiver's reply (filtered) or why the delivery failed." })),
});
const HistoryQuery = Type.Object(
  {
    metric: Type.Optional(Name),
    rule: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const alertRoutes: FastifyPluginAsync<{ alerts: AlertsApi }> = async (app, { alerts }) => {
  const tags = ['alerts'];

  app.get(
    '/metrics',
    { config: READ, schema: { tags, summary: 'Saved metrics', response: { 200: Type.Object({ metrics: Type.Array(Metric) }) } } },
    async () => ({
      metrics: alerts.listMetrics(),
    }),
  );

  app.post<{ Body: Static<typeof NewMetricBody> }>(
    '/metrics',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Save a model's scalar as a metric",
        description: 'The model runs once over the window to check its parameters and that its result has the scalar. Audited.',
        body: NewMetricBody,
        response: { 201: Metric },
      },
    },
    async (r, reply) => reply.code(201).send(await alerts.saveMetric(r.body, actorOf(r))),
  );

  app.get<{ Params: Static<typeof NameParam> }>(
    '/metrics/:name',
    { config: READ, schema: { tags, summary: 'A saved metric', params: NameParam, response: { 200: Metric } } },
    async (r) => alerts.getMetric(r.params.name),
  );

  app.put<{ Params: Static<typeof NameParam>; Body: Static<typeof MetricBody> }>(
    '/metrics/:name',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Change a metric's definition (a new version, checked like a new one; audited)",
        params: NameParam,
        body: MetricBody,
        response: { 200: Metric },
      },
    },
    async (r) => alerts.changeMetric(r.params.name, r.body, actorOf(r)),
  );

  app.delete<{ Params: Static<typeof NameParam> }>(
    '/metrics/:name',
    {
      config: WRITE,
      schema: { tags, summary: 'Delete a metric and its alert rules (their history stays; audited)', params: NameParam, response: { 204: Type.Null() } },
    },
    async (r, reply) => {
      alerts.deleteMetric(r.params.name, actorOf(r));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof NameParam> }>(
    '/metrics/:name/evaluate',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Measure the metric now (and the period before) and apply its enabled rules',
        description: 'A rule that fires or resolves is recorded, audited and posted to its webhook before the reply, as in a scheduled evaluation.',
        params: NameParam,
        response: { 200: Evaluation },
      },
    },
    async (r) => alerts.evaluate(r.params.name, actorOf(r)),
  );

  app.get<{ Params: Static<typeof NameParam> }>(
    '/metrics/:name/rules',
    { config: READ, schema: { tags, summary: "A metric's alert rules", params: NameParam, response: { 200: Type.Object({ rules: Type.Array(Rule) }) } } },
    async (r) => ({ rules: alerts.listRules(r.params.name) }),
  );

  app.post<{ Params: Static<typeof NameParam>; Body: Static<typeof RuleBody> }>(
    '/metrics/:name/rules',
    { config: WRITE, schema: { tags, summary: 'Add an alert rule to a metric (audited)', params: NameParam, body: RuleBody, response: { 201: Rule } } },
    async (r, reply) => reply.code(201).send(alerts.addRule(r.params.name, r.body, actorOf(r))),
  );

  app.get(
    '/alerts/rules',
    { config: READ, schema: { tags, summary: 'Every alert rule', response: { 200: Type.Object({ rules: Type.Array(Rule) }) } } },
    async () => ({
      rules: alerts.listRules(),
    }),
  );

  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof RulePatch> }>(
    '/alerts/rules/:id',
    {
      config: WRITE,
      schema: { tags, summary: 'Change an alert rule, or switch it off and on (audited)', params: IdParam, body: RulePatch, response: { 200: Rule } },
    },
    async (r) => alerts.changeRule(r.params.id, r.body, actorOf(r)),
  );

  app.delete<{ Params: Static<typeof IdParam> }>(
    '/alerts/rules/:id',
    { config: WRITE, schema: { tags, summary: 'Remove an alert rule (its history stays; audited)', params: IdParam, response: { 204: Type.Null() } } },
    async (r, reply) => {
      alerts.removeRule(r.params.id, actorOf(r));
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof HistoryQuery> }>(
    '/alerts/events',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Alert history, newest first: fired, resolved and evaluation errors, with the webhook delivery of each',
        querystring: HistoryQuery,
        response: { 200: Type.Object({ events: Type.Array(AlertEvent) }) },
      },
    },
    async (r) => ({ events: alerts.history(r.query) }),
  );
};
