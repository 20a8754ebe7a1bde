/**
 * Saved metrics and their alert rules: a metric is an analysis model's named scalar (with the
 * model's parameters) over a window of whole days; its rules are evaluated on their schedule by the
 * node's scheduler, or now on demand. A rule that fires or resolves is recorded, audited and
 * posted to its webhook (webhook.ts); a model that fails (a withheld segment, a busy store) is
 * recorded as an evaluation error and audited, and the scheduler goes on with the next metric.
 *
 * The rule's decision (rules.ts) is taken in one transaction with the re-read rule row, so a
 * scheduled and an on-demand evaluation of the same rule cannot both fire it. Deliveries happen
 * after the commit: an alert is recorded even when its receiver is down, and its body is kept
 * until the delivery ends, so one cut short by a stop is posted again when the node runs again.
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/log.js';
import type { Actor } from '../audit/actor.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { asMofangError, MofangError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../store/db.js';
import { untrustedText } from '../text/untrusted.js';
import { changePercent, checkCondition, holds, RULE_LIMITS, transition, type Condition, type Transition } from './rules.js';
import * as store from './store.js';
import type { AlertEventView, MetricView, MetricWindow, RuleView } from './store.js';
import { checkWebhookUrl, deliver, type DeliveryOutcome, type WebhookConfig } from './webhook.js';

export type { AlertEventView, MetricView, RuleView } from './store.js';

/** Whole days, both inclusive (YYYY-MM-DD in the node's time zone), as the models take them. */
interface Period {
  from: string;
  to: string;
}

/**
 * What alerts ask of the analysis models (node/analytics' `AnalyticsApi.run`): a run of `model`
 * whose parameters include the period's `from` and `to`, with the result's named scalars; it
 * throws the model's coded error (unknown model, a parameter named, a withheld segment).
 */
interface ModelRunner {
  run(model: string, params: unknown, actor: Actor): Promise<{ scalars: Record<string, number> }>;
}

interface MetricInput {
  name: string;
  model: string;
  params: Record<string, unknown>;
  scalar: string;
  /** Default: yesterday (one day, through yesterday). */
  window?: MetricWindow;
  description?: string;
}

export interface RuleInput {
  kind: Condition['kind'];
  direction: Condition['direction'];
  value: number;
  /** Default 60. */
  everyMinutes?: number;
  /** Default 60. */
  cooldownMinutes?: number;
  /** A webhook named in `alerts.webhooks`; absent or null: `alerts.webhook`. */
  webhook?: string | null;
  /** Default true. */
  enabled?: boolean;
}

interface RuleOutcome {
  rule: number;
  holds: boolean;
  transition: Transition;
  /** The alert event recorded, if the rule fired or resolved. */
  event?: number;
}

export interface EvaluationView {
  metric: string;
  version: number;
  period: Period;
  value: number;
  /** The same scalar over the period before (measured when a change rule needs it, or asked for). */
  previous: number | null;
  /** In percent, null when there is no previous value or it was 0. */
  change: number | null;
  rules: RuleOutcome[];
}

/** What the HTTP API and the CLI ask of the alerts domain. */
export interface AlertsApi {
  listMetrics(): MetricView[];
  getMetric(name: string): MetricView;
  /** Saves a new metric after measuring it once (which checks the model, its parameters and the scalar). */
  saveMetric(input: MetricInput, actor: Actor): Promise<MetricView>;
  /** Replaces a metric's definition (a new version), checked the same way. */
  changeMetric(name: string, input: Omit<MetricInput, 'name'>, actor: Actor): Promise<MetricView>;
  /** Deletes a metric and its rules; their alert history stays. */
  deleteMetric(name: string, actor: Actor): void;
  /** Measures the metric now and applies its enabled rules (firing, resolving and posting as a scheduled run would). */
  evaluate(name: string, actor: Actor): Promise<EvaluationView>;
  listRules(metric?: string): RuleView[];
  addRule(metric: string, input: RuleInput, actor: Actor): RuleView;
  changeRule(id: number, input: Partial<RuleInput>, actor: Actor): RuleView;
  removeRule(id: number, actor: Actor): void;
  history(filter: { metric?: string; rule?: number; limit?: number }): AlertEventView[];
}

