/**
 * Campaign reports and the A/B report (docs/reach.md, Feedback and reports; docs/journeys.md, A/B
 * experiments): per journey (a template instance is one) as JSON or CSV, per campaign template
 * (its instances side by side), and a journey's experiment. Operators and compliance read; the
 * journey's unit scope applies as for the journey itself.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { reportCsv } from '../../reach/report/csv.js';
import { SUPPRESSION_COLUMNS } from '../../reach/report/figures.js';
import type { ReachReports } from '../../reach/report/service.js';
import { actorOf } from '../auth.js';

const READ = { roles: ['operator', 'compliance'] as const };
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const ReportQuery = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 32, description: 'Attribution model: last (default), first, linear, time_decay or position.' })),
    from: Type.Optional(
      Type.String({ maxLength: 10, description: "First day of the goal events (YYYY-MM-DD, the node's time zone); default: the journey's first day." }),
    ),
    to: Type.Optional(Type.String({ maxLength: 10, description: 'Last day of the goal events (inclusive); default: today.' })),
    windowDays: Type.Optional(Type.Number({ description: 'Overrides reach.attribution.windowDays.' })),
    goal: Type.Optional(Type.String({ maxLength: 64, description: "A goal node of the journey; default: the experiment's goal, else the first goal node." })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);
type ReportQuery = Static<typeof ReportQuery>;

const Figures = Type.Object({
  entered: Nullable(Type.Number()),
  sent: Type.Number(),
  suppressed: Type.Object(Object.fromEntries(SUPPRESSION_COLUMNS.map((c) => [c, Type.Number()]))),
  delivered: Type.Number(),
  bounced: Type.Number(),
  opened: Type.Number(),
  clicked: Type.Number(),
  replied: Type.Number(),
  unsubscribed: Type.Number(),
  failed: Type.Number(),
  dead: Type.Number(),
  tasks: Type.Number(),
  converted: Type.Number({ description: 'Goal events credited: a sum of shares under a split model.' }),
  conversionValue: Type.Number(),
  taskValue: Type.Number(),
  value: Type.Number(),
  cost: Type.Number(),
  roi: Nullable(Type.Number({ description: '(value − cost) / cost; null when cost is 0.' })),
});
const JourneyRef = Type.Object({ id: Type.Integer(), name: Type.String() });
const CampaignReportView = Type.Object({
  journey: JourneyRef,
  rule: Type.Object({
    text: Type.String({ description: 'The attribution rule in words.' }),
    model: Type.String(),
    windowDays: Type.Number(),
    touch: Type.String(),
    goal: Nullable(Type.Object({ node: Type.String(), event: Type.String(), filters: Type.Optional(Type.Array(Type.Unknown())) })),
    valueProperty: Nullable(Type.String()),
    from: Type.String(),
    to: Type.String(),
  }),
  goals: Type.Object({ total: Type.Number(), direct: Type.Number() }),
  totals: Figures,
  channels: Type.Array(Type.Intersect([Type.Object({ channel: Type.String() }), Figures])),
  nodes: Type.Array(Type.Intersect([Type.Object({ node: Type.String(), channel: Type.String() }), Figures])),
  variants: Type.Array(Type.Intersect([Type.Object({ variant: Type.String() }), Figures])),
  notes: Type.Array(Type.String()),
});
const TemplateReportView = Type.Object({
  template: Type.Integer(),
  instances: Type.Array(Type.Object({ journey: JourneyRef, totals: Figures })),
  totals: Figures,
  rule: Type.String(),
});
const Estimate = Nullable(Type.Object({ estimate: Type.Number(), lower: Type.Number(), upper: Type.Number() }));
const ExperimentView = Type.Object({
  journey: JourneyRef,
  experiment: Type.Object({
    name: Type.String(),
    node: Type.String(),
    goal: Nullable(Type.String()),
    winner: Type.String(),
    minSamplePerBranch: Nullable(Type.Integer()),
  }),
  counts: Type.String(),
  reference: Type.String(),
  groups: Type.Array(Type.Object({ key: Type.String(), entered: Type.Integer(), converted: Type.Integer(), rate: Estimate })),
  comparisons: Type.Array(
    Type.Object({
      key: Type.String(),
      reference: Type.String(),
      difference: Estimate,
      relativeLift: Estimate,
      z: Nullable(Type.Number()),
      pValue: Nullable(Type.Number()),
      adjustedPValue: Nullable(Type.Number()),
    }),
  ),
  verdict: Type.Object({
    decided: Type.Boolean(),
    winner: Type.Optional(Type.String()),
    reference: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  }),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});

const CSV = { 'text/csv': { schema: { type: 'string', description: 'Header row, then the totals, each channel, each reach node and each A/B group.' } } };

export const reachReportRoutes: FastifyPluginAsync<{ reports: ReachReports }> = async (app, { reports }) => {
  const tags = ['reach'];
  const query = (q: ReportQuery) => ({ model: q.model, from: q.from, to: q.to, windowDays: q.windowDays, goal: q.goal });

  app.get<{ Params: Static<typeof IdParam>; Querystring: ReportQuery }>(
    '/reach/reports/journeys/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A campaign report: sends, suppressions, receipts, conversions, cost and ROI per channel, reach node and A/B group',
        description:
          'Conversions are goal events credited to messages (last touch within reach.attribution.windowDays unless `model` says otherwise); the rule is in `rule.text` (CSV: the Mofang-Attribution-Rule header).',
        params: IdParam,
        querystring: ReportQuery,
        response: { 200: { content: { 'application/json': { schema: CampaignReportView }, ...CSV } } },
      },
    },
    async (r, reply) => {
      const report = await reports.journey(r.params.id, query(r.query), actorOf(r));
      if (r.query.format !== 'csv') return reply.type('application/json').send(report);
      return reply
        .type('text/csv; charset=utf-8')
        .header('mofang-attribution-rule', asciiHeader(report.rule.text))
        .header('content-disposition', `attachment; filename="journey-${report.journey.id}-report.csv"`)
        .send(reportCsv(report));
    },
  );

  app.get<{ Params: Static<typeof IdParam>; Querystring: Omit<ReportQuery, 'goal' | 'format'> }>(
    '/reach/reports/templates/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: "A campaign template's report: each instance's totals in the caller's scope, and their sum",
        params: IdParam,
        querystring: Type.Omit(ReportQuery, ['goal', 'format']),
        response: { 200: TemplateReportView },
      },
    },
    async (r) => reports.template(r.params.id, query(r.query), actorOf(r)),
  );

  app.get<{ Params: Static<typeof IdParam>; Querystring: { name?: string } }>(
    '/journeys/:id/experiment',
    {
      config: READ,
      schema: {
        tags: ['journeys'],
        summary: "A journey's A/B experiment: conversion per group, lift over the reference with its interval, the verdict and warnings",
        params: IdParam,
        querystring: Type.Object(
          { name: Type.Optional(Type.String({ maxLength: 64, description: 'The experiment, when the journey has several.' })) },
          { additionalProperties: false },
        ),
        response: { 200: ExperimentView },
      },
    },
    async (r) => reports.experiment(r.params.id, r.query.name, actorOf(r)),
  );
};

/** Header values are ASCII: anything else (a goal's name is ASCII already) becomes "?". */
const asciiHeader = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');
