/**
 * Metrics and alert rules end to end on one node's real parts: events written into the DuckDB
 * event store, the event analysis model through the pipeline wiring, the SQLite tables and the
 * signed audit log, and webhooks posted to a real HTTP server that verifies their signature.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertsService, type AlertsService } from '../node/alerts/service.js';
import type { Actor } from '../node/audit/actor.js';
import { alertsFixture, type AlertsFixture } from './support/alerts-fixture.js';
import { storeAgreement } from './support/stored-agreement.js';

const operator: Actor = { id: 'token:ops-1', role: 'operator' };
let t: AlertsFixture;
let alerts: AlertsService;
const at = (iso: string) => t.at(iso);
const track = (name: string, day: string, n: number) => t.track(name, day, n);
const posted = () => t.posted();
const actions = (prefix: string) => t.audited(prefix);
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 20));
};

beforeAll(async () => {
  t = await alertsFixture();
  alerts = t.alerts;
});
afterAll(() => t.close());
beforeEach(() => {
  t.receiver.received.length = 0;
  t.receiver.replies.length = 0;
});
// Each test starts without metrics (and so without rules), whatever the last one left.
afterEach(() => {
  for (const m of alerts.listMetrics()) alerts.deleteMetric(m.name, operator);
});

describe('saved metrics', () => {
  it('saves a model scalar after measuring it, versions and audits changes, and deletes with its rules', async () => {
    at('2026-03-01T12:00:00Z');
    const m = await alerts.saveMetric({ name: 'logins', model: 'event', params: { event: 'login' }, scalar: 'total' }, operator);
    expect(m).toMatchObject({ name: 'logins', version: 1, window: { days: 1, through: 'yesterday' }, createdBy: 'token:ops-1' });
    await expect(alerts.saveMetric({ name: 'logins', model: 'event', params: { event: 'login' }, scalar: 'total' }, operator)).rejects.toMatchObject({
      code: 'METRIC_EXISTS',
    });
    const changed = await alerts.changeMetric(
      'logins',
      { model: 'event', params: { event: 'login' }, scalar: 'customers', window: { days: 7, through: 'today' } },
      operator,
    );
    expect(changed).toMatchObject({ version: 2, scalar: 'customers', window: { days: 7, through: 'today' } });
    const rule = alerts.addRule('logins', { kind: 'threshold', direction: 'above', value: 1 }, operator);
    alerts.deleteMetric('logins', operator);
    expect(() => alerts.getMetric('logins')).toThrow(expect.objectContaining({ code: 'METRIC_NOT_FOUND' }));
    expect(alerts.listRules().some((r) => r.id === rule.id)).toBe(false);
    const entries = actions('metric.').filter((e) => e.subject === 'logins');
    expect(entries.map((e) => [e.action, e.details.version])).toEqual([
      ['metric.saved', 1],
      ['metric.changed', 2],
      ['metric.deleted', 2],
    ]);
    expect(entries[0].details).toMatchObject({ model: 'event', scalar: 'total', paramsDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(entries)).not.toContain('"login"');
    expect(
      actions('alert_rule.')
        .filter((e) => e.subject === 'logins')
        .map((e) => e.action),
    ).toEqual(['alert_rule.added', 'alert_rule.removed']);
  });

  it('refuses an unknown model, a bad parameter, a scalar the result lacks and a window it cannot take, naming the field', async () => {
    const save = (over: Record<string, unknown>) =>
      alerts.saveMetric(
        { name: 'bad', model: 'event', params: { event: 'login' }, scalar: 'total', ...over } as Parameters<AlertsService['saveMetric']>[0],
        operator,
      );
    await expect(save({ model: 'horoscope' })).rejects.toMatchObject({ code: 'ANALYTICS_MODEL_UNKNOWN' });
    await expect(save({ params: { event: 'login', granularity: 'fortnight' } })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID' });
    await expect(save({ scalar: 'revenue' })).rejects.toMatchObject({
      code: 'METRIC_INVALID',
      details: { field: 'scalar' },
      message: expect.stringMatching(/it has .*total/),
    });
    await expect(save({ params: { event: 'login', from: '2026-01-01' } })).rejects.toMatchObject({ code: 'METRIC_INVALID', details: { field: 'params.from' } });
    await expect(save({ window: { days: 0, through: 'today' } })).rejects.toMatchObject({ code: 'METRIC_INVALID', details: { field: 'window.days' } });
    await expect(save({ name: 'Bad Name' })).rejects.toMatchObject({ code: 'METRIC_INVALID', details: { field: 'name' } });
    expect(alerts.listMetrics().map((m) => m.name)).not.toContain('bad');
  });
});

describe('alert rules', () => {
  it('refuses a bad threshold, schedule or webhook, naming the field', async () => {
    await alerts.saveMetric({ name: 'rules-check', model: 'event', params: { event: 'x' }, scalar: 'total' }, operator);
    const add = (over: Record<string, unknown>) => () => alerts.addRule('rules-check', { kind: 'threshold', direction: 'above', value: 1, ...over }, operator);
    expect(add({ value: Number.NaN })).toThrow(expect.objectContaining({ code: 'ALERT_RULE_INVALID', details: { field: 'value' } }));
    expect(add({ kind: 'change', value: -10 })).toThrow(expect.objectContaining({ code: 'ALERT_RULE_INVALID', details: { field: 'value' } }));
    expect(add({ direction: 'either' })).toThrow(expect.objectContaining({ code: 'ALERT_RULE_INVALID', details: { field: 'direction' } }));
    expect(add({ everyMinutes: 0 })).toThrow(expect.objectContaining({ code: 'ALERT_RULE_INVALID', details: { field: 'everyMinutes' } }));
    expect(add({ webhook: 'nowhere' })).toThrow(expect.objectContaining({ code: 'ALERT_RULE_INVALID', details: { field: 'webhook' } }));
    expect(() => alerts.addRule('no-such-metric', { kind: 'threshold', direction: 'above', value: 1 }, operator)).toThrow(
      expect.objectContaining({ code: 'METRIC_NOT_FOUND' }),
    );
    expect(alerts.listRules('rules-check')).toEqual([]);
  });

  it('a threshold rule fires on real events, posts a signed webhook, then resolves when the value falls back', async () => {
    at('2026-04-02T12:00:00Z');
    await track('signup', '2026-04-01', 5);
    await alerts.saveMetric({ name: 'signups', model: 'event', params: { event: 'signup' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('signups', { kind: 'threshold', direction: 'above', value: 3, everyMinutes: 60, cooldownMinutes: 120 }, operator);
    expect(await alerts.tick()).toEqual({ evaluated: 1, failed: 0 });
    const [fired] = alerts.history({ rule: rule.id });
    expect(fired).toMatchObject({ kind: 'fired', value: 5, delivery: 'delivered', attempts: 1, httpStatus: 200 });
    expect(posted()).toEqual([
      expect.objectContaining({
        verified: true,
        id: fired.id,
        status: 'fired',
        node: 'bank',
        metric: expect.objectContaining({ name: 'signups', version: 1, model: 'event', scalar: 'total' }),
        rule: { id: rule.id, kind: 'threshold', direction: 'above', value: 3 },
        value: 5,
        period: { from: '2026-04-01', to: '2026-04-01' },
        firedAt: '2026-04-02T12:00:00.000Z',
      }),
    ]);
    expect(alerts.listRules('signups')[0]).toMatchObject({ state: 'firing', lastFiredAt: '2026-04-02T12:00:00.000Z' });

    // Not due again for an hour: a tick in between evaluates nothing.
    at('2026-04-02T12:30:00Z');
    expect(await alerts.tick()).toEqual({ evaluated: 0, failed: 0 });

    // The next day had no signups: the value (0) no longer holds, and the alert resolves.
    at('2026-04-03T12:00:00Z');
    await alerts.tick();
    expect(alerts.history({ rule: rule.id }).map((e) => [e.kind, e.value])).toEqual([
      ['resolved', 0],
      ['fired', 5],
    ]);
    expect(posted().map((p) => [p.status, p.verified, p.firedAt])).toEqual([
      ['fired', true, '2026-04-02T12:00:00.000Z'],
      ['resolved', true, '2026-04-02T12:00:00.000Z'],
    ]);
    expect(alerts.listRules('signups')[0].state).toBe('ok');
    expect(
      actions('alert.')
        .filter((e) => e.subject === 'signups')
        .map((e) => e.action),
    ).toEqual(['alert.fired', 'alert.delivered', 'alert.resolved', 'alert.delivered']);
  });

  it('a condition that keeps holding fires again only after the cool-down', async () => {
    at('2026-05-02T08:00:00Z');
    await track('purchase', '2026-05-01', 4);
    await alerts.saveMetric({ name: 'purchases', model: 'event', params: { event: 'purchase' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('purchases', { kind: 'threshold', direction: 'above', value: 1, everyMinutes: 30, cooldownMinutes: 90 }, operator);
    const kinds = () => alerts.history({ rule: rule.id }).map((e) => `${e.kind}@${e.at.slice(11, 16)}`);
    for (const time of ['08:00', '08:30', '09:00', '09:30']) {
      at(`2026-05-02T${time}:00Z`);
      await alerts.tick();
    }
    expect(kinds()).toEqual(['fired@09:30', 'fired@08:00']);
    expect(posted().map((p) => p.status)).toEqual(['fired', 'fired']);
  });

  it('a change rule compares with the previous period and records both values', async () => {
    at('2026-06-03T12:00:00Z');
    await track('deposit', '2026-06-01', 10);
    await track('deposit', '2026-06-02', 4);
    await alerts.saveMetric({ name: 'deposits', model: 'event', params: { event: 'deposit' }, scalar: 'total' }, operator);
    const drop = alerts.addRule('deposits', { kind: 'change', direction: 'below', value: 50 }, operator);
    const rise = alerts.addRule('deposits', { kind: 'change', direction: 'above', value: 10 }, operator);
    const swing = alerts.addRule('deposits', { kind: 'change', direction: 'either', value: 70 }, operator);
    const view = await alerts.evaluate('deposits', operator);
    expect(view).toMatchObject({ value: 4, previous: 10, change: -60, period: { from: '2026-06-02', to: '2026-06-02' } });
    expect(view.rules.map((r) => [r.rule, r.holds, r.transition])).toEqual([
      [drop.id, true, 'fire'],
      [rise.id, false, 'none'],
      [swing.id, false, 'none'],
    ]);
    expect(alerts.history({ metric: 'deposits' })).toEqual([expect.objectContaining({ rule: drop.id, kind: 'fired', value: 4, previous: 10 })]);
    expect(posted()).toEqual([expect.objectContaining({ verified: true, status: 'fired', value: 4, previous: 10, change: -60 })]);
  });

  it('a rule switched off is not evaluated', async () => {
    at('2026-06-10T12:00:00Z');
    await track('refund', '2026-06-09', 3);
    await alerts.saveMetric({ name: 'refunds', model: 'event', params: { event: 'refund' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('refunds', { kind: 'threshold', direction: 'above', value: 0, enabled: false }, operator);
    expect(await alerts.tick()).toEqual({ evaluated: 0, failed: 0 });
    expect(alerts.changeRule(rule.id, { enabled: true }, operator).enabled).toBe(true);
    await alerts.tick();
    expect(alerts.history({ rule: rule.id }).map((e) => e.kind)).toEqual(['fired']);
  });
});

describe('webhook delivery from an alert', () => {
  it('retries after 500s, then gives up after the configured retries and records it', async () => {
    at('2026-07-02T12:00:00Z');
    await track('churn', '2026-07-01', 2);
    await alerts.saveMetric({ name: 'churns', model: 'event', params: { event: 'churn' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('churns', { kind: 'threshold', direction: 'above', value: 1 }, operator);
    t.receiver.replies.push({ status: 500, body: 'busy' }, { status: 500, body: 'busy' }, { status: 502, body: 'still \u202ebusy 13800138000' });
    await alerts.tick();
    const [event] = alerts.history({ rule: rule.id });
    expect(event).toMatchObject({ kind: 'fired', delivery: 'failed', attempts: 3, httpStatus: 502 });
    expect(event.detail).not.toMatch(/13800138000|\u202e/);
    expect(t.receiver.received.map((r) => [r.verified, r.headers['mofang-delivery']])).toEqual([
      [true, String(event.id)],
      [true, String(event.id)],
      [true, String(event.id)],
    ]);
    expect(actions('alert.delivery_failed').at(-1)).toMatchObject({ subject: 'churns', details: { event: event.id, attempts: 3, httpStatus: 502 } });
    // The alert itself stands: the rule is firing, and is not re-fired at the next tick.
    expect(alerts.listRules('churns')[0].state).toBe('firing');
  });
  it('a delivery cut short by a stop is posted again, with the same id and body, when the node runs again — and recorded once', async () => {
    at('2026-08-02T12:00:00Z');
    await track('complaint', '2026-08-01', 3);
    await alerts.saveMetric({ name: 'complaints', model: 'event', params: { event: 'complaint' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('complaints', { kind: 'threshold', direction: 'above', value: 2 }, operator);
    // The receiver hangs on the first attempt: the node "stops" while its delivery is in flight.
    t.receiver.replies.push({ hold: true });
    const first = alerts.evaluate('complaints', operator);
    await until(() => t.receiver.received.length === 1);
    const [event] = alerts.history({ rule: rule.id });
    expect(event).toMatchObject({ kind: 'fired', delivery: 'pending' });
    // A tick of the same process does not post what it is posting already.
    await alerts.tick();
    expect(t.receiver.received).toHaveLength(1);

    // The node as it starts again: a new service on the same database posts the pending delivery.
    const restarted = alertsService({
      db: t.fx.db,
      audit: t.fx.audit,
      now: () => t.fx.clock.now,
      nodeName: 'bank',
      timeZone: 'UTC',
      models: t.pipeline.analytics,
      webhooks: { default: t.webhook, named: {} },
      userAgent: 'mofang/test',
    });
    await restarted.tick();
    expect(alerts.history({ rule: rule.id })[0]).toMatchObject({ id: event.id, delivery: 'delivered', attempts: 1, httpStatus: 200 });
    const [cut, again] = t.receiver.received;
    expect(again).toMatchObject({ verified: true, body: cut.body });
    expect(again.headers['mofang-delivery']).toBe(String(event.id));

    // The first process's attempt ends later (its retry gets a 200): the delivery stays recorded once.
    await first;
    expect(alerts.history({ rule: rule.id })[0]).toMatchObject({ delivery: 'delivered', attempts: 1 });
    expect(actions('alert.delivered').filter((e) => e.details.event === event.id)).toHaveLength(1);
    await restarted.stopScheduler();
  });
});

describe('the scheduler', () => {
  it('records a failing metric as an evaluation error, audits it, and goes on with the other metrics', async () => {
    at('2026-08-02T12:00:00Z');
    await t.fx.importRows('customers', [
      { id: 'c0', tier: 'gold' },
      { id: 'c1', tier: 'basic' },
    ]);
    await t.fx.insight.createSegment({ name: 'gold', dataset: 'customers', rule: { attr: 'tier', op: 'eq', value: 'gold' } }, operator);
    await track('visit', '2026-08-01', 3);
    await alerts.saveMetric({ name: 'gold-visits', model: 'event', params: { event: 'visit', segment: 'gold' }, scalar: 'total' }, operator);
    await alerts.saveMetric({ name: 'visits', model: 'event', params: { event: 'visit' }, scalar: 'total' }, operator);
    const broken = alerts.addRule('gold-visits', { kind: 'threshold', direction: 'above', value: 0 }, operator);
    const healthy = alerts.addRule('visits', { kind: 'threshold', direction: 'above', value: 2 }, operator);
    t.fx.insight.deleteSegment('gold', operator);

    const result = await alerts.tick();
    expect(result).toEqual({ evaluated: 1, failed: 1 });
    const [error] = alerts.history({ rule: broken.id });
    expect(error).toMatchObject({ kind: 'error', errorCode: 'INSIGHT_NOT_FOUND', delivery: 'none', value: null });
    expect(alerts.listRules('gold-visits')[0].lastError).toMatch(new RegExp(`^${error.errorCode}: `));
    expect(actions('alert.evaluation_failed').at(-1)).toMatchObject({ subject: 'gold-visits', details: { rule: broken.id, code: error.errorCode } });
    expect(alerts.history({ rule: healthy.id }).map((e) => [e.kind, e.value])).toEqual([['fired', 3]]);
    expect(posted().map((p) => (p.metric as { name: string }).name)).toEqual(['visits']);
  });

  it('a metric on a segment whose joint attribute is withheld after its agreement is revoked records ANALYTICS_SEGMENT_WITHHELD', async () => {
    at('2026-08-12T12:00:00Z');
    const agreement = '0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';
    await t.fx.importRows('members', [{ id: 'c0' }, { id: 'c1' }, { id: 'c2' }]);
    storeAgreement(t.fx.db, agreement, 'accepted', 'partner:telco:active');
    const put = t.fx.db.prepare(
      "INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES ('members', ?, 'partner:telco:active', 'true', ?, 'run-1', '2026-08-01T00:00:00.000Z')",
    );
    for (const id of ['c0', 'c1']) put.run(id, agreement);
    await t.fx.insight.createSegment({ name: 'telco', dataset: 'members', rule: { attr: 'partner:telco:active', op: 'eq', value: true } }, operator);
    await track('topup', '2026-08-11', 3);
    await alerts.saveMetric({ name: 'telco-topups', model: 'event', params: { event: 'topup', segment: 'telco' }, scalar: 'total' }, operator);
    const rule = alerts.addRule('telco-topups', { kind: 'threshold', direction: 'above', value: 0 }, operator);
    expect((await alerts.evaluate('telco-topups', operator)).value).toBe(2);

    t.fx.db.prepare("UPDATE agreements SET status = 'revoked', revoked_by = 'sha256:b', revoked_reason = 'ended' WHERE id = ?").run(agreement);
    at('2026-08-12T13:00:00Z');
    expect(await alerts.tick()).toEqual({ evaluated: 0, failed: 1 });
    expect(alerts.history({ rule: rule.id })[0]).toMatchObject({ kind: 'error', errorCode: 'ANALYTICS_SEGMENT_WITHHELD' });
    // The rule keeps its state (it had fired) and is tried again at its next time.
    expect(alerts.listRules('telco-topups')[0]).toMatchObject({ state: 'firing', nextAt: '2026-08-12T14:00:00.000Z' });
    expect(actions('alert.evaluation_failed').at(-1)).toMatchObject({ subject: 'telco-topups', details: { code: 'ANALYTICS_SEGMENT_WITHHELD' } });
  });
});
