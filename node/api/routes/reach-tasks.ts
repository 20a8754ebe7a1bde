/**
 * Branch staff tasks over HTTP. A token bound to a unit (relationship managers) sees and changes
 * only the tasks of its unit's scope; one outside it is reported as absent. Operators work tasks;
 * compliance may read them.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { LocalChannelsApi } from '../../reach/local-channels.js';
import { OUTCOME_CODE, PAGE, STAFF_ID } from '../../reach/local-delivery.js';
import { TASK_STATUSES } from '../../reach/tasks/tasks.js';
import { actorOf } from '../auth.js';
import { UnitId } from './insight-schemas.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

const Status = Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)));
const Staff = Type.String({ pattern: STAFF_ID.source, description: "A relationship manager's staff id (no e-mail addresses)." });
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    overdue: Type.Optional(Type.Boolean({ description: 'Only tasks not closed and past their due day.' })),
    assignee: Type.Optional(Staff),
    unit: Type.Optional(UnitId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE.max, description: `Default ${PAGE.default}.` })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: "The previous page's nextAfter." })),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  { status: Type.Optional(Status), assignee: Type.Optional(Type.Union([Staff, Type.Null()], { description: 'null: unassigned.' })) },
  { additionalProperties: false },
);
const OutcomeBody = Type.Object(
  {
    outcome: Type.String({ pattern: OUTCOME_CODE.source, description: 'A short code: interested, not_interested, no_answer, sold …' }),
    value: Type.Optional(Type.Number({ minimum: 0, description: "The deal's value, in the reports' currency." })),
  },
  { additionalProperties: false },
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Task = Type.Object({
  id: Type.Integer(),
  unit: Nullable(Type.String()),
  unitFallback: Type.Boolean(),
  customer: Type.Object({ dataset: Type.String(), customerId: Type.String() }),
  title: Nullable(Type.String()),
  text: Type.String(),
  priority: Type.Integer(),
  dueOn: Type.String({ format: 'date' }),
  overdue: Type.Boolean(),
  status: Status,
  assignee: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  value: Nullable(Type.Number()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
});

export const taskRoutes: FastifyPluginAsync<{ local: LocalChannelsApi }> = async (app, { local }) => {
  const tags = ['reach tasks'];

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/reach/tasks',
    {
      config: READ,
      schema: {
        tags,
        summary: "Tasks in the caller's unit scope, by id",
        querystring: ListQuery,
        response: { 200: Type.Object({ tasks: Type.Array(Task), nextAfter: Nullable(Type.Integer()) }) },
      },
    },
    async (r) => local.tasks.list(r.query, actorOf(r)),
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/reach/tasks/:id',
    { config: READ, schema: { tags, summary: 'One task', params: IdParam, response: { 200: Task } } },
    async (r) => local.tasks.get(r.params.id, actorOf(r)),
  );

  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof UpdateBody> }>(
    '/reach/tasks/:id',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Move a task on (open, in_progress, done, cancelled) and/or (re)assign it',
        description: 'done and cancelled are final (REACH_ITEM_CONFLICT).',
        params: IdParam,
        body: UpdateBody,
        response: { 200: Task },
      },
    },
    async (r) => local.tasks.update(r.params.id, r.body, actorOf(r)),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof OutcomeBody> }>(
    '/reach/tasks/:id/outcome',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Close a task with its outcome and optional deal value (reported as task_outcome)',
        params: IdParam,
        body: OutcomeBody,
        response: { 200: Task },
      },
    },
    async (r) => local.tasks.outcome(r.params.id, r.body, actorOf(r)),
  );
};
