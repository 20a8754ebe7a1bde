/**
 * Branch staff tasks: a reach message on channel `branch_task` becomes a task for the customer's
 * organisation unit (units.ts), due `params.dueDays` days later (default 3). Relationship managers
 * hold tokens bound to their unit and see only the tasks of its scope — the unit and every unit
 * below it, as insight scopes customers; a task outside it is reported as absent. They take a task
 * (`in_progress`, an assignee), and close it with an outcome (reported as `task_outcome`) or cancel
 * it. Every change is audited with the task id, never the customer.
 */
import type { Actor } from '../../audit/actor.js';
import { MofangError } from '../../errors.js';
import { SCOPE_IDS_SQL } from '../../insight/units/units.js';
import type { LocalChannel, LocalDelivery } from '../local-channel.js';
import { checkValue, deliveryProblem, type LocalChannelPorts, notFound, OUTCOME_CODE, pageSize, priorityOf, report, STAFF_ID } from '../local-delivery.js';
import { taskUnits } from './units.js';

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Where a task may go from each status; done and cancelled are final. */
const NEXT: Record<TaskStatus, readonly TaskStatus[]> = {
  open: ['in_progress', 'done', 'cancelled'],
  in_progress: ['open', 'done', 'cancelled'],
  done: [],
  cancelled: [],
};
const DUE_DAYS = { default: 3, max: 365 } as const;
const DAY_MS = 86_400_000;