export interface AlertsService extends AlertsApi {
  /** Evaluates every due rule once; never throws (a failing metric is recorded and skipped). */
  tick(): Promise<{ evaluated: number; failed: number }>;
  /** Runs `tick` every `everyMs` (the node runtime starts it; the timer never keeps the process alive). */
  startScheduler(everyMs?: number): void;
  stopScheduler(): Promise<void>;
}

export interface AlertsPorts {
  db: Db;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
  logger?: Logger;
  /** Named in each webhook body. */
  nodeName: string;
  /** The IANA zone whole days are counted in (`events.timeZone`, as the models count them). */
  timeZone: string;
  models: ModelRunner;
  /** `alerts.webhook` and `alerts.webhooks` from the config. */
  webhooks: { default?: WebhookConfig; named: Record<string, WebhookConfig> };
  userAgent: string;
  /** Waits between delivery attempts (tests pass a quicker one). */
  sleep?: (ms: number) => Promise<void>;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const SCALAR = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;
const MODEL = /^[a-z][a-z0-9_-]{0,63}$/;
const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;
const DESCRIPTION_MAX = 500;
const HISTORY_MAX = 1000;
const SYSTEM: Actor = { id: 'system', role: 'system' };

/** @example const alerts = alertsService({ db, audit, now, nodeName, timeZone: 'UTC', models: analytics, webhooks: { named: {} }, userAgent: 'mofang/0.1.0' }); */
export function alertsService(ports: AlertsPorts): AlertsService {
  const { db, audit, now } = ports;
  checkWebhooks(ports.webhooks);
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;

  const metricOf = (name: string): MetricView => {
    const m = store.findMetric(db, name);
    if (!m) throw new MofangError('METRIC_NOT_FOUND', `no metric named ${JSON.stringify(name)}`, { metric: name });
    return m;
  };
  const ruleOf = (id: number): RuleView => {
    const r = store.findRule(db, id);
    if (!r) throw new MofangError('ALERT_RULE_NOT_FOUND', `no alert rule ${id}`, { rule: id });
    return r;
  };

  localDate(now(), ports.timeZone); // an unknown zone is refused when the node opens, not at the first tick

  /** The scalar over the window's days at `at`, `back` windows before the current one. */
  const measureAt = async (
    m: Pick<MetricView, 'model' | 'params' | 'scalar' | 'window'>,
    at: Date,
    back: number,
    actor: Actor,
  ): Promise<{ value: number; period: Period }> => {
    const last = addDays(localDate(at, ports.timeZone), (m.window.through === 'today' ? 0 : -1) - back * m.window.days);
    const period = { from: addDays(last, 1 - m.window.days), to: last };
    const { scalars } = await ports.models.run(m.model, { ...m.params, ...period }, actor);
    const value = scalars[m.scalar];
    if (value === undefined) {
      const names = Object.keys(scalars).sort();
      throw new MofangError('METRIC_INVALID', `scalar: the ${m.model} result has no scalar ${JSON.stringify(m.scalar)}; it has ${names.join(', ') || 'none'}`, {
        field: 'scalar',
      });
    }
    if (!Number.isFinite(value)) throw new MofangError('METRIC_INVALID', `scalar: ${m.scalar} is not a finite number in this period`, { field: 'scalar' });
    return { value, period };
  };

  const checkedDefinition = async (input: MetricInput, actor: Actor): Promise<store.MetricDefinition> => {
    const bad = (field: string, message: string) => new MofangError('METRIC_INVALID', `${field}: ${message}`, { field });
    if (typeof input.name !== 'string' || !NAME.test(input.name))
      throw bad('name', 'a lower-case name (letters, digits, _ and -, starting with a letter, at most 64)');
    if (typeof input.model !== 'string' || !MODEL.test(input.model)) throw bad('model', 'a model name such as event or funnel');
    if (typeof input.params !== 'object' || input.params === null || Array.isArray(input.params)) throw bad('params', "an object of the model's parameters");
    if (typeof input.scalar !== 'string' || !SCALAR.test(input.scalar)) throw bad('scalar', 'the name of a scalar of the result, such as total');
    for (const key of ['from', 'to']) if (key in input.params) throw bad(`params.${key}`, 'the period is set by the window at each evaluation; leave it out');
    const window: MetricWindow = input.window ?? { days: 1, through: 'yesterday' };
    if (!Number.isInteger(window.days) || window.days < 1 || window.days > MAX_WINDOW_DAYS)
      throw bad('window.days', `a whole number of days from 1 to ${MAX_WINDOW_DAYS}`);
    if (!(store.WINDOW_THROUGH as readonly string[]).includes(window.through)) throw bad('window.through', `must be one of ${store.WINDOW_THROUGH.join(', ')}`);
    const description = input.description ?? '';
    if (typeof description !== 'string' || description.length > DESCRIPTION_MAX) throw bad('description', `text of at most ${DESCRIPTION_MAX} characters`);
    const definition = { name: input.name, model: input.model, params: input.params, scalar: input.scalar, window, description };
    await measureAt(definition, now(), 0, actor); // the model's own errors name its parameter
    return definition;
  };

  /** What the audit log keeps of a definition: no parameter values (a filter may quote a customer attribute), only their digest. */
  const auditedDefinition = (m: store.MetricDefinition, version: number) => ({
    version,
    model: m.model,
    scalar: m.scalar,
    window: `${m.window.days} days through ${m.window.through}`,
    paramsDigest: createHash('sha256').update(canonicalJson(m.params)).digest('hex'),
  });

  const webhookFor = (name: string | null): WebhookConfig | undefined => (name === null ? ports.webhooks.default : ports.webhooks.named[name]);

  const checkedRule = (input: RuleInput, metric: string): store.RuleDefinition => {
    const bad = (field: string, message: string) => new MofangError('ALERT_RULE_INVALID', `${field}: ${message}`, { field });
    const condition = checkCondition({ kind: input.kind, direction: input.direction, value: input.value });
    const everyMinutes = input.everyMinutes ?? 60;
    const cooldownMinutes = input.cooldownMinutes ?? 60;
    if (!Number.isInteger(everyMinutes) || everyMinutes < 1 || everyMinutes > RULE_LIMITS.everyMinutes) {
      throw bad('everyMinutes', `a whole number of minutes from 1 to ${RULE_LIMITS.everyMinutes}`);
    }
    if (!Number.isInteger(cooldownMinutes) || cooldownMinutes < 0 || cooldownMinutes > RULE_LIMITS.cooldownMinutes) {
      throw bad('cooldownMinutes', `a whole number of minutes from 0 to ${RULE_LIMITS.cooldownMinutes}`);
    }
    const webhook = input.webhook ?? null;
    if (webhook !== null && !ports.webhooks.named[webhook]) {
      const known = Object.keys(ports.webhooks.named);
      throw bad('webhook', `no webhook ${JSON.stringify(webhook)} in alerts.webhooks (configured: ${known.join(', ') || 'none'})`);
    }
    return { metric, ...condition, everyMinutes, cooldownMinutes, webhook, enabled: input.enabled ?? true };
  };

  const auditedRule = (r: store.RuleDefinition) => ({
    metric: r.metric,
    kind: r.kind,
    direction: r.direction,
    threshold: r.value,
    everyMinutes: r.everyMinutes,
    cooldownMinutes: r.cooldownMinutes,
    webhook: r.webhook ?? 'default',
    enabled: r.enabled,
  });

  interface Measured {
    value: number;
    previous: number | null;
    period: Period;
  }

  /**
   * Applies each rule to the measurement (or records the failure), in one transaction that
   * re-reads the rules; returns the outcomes and the events to post.
   */
  const applyRules = (metric: MetricView, ruleIds: number[], result: Measured | MofangError, at: Date) => {
    const atIso = at.toISOString();
    return db
      .transaction(() => {
        const outcomes: RuleOutcome[] = [];
        const toPost: store.PendingDelivery[] = [];
        for (const id of ruleIds) {
          const rule = store.findRule(db, id);
          if (!rule?.enabled) continue;
          const nextAt = new Date(at.getTime() + rule.everyMinutes * 60_000).toISOString();
          if (result instanceof MofangError) {
            const error = untrustedText(result.message, 500);
            store.insertEvent(db, {
              rule: id,
              metric: metric.name,
              kind: 'error',
              value: null,
              previous: null,
              at: atIso,
              errorCode: result.code,
              error,
              delivery: 'none',
            });
            store.recordEvaluation(db, id, { state: rule.state, firedAt: null, evaluatedAt: atIso, nextAt, error: `${result.code}: ${error}` });
            audit.append({ actor: SYSTEM.id, action: 'alert.evaluation_failed', subject: metric.name, details: { rule: id, code: result.code } });
            outcomes.push({ rule: id, holds: false, transition: 'none' });
            continue;
          }
          const conditionHolds = holds(rule, result.value, result.previous);
          const step = transition(rule, conditionHolds, at);
          let event: number | undefined;
          if (step !== 'none') {
            const kind = step === 'fire' ? 'fired' : 'resolved';
            const delivery = webhookFor(rule.webhook) ? 'pending' : 'none';
            event = store.insertEvent(db, {
              rule: id,
              metric: metric.name,
              kind,
              value: result.value,
              previous: result.previous,
              at: atIso,
              errorCode: null,
              error: null,
              delivery,
            });
            audit.append({ actor: SYSTEM.id, action: `alert.${kind}`, subject: metric.name, details: { rule: id, event, version: metric.version } });
            if (delivery === 'pending') {
              const body = webhookBody(metric, result, rule, kind, event, at);
              store.setPendingBody(db, event, body, rule.webhook);
              toPost.push({ id: event, metric: metric.name, body, webhook: rule.webhook });
            }
          }
          const state = step === 'fire' ? 'firing' : step === 'resolve' ? 'ok' : rule.state;
          store.recordEvaluation(db, id, { state, firedAt: step === 'fire' ? atIso : null, evaluatedAt: atIso, nextAt, error: null });
          outcomes.push({ rule: id, holds: conditionHolds, transition: step, ...(event !== undefined ? { event } : {}) });
        }
        return { outcomes, toPost };
      })
      .immediate();
  };

  /** The webhook's JSON body for an alert event (no customer data: the metric, the rule, the values). */
  const webhookBody = (metric: MetricView, measured: Measured, rule: RuleView, kind: 'fired' | 'resolved', event: number, at: Date) => {
    const change = measured.previous === null ? null : changePercent(measured.value, measured.previous);
    return JSON.stringify({
      id: event,
      status: kind,
      node: ports.nodeName,
      metric: { name: metric.name, version: metric.version, model: metric.model, scalar: metric.scalar, window: metric.window },
      rule: { id: rule.id, kind: rule.kind, direction: rule.direction, value: rule.value },
      value: measured.value,
      previous: measured.previous,
      change: change !== null && Number.isFinite(change) ? change : null,
      period: measured.period,
      firedAt: kind === 'fired' ? at.toISOString() : rule.lastFiredAt,
      ...(kind === 'resolved' ? { resolvedAt: at.toISOString() } : {}),
    });
  };

  /** Deliveries this process is posting now: a tick does not post them a second time. */
  const posting = new Set<number>();

  const post = async (d: store.PendingDelivery) => {
    if (posting.has(d.id)) return;
    posting.add(d.id);
    try {
      const webhook = webhookFor(d.webhook);
      let outcome: DeliveryOutcome;
      if (!webhook) {
        outcome = { outcome: 'failed', attempts: 0, httpStatus: null, detail: `the webhook ${d.webhook ?? '(default)'} is no longer configured` };
      } else {
        try {
          outcome = await deliver(webhook, d.body, String(d.id), { userAgent: ports.userAgent, ...(ports.sleep ? { sleep: ports.sleep } : {}) });
        } catch (err) {
          outcome = { outcome: 'failed', attempts: 0, httpStatus: null, detail: untrustedText(asMofangError(err).message) };
        }
      }
      const recorded = db
        .transaction(() => {
          if (!store.recordDelivery(db, d.id, { delivery: outcome.outcome, ...outcome })) return false;
          audit.append({
            actor: SYSTEM.id,
            action: outcome.outcome === 'delivered' ? 'alert.delivered' : 'alert.delivery_failed',
            subject: d.metric,
            details: { event: d.id, attempts: outcome.attempts, httpStatus: outcome.httpStatus },
          });
          return true;
        })
        .immediate();
      if (recorded && outcome.outcome === 'failed')
        ports.logger?.warn({ metric: d.metric, event: d.id, attempts: outcome.attempts }, 'alert webhook delivery failed');
    } finally {
      posting.delete(d.id);
    }
  };

  /** Posts the deliveries a stopped node left pending (and any not being posted now). */
  const redeliver = async () => {
    for (const d of store.pendingDeliveries(db)) await post(d);
  };

  /** Measures `metric` (and the period before, when asked), applies `rules`, posts what fired or resolved. */
  const evaluateRules = async (metric: MetricView, rules: RuleView[], actor: Actor, wantPrevious: boolean): Promise<EvaluationView> => {
    const at = now();
    let measured: Measured;
    try {
      const current = await measureAt(metric, at, 0, actor);
      const needPrevious = wantPrevious || rules.some((r) => r.kind === 'change');
      const before = needPrevious ? await measureAt(metric, at, 1, actor) : null;
      measured = { value: current.value, previous: before?.value ?? null, period: current.period };
    } catch (err) {
      const e = asMofangError(err);
      applyRules(
        metric,
        rules.map((r) => r.id),
        e,
        at,
      );
      throw e;
    }
    const { outcomes, toPost } = applyRules(
      metric,
      rules.map((r) => r.id),
      measured,
      at,
    );
    for (const item of toPost) await post(item);
    const change = measured.previous === null ? null : changePercent(measured.value, measured.previous);
    return {
      metric: metric.name,
      version: metric.version,
      period: measured.period,
      value: measured.value,
      previous: measured.previous,
      change: change !== null && Number.isFinite(change) ? change : null,
      rules: outcomes,
    };
  };

  const service: AlertsService = {
    listMetrics: () => store.listMetrics(db),
    getMetric: metricOf,

    async saveMetric(input, actor) {
      const definition = await checkedDefinition(input, actor);
      return db
        .transaction(() => {
          if (store.findMetric(db, definition.name)) {
            throw new MofangError('METRIC_EXISTS', `a metric named ${definition.name} exists; change it instead`, { metric: definition.name });
          }
          const version = store.writeMetric(db, definition, actor.id, now().toISOString());
          audit.append({ actor: actor.id, action: 'metric.saved', subject: definition.name, details: auditedDefinition(definition, version) });
          return metricOf(definition.name);
        })
        .immediate();
    },

    async changeMetric(name, input, actor) {
      metricOf(name);
      const definition = await checkedDefinition({ ...input, name }, actor);
      return db
        .transaction(() => {
          metricOf(name); // deleted while it was being measured
          const version = store.writeMetric(db, definition, actor.id, now().toISOString());
          audit.append({ actor: actor.id, action: 'metric.changed', subject: name, details: auditedDefinition(definition, version) });
          return metricOf(name);
        })
        .immediate();
    },

    deleteMetric(name, actor) {
      db.transaction(() => {
        const m = metricOf(name);
        const rules = store.listRules(db, name);
        store.deleteMetric(db, name);
        for (const r of rules) audit.append({ actor: actor.id, action: 'alert_rule.removed', subject: name, details: { rule: r.id, with: 'metric' } });
        audit.append({ actor: actor.id, action: 'metric.deleted', subject: name, details: { version: m.version, rules: rules.length } });
      }).immediate();
    },

    async evaluate(name, actor) {
      const metric = metricOf(name);
      return evaluateRules(
        metric,
        store.listRules(db, name).filter((r) => r.enabled),
        actor,
        true,
      );
    },

    listRules: (metric) => {
      if (metric !== undefined) metricOf(metric);
      return store.listRules(db, metric);
    },

    addRule(metric, input, actor) {
      return db
        .transaction(() => {
          metricOf(metric);
          const rule = checkedRule(input, metric);
          const id = store.insertRule(db, rule, actor.id, now().toISOString());
          audit.append({ actor: actor.id, action: 'alert_rule.added', subject: metric, details: { rule: id, ...auditedRule(rule) } });
          return ruleOf(id);
        })
        .immediate();
    },

    changeRule(id, input, actor) {
      return db
        .transaction(() => {
          const current = ruleOf(id);
          const rule = checkedRule({ ...current, ...input }, current.metric);
          store.updateRule(db, id, rule, now().toISOString());
          audit.append({ actor: actor.id, action: 'alert_rule.changed', subject: current.metric, details: { rule: id, ...auditedRule(rule) } });
          return ruleOf(id);
        })
        .immediate();
    },

    removeRule(id, actor) {
      db.transaction(() => {
        const rule = ruleOf(id);
        store.deleteRule(db, id);
        audit.append({ actor: actor.id, action: 'alert_rule.removed', subject: rule.metric, details: { rule: id } });
      }).immediate();
    },

    // The history outlives deleted metrics and rules, so an unknown name is an empty list, not an error.
    history: (filter) => store.listEvents(db, { ...filter, limit: Math.max(1, Math.min(filter.limit ?? 100, HISTORY_MAX)) }),

    async tick() {
      await redeliver();
      let evaluated = 0;
      let failed = 0;
      for (const [name, rules] of store.dueRules(db, now().toISOString())) {
        const metric = store.findMetric(db, name);
        if (!metric) continue;
        try {
          await evaluateRules(metric, rules, SYSTEM, false);
          evaluated++;
        } catch (err) {
          failed++;
          ports.logger?.warn({ metric: name, code: asMofangError(err).code }, 'scheduled metric evaluation failed');
        }
      }
      return { evaluated, failed };
    },

    startScheduler(everyMs = 60_000) {
      if (timer) return;
      const run = (work: () => Promise<unknown>) => {
        if (ticking) return;
        ticking = work()
          .catch((err: unknown) => ports.logger?.error({ err: asMofangError(err).message }, 'alert scheduler tick failed'))
          .finally(() => (ticking = null));
      };
      // What a stopped node left undelivered goes out now, not a tick later.
      run(redeliver);
      timer = setInterval(() => run(() => service.tick()), everyMs);
      timer.unref();
    },

    async stopScheduler() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
    },
  };
  return service;
}

/** The calendar date of `at` in `timeZone`, YYYY-MM-DD. */
function localDate(at: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  } catch {
    throw new MofangError('CONFIG_INVALID', `events.timeZone: "${timeZone}" is not an IANA time zone`, { field: 'events.timeZone' });
  }
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Each configured webhook's URL, checked before the node runs (config keys named). */
function checkWebhooks(webhooks: AlertsPorts['webhooks']): void {
  if (webhooks.default) checkWebhookUrl(webhooks.default.url, 'alerts.webhook.url');
  for (const [name, w] of Object.entries(webhooks.named)) checkWebhookUrl(w.url, `alerts.webhooks.${name}.url`);
}
