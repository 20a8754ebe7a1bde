/**
 * SQL over the alerts tables (schema.ts): metrics, rules and the alert history. Plain reads and
 * writes; the rules of what may change, and the audit entries, are the service's (service.ts).
 */
import type { Db } from '../store/db.js';
import type { Direction, RuleKind, RuleState } from './rules.js';

export const WINDOW_THROUGH = ['today', 'yesterday'] as const;

/**
 * The period a metric is measured over: `days` whole days in the node's time zone, ending today
 * (so far) or yesterday (the last complete day). The previous period is the `days` days before.
 */
export interface MetricWindow {
  days: number;
  through: (typeof WINDOW_THROUGH)[number];
}

export interface MetricView {
  name: string;
  version: number;
  model: string;
  params: Record<string, unknown>;
  scalar: string;
  window: MetricWindow;
  description: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

export interface RuleView {
  id: number;
  metric: string;
  kind: RuleKind;
  direction: Direction;
  value: number;
  everyMinutes: number;
  cooldownMinutes: number;
  /** A webhook named in the config; null: the default one (`alerts.webhook`). */
  webhook: string | null;
  enabled: boolean;
  state: RuleState;
  nextAt: string;
  lastFiredAt: string | null;
  lastEvaluatedAt: string | null;
  /** The code and message of the last evaluation, when it failed. */
  lastError: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

type AlertEventKind = 'fired' | 'resolved' | 'error';
export type DeliveryState = 'none' | 'pending' | 'delivered' | 'failed';

export interface AlertEventView {
  id: number;
  rule: number;
  metric: string;
  kind: AlertEventKind;
  value: number | null;
  previous: number | null;
  at: string;
  errorCode: string | null;
  error: string | null;
  delivery: DeliveryState;
  attempts: number;
  httpStatus: number | null;
  /** The receiver's reply (filtered) or why the delivery failed. */
  detail: string | null;
}

interface MetricRow {
  name: string;
  version: number;
  model: string;
  params: string;
  scalar: string;
  window_days: number;
  window_through: MetricWindow['through'];
  description: string;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

const metricView = (r: MetricRow): MetricView => ({
  name: r.name,
  version: r.version,
  model: r.model,
  params: JSON.parse(r.params) as Record<string, unknown>,
  scalar: r.scalar,
  window: { days: r.window_days, through: r.window_through },
  description: r.description,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

export function listMetrics(db: Db): MetricView[] {
  return (db.prepare('SELECT * FROM alert_metrics ORDER BY name').all() as MetricRow[]).map(metricView);
}

export function findMetric(db: Db, name: string): MetricView | null {
  const row = db.prepare('SELECT * FROM alert_metrics WHERE name = ?').get(name) as MetricRow | undefined;
  return row ? metricView(row) : null;
}

export type MetricDefinition = Pick<MetricView, 'name' | 'model' | 'params' | 'scalar' | 'window' | 'description'>;

/** Inserts a new metric (version 1) or replaces one's definition (version + 1); returns the version. */
export function writeMetric(db: Db, m: MetricDefinition, actor: string, at: string): number {
  const existing = findMetric(db, m.name);
  const fields = [m.model, JSON.stringify(m.params), m.scalar, m.window.days, m.window.through, m.description, actor, at];
  if (!existing) {
    db.prepare(
      `INSERT INTO alert_metrics (name, version, model, params, scalar, window_days, window_through, description, updated_by, updated_at, created_by, created_at)
       VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(m.name, ...fields, actor, at);
    return 1;
  }
  db.prepare(
    `UPDATE alert_metrics SET version = version + 1, model = ?, params = ?, scalar = ?, window_days = ?, window_through = ?, description = ?,
       updated_by = ?, updated_at = ? WHERE name = ?`,
  ).run(...fields, m.name);
  return existing.version + 1;
}

export function deleteMetric(db: Db, name: string): void {
  db.prepare('DELETE FROM alert_rules WHERE metric = ?').run(name);
  db.prepare('DELETE FROM alert_metrics WHERE name = ?').run(name);
}

interface RuleRow {
  id: number;
  metric: string;
  kind: RuleKind;
  direction: Direction;
  value: number;
  every_minutes: number;
  cooldown_minutes: number;
  webhook: string | null;
  enabled: number;
  state: RuleState;
  next_at: string;
  last_fired_at: string | null;
  last_evaluated_at: string | null;
  last_error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const ruleView = (r: RuleRow): RuleView => ({
  id: r.id,
  metric: r.metric,
  kind: r.kind,
  direction: r.direction,
  value: r.value,
  everyMinutes: r.every_minutes,
  cooldownMinutes: r.cooldown_minutes,
  webhook: r.webhook,
  enabled: r.enabled === 1,
  state: r.state,
  nextAt: r.next_at,
  lastFiredAt: r.last_fired_at,
  lastEvaluatedAt: r.last_evaluated_at,
  lastError: r.last_error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function listRules(db: Db, metric?: string): RuleView[] {
  const rows = metric
    ? db.prepare('SELECT * FROM alert_rules WHERE metric = ? ORDER BY id').all(metric)
    : db.prepare('SELECT * FROM alert_rules ORDER BY metric, id').all();
  return (rows as RuleRow[]).map(ruleView);
}

export function findRule(db: Db, id: number): RuleView | null {
  const row = db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as RuleRow | undefined;
  return row ? ruleView(row) : null;
}

export type RuleDefinition = Pick<RuleView, 'metric' | 'kind' | 'direction' | 'value' | 'everyMinutes' | 'cooldownMinutes' | 'webhook' | 'enabled'>;

/** A new rule, first evaluated at `at` (the next scheduler tick). */
export function insertRule(db: Db, r: RuleDefinition, actor: string, at: string): number {
  const info = db
    .prepare(
      `INSERT INTO alert_rules (metric, kind, direction, value, every_minutes, cooldown_minutes, webhook, enabled, state, next_at, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?)`,
    )
    .run(r.metric, r.kind, r.direction, r.value, r.everyMinutes, r.cooldownMinutes, r.webhook, r.enabled ? 1 : 0, at, actor, at, at);
  return Number(info.lastInsertRowid);
}

/** Replaces a rule's definition; a rule switched on is evaluated at the next tick. */
export function updateRule(db: Db, id: number, r: RuleDefinition, at: string): void {
  db.prepare(
    `UPDATE alert_rules SET kind = ?, direction = ?, value = ?, every_minutes = ?, cooldown_minutes = ?, webhook = ?, enabled = ?,
       next_at = CASE WHEN enabled = 0 AND ? = 1 THEN ? ELSE next_at END, updated_at = ? WHERE id = ?`,
  ).run(r.kind, r.direction, r.value, r.everyMinutes, r.cooldownMinutes, r.webhook, r.enabled ? 1 : 0, r.enabled ? 1 : 0, at, at, id);
}

export function deleteRule(db: Db, id: number): void {
  db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id);
}

/** Enabled rules due at `now`, by metric, so each metric is measured once per tick. */
export function dueRules(db: Db, now: string): Map<string, RuleView[]> {
  const byMetric = new Map<string, RuleView[]>();
  const rows = db.prepare('SELECT * FROM alert_rules WHERE enabled = 1 AND next_at <= ? ORDER BY metric, id').all(now) as RuleRow[];
  for (const r of rows) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), ruleView(r)]);
  return byMetric;
}

/** After an evaluation: the rule's new state, when it next runs, and the error if it failed. */
export function recordEvaluation(
  db: Db,
  id: number,
  e: { state: RuleState; firedAt: string | null; evaluatedAt: string; nextAt: string; error: string | null },
): void {
  db.prepare(
    `UPDATE alert_rules SET state = ?, last_fired_at = COALESCE(?, last_fired_at), last_evaluated_at = ?, next_at = ?, last_error = ? WHERE id = ?`,
  ).run(e.state, e.firedAt, e.evaluatedAt, e.nextAt, e.error, id);
}

export function insertEvent(
  db: Db,
  e: Pick<AlertEventView, 'rule' | 'metric' | 'kind' | 'value' | 'previous' | 'at' | 'errorCode' | 'error' | 'delivery'>,
): number {
  const info = db
    .prepare('INSERT INTO alert_events (rule, metric, kind, value, previous, at, error_code, error, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(e.rule, e.metric, e.kind, e.value, e.previous, e.at, e.errorCode, e.error, e.delivery);
  return Number(info.lastInsertRowid);
}

/** The body of a pending delivery, and where it goes (null: the default webhook). */
export function setPendingBody(db: Db, id: number, body: string, webhook: string | null): void {
  db.prepare(`UPDATE alert_events SET body = ?, webhook = ? WHERE id = ? AND delivery = 'pending'`).run(body, webhook, id);
}

export interface PendingDelivery {
  id: number;
  metric: string;
  body: string;
  webhook: string | null;
}

/** Deliveries still pending, oldest first: after a stop, they are posted again. */
export function pendingDeliveries(db: Db): PendingDelivery[] {
  return db
    .prepare(`SELECT id, metric, body, webhook FROM alert_events WHERE delivery = 'pending' AND body IS NOT NULL ORDER BY id`)
    .all() as PendingDelivery[];
}

/**
 * Ends a pending delivery; false when it had ended already (a delivery posted again after a
 * restart, while the first attempt of a process that was stopped still reports back).
 */
export function recordDelivery(db: Db, id: number, d: { delivery: DeliveryState; attempts: number; httpStatus: number | null; detail: string }): boolean {
  const info = db
    .prepare(`UPDATE alert_events SET delivery = ?, attempts = ?, http_status = ?, detail = ?, body = NULL WHERE id = ? AND delivery = 'pending'`)
    .run(d.delivery, d.attempts, d.httpStatus, d.detail, id);
  return info.changes === 1;
}

interface EventRow {
  id: number;
  rule: number;
  metric: string;
  kind: AlertEventKind;
  value: number | null;
  previous: number | null;
  at: string;
  error_code: string | null;
  error: string | null;
  delivery: DeliveryState;
  attempts: number;
  http_status: number | null;
  detail: string | null;
}

/** Newest first; `metric` and `rule` narrow it. */
export function listEvents(db: Db, filter: { metric?: string; rule?: number; limit: number }): AlertEventView[] {
  const rows = db
    .prepare(`SELECT * FROM alert_events WHERE (? IS NULL OR metric = ?) AND (? IS NULL OR rule = ?) ORDER BY id DESC LIMIT ?`)
    .all(filter.metric ?? null, filter.metric ?? null, filter.rule ?? null, filter.rule ?? null, filter.limit) as EventRow[];
  return rows.map((r) => ({
    id: r.id,
    rule: r.rule,
    metric: r.metric,
    kind: r.kind,
    value: r.value,
    previous: r.previous,
    at: r.at,
    errorCode: r.error_code,
    error: r.error,
    delivery: r.delivery,
    attempts: r.attempts,
    httpStatus: r.http_status,
    detail: r.detail,
  }));
}