export interface TaskView {
  id: number;
  /** The owning unit; null: the whole organisation (no units defined). */
  unit: string | null;
  /** The customer had no known unit; the head office got the task. */
  unitFallback: boolean;
  customer: { dataset: string; customerId: string };
  title: string | null;
  text: string;
  priority: number;
  /** YYYY-MM-DD (UTC). */
  dueOn: string;
  /** Not closed and past its due day. */
  overdue: boolean;
  status: TaskStatus;
  assignee: string | null;
  outcome: string | null;
  value: number | null;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** @public (the API takes it) */
export interface TaskQuery {
  status?: TaskStatus;
  /** Only tasks not closed and past their due day. */
  overdue?: boolean;
  assignee?: string;
  /** Only this unit's scope (within the caller's). */
  unit?: string;
  limit?: number;
  /** The previous page's `nextAfter`. */
  after?: number;
}

export interface TasksApi {
  /** Tasks in the caller's unit scope, soonest due first within each page of ids. */
  list(query: TaskQuery, actor: Actor): { tasks: TaskView[]; nextAfter: number | null };
  get(id: number, actor: Actor): TaskView;
  /** Moves the task on (status) and/or (re)assigns it; `assignee: null` unassigns. */
  update(id: number, input: { status?: TaskStatus; assignee?: string | null }, actor: Actor): TaskView;
  /** Closes the task with its outcome (a short code such as `interested`, `no_answer`, `sold`) and optional deal value. */
  outcome(id: number, input: { outcome: string; value?: number }, actor: Actor): Promise<TaskView>;
}

interface Row {
  id: number;
  key: string;
  unit: string | null;
  unit_fallback: number;
  dataset: string;
  customer_id: string;
  title: string | null;
  body: string;
  priority: number;
  due_on: string;
  status: TaskStatus;
  assignee: string | null;
  outcome: string | null;
  value: number | null;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** @example const tasks = tasksChannel({ db, audit, now, feedback }); tasks.api.list({ overdue: true }, actor) */
export function tasksChannel(ports: LocalChannelPorts): { channel: LocalChannel; api: TasksApi } {
  const { db, audit, now } = ports;
  const unitOf = taskUnits(db);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO reach_tasks (key, unit, unit_fallback, dataset, customer_id, journey_id, journey_version, node_id, title, body, priority, due_on, status, created_at, updated_at, updated_by)
     VALUES (@key, @unit, @fallback, @dataset, @customer, @journey, @version, @node, @title, @body, @priority, @due, 'open', @at, @at, 'system:reach')`,
  );
  const idOfKey = db.prepare('SELECT id FROM reach_tasks WHERE key = ?').pluck();
  const byId = db.prepare('SELECT * FROM reach_tasks WHERE id = ?');

  const view = (r: Row): TaskView => ({
    id: r.id,
    unit: r.unit,
    unitFallback: r.unit_fallback === 1,
    customer: { dataset: r.dataset, customerId: r.customer_id },
    title: r.title,
    text: r.body,
    priority: r.priority,
    dueOn: r.due_on,
    overdue: (r.status === 'open' || r.status === 'in_progress') && r.due_on < day(now()),
    status: r.status,
    assignee: r.assignee,
    outcome: r.outcome,
    value: r.value,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  });
  /** `unit IN (scope)` for a scoped caller, with its parameter; nothing for a whole-organisation one. */
  const scopeOf = (unit: string | undefined) => (unit ? { sql: `unit IN (${SCOPE_IDS_SQL})`, params: [unit] } : null);
  /** The task, if it is in the caller's scope. */
  const find = (id: number, actor: Actor): Row => {
    const scope = scopeOf(actor.unit);
    const r = (scope ? db.prepare(`SELECT * FROM reach_tasks WHERE id = ? AND ${scope.sql}`).get(id, ...scope.params) : byId.get(id)) as Row | undefined;
    if (!r) throw notFound('task', id);
    return r;
  };
  const checkStaff = (field: string, value: string) => {
    if (!STAFF_ID.test(value)) throw new MofangError('REQUEST_INVALID', `${field}: must match ${STAFF_ID.source}`, { field });
  };

  const channel: LocalChannel = {
    channel: 'branch_task',
    deliver(d: LocalDelivery) {
      const existing = idOfKey.get(d.key) as number | undefined;
      if (existing !== undefined) return { status: 'sent', providerId: `task:${existing}` };
      const problem = deliveryProblem(d);
      if (problem) return { status: 'permanent', reason: problem };
      const dueDays = d.params.dueDays ?? DUE_DAYS.default;
      if (typeof dueDays !== 'number' || !Number.isInteger(dueDays) || dueDays < 0 || dueDays > DUE_DAYS.max) {
        return { status: 'permanent', reason: `params.dueDays: an integer from 0 to ${DUE_DAYS.max}` };
      }
      const { unit, fallback } = unitOf(d.customer.dataset, d.customer.customerId);
      insert.run({
        key: d.key,
        unit,
        fallback: fallback ? 1 : 0,
        dataset: d.customer.dataset,
        customer: d.customer.customerId,
        journey: d.journey.id,
        version: d.journey.version,
        node: d.journey.node,
        title: d.subject ?? null,
        body: d.text,
        priority: priorityOf(d.params),
        due: day(new Date(d.at.getTime() + dueDays * DAY_MS)),
        at: d.at.toISOString(),
      });
      return { status: 'sent', providerId: `task:${idOfKey.get(d.key) as number}` };
    },
  };

  const api: TasksApi = {
    list(query, actor) {
      const limit = pageSize(query.limit);
      if (query.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(query.status)) {
        throw new MofangError('REQUEST_INVALID', `status: one of ${TASK_STATUSES.join(', ')}`, { field: 'status' });
      }
      if (query.assignee !== undefined) checkStaff('assignee', query.assignee);
      const where: string[] = [];
      const params: unknown[] = [];
      const and = (sql: string, ...values: unknown[]) => {
        where.push(sql);
        params.push(...values);
      };
      and('id > ?', query.after ?? 0);
      for (const scope of [scopeOf(actor.unit), scopeOf(query.unit)]) if (scope) and(scope.sql, ...scope.params);
      if (query.status) and('status = ?', query.status);
      if (query.assignee) and('assignee = ?', query.assignee);
      if (query.overdue) and(`status IN ('open', 'in_progress') AND due_on < ?`, day(now()));
      const rows = db.prepare(`SELECT * FROM reach_tasks WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...params, limit + 1) as Row[];
      const page = rows.slice(0, limit);
      return { tasks: page.map(view), nextAfter: rows.length > limit ? page[page.length - 1]!.id : null };
    },
    get: (id, actor) => view(find(id, actor)),
    update(id, input, actor) {
      if (input.status === undefined && input.assignee === undefined) {
        throw new MofangError('REQUEST_INVALID', 'status or assignee: give at least one', { field: 'status' });
      }
      if (input.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(input.status)) {
        throw new MofangError('REQUEST_INVALID', `status: one of ${TASK_STATUSES.join(', ')}`, { field: 'status' });
      }
      if (typeof input.assignee === 'string') checkStaff('assignee', input.assignee);
      return db.transaction(() => {
        const r = find(id, actor);
        const status = input.status ?? r.status;
        if (status !== r.status && !NEXT[r.status].includes(status)) {
          throw new MofangError('REACH_ITEM_CONFLICT', `task ${id} is ${r.status}; it cannot become ${status}`, { task: id, status: r.status });
        }
        if (status === r.status && NEXT[r.status].length === 0) {
          throw new MofangError('REACH_ITEM_CONFLICT', `task ${id} is ${r.status}; a closed task does not change`, { task: id, status: r.status });
        }
        const assignee = input.assignee === undefined ? r.assignee : input.assignee;
        const at = now().toISOString();
        db.prepare('UPDATE reach_tasks SET status = ?, assignee = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(status, assignee, at, actor.id, id);
        audit.append({
          actor: actor.id,
          action: 'reach.task.updated',
          subject: String(id),
          details: { key: r.key, from: r.status, status, ...(input.assignee !== undefined ? { assignee } : {}) },
        });
        return view(byId.get(id) as Row);
      })();
    },
    async outcome(id, input, actor) {
      if (!OUTCOME_CODE.test(input.outcome)) {
        throw new MofangError('REQUEST_INVALID', `outcome: a code matching ${OUTCOME_CODE.source} (e.g. interested, no_answer, sold)`, { field: 'outcome' });
      }
      checkValue(input.value);
      const at = now();
      const row = db.transaction(() => {
        const r = find(id, actor);
        // The same outcome again is a retry (its report may have been lost after the commit): report it again.
        if (r.outcome === input.outcome && r.value === (input.value ?? null)) return r;
        if (r.status === 'cancelled' || r.outcome !== null) {
          const state = r.outcome !== null ? `closed with outcome ${r.outcome}` : r.status;
          throw new MofangError('REACH_ITEM_CONFLICT', `task ${id} is ${state}`, { task: id, status: r.status });
        }
        db.prepare(`UPDATE reach_tasks SET status = 'done', outcome = ?, value = ?, updated_at = ?, updated_by = ? WHERE id = ?`).run(
          input.outcome,
          input.value ?? null,
          at.toISOString(),
          actor.id,
          id,
        );
        audit.append({
          actor: actor.id,
          action: 'reach.task.outcome',
          subject: String(id),
          details: { key: r.key, outcome: input.outcome, ...(input.value !== undefined ? { value: input.value } : {}) },
        });
        return byId.get(id) as Row;
      })();
      await report(ports, [{ key: row.key, outcome: 'task_outcome', at, detail: input.outcome, ...(input.value !== undefined ? { value: input.value } : {}) }]);
      return view(row);
    },
  };
  return { channel, api };
}
