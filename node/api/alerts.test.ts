import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsFixture, type AlertsFixture } from '../../test/support/alerts-fixture.js';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let a: AlertsFixture;
let t: TestApp;

beforeAll(async () => {
  a = await alertsFixture();
  t = await testApp({ services: { ...fakeServices(), alerts: a.alerts } });
});
afterAll(async () => {
  await t.close();
  await a.close();
});

const READ = ['operator', 'compliance'];
const WRITE = ['operator'];
// Every alerts route with the roles allowed; checked against the registered routes.
const ROUTES: [method: string, route: string, url: string, roles: string[]][] = [
  ['GET', '/v1/metrics', '/v1/metrics', READ],
  ['POST', '/v1/metrics', '/v1/metrics', WRITE],
  ['GET', '/v1/metrics/:name', '/v1/metrics/x', READ],
  ['PUT', '/v1/metrics/:name', '/v1/metrics/x', WRITE],
  ['DELETE', '/v1/metrics/:name', '/v1/metrics/x', WRITE],
  ['POST', '/v1/metrics/:name/evaluate', '/v1/metrics/x/evaluate', WRITE],
  ['GET', '/v1/metrics/:name/rules', '/v1/metrics/x/rules', READ],
  ['POST', '/v1/metrics/:name/rules', '/v1/metrics/x/rules', WRITE],
  ['GET', '/v1/alerts/rules', '/v1/alerts/rules', READ],
  ['PATCH', '/v1/alerts/rules/:id', '/v1/alerts/rules/1', WRITE],
  ['DELETE', '/v1/alerts/rules/:id', '/v1/alerts/rules/1', WRITE],
  ['GET', '/v1/alerts/events', '/v1/alerts/events', READ],
];

describe('alerts API roles', () => {
  it('the table covers every registered metrics and alerts route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((d) => / \/v1\/(metrics|alerts)\b/.test(d)).sort()).toEqual(ROUTES.map(([m, r]) => `${m} ${r}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, _route, url, roles) => {
    const payload = method === 'GET' || method === 'DELETE' ? undefined : {};
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance'] as const).filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload });
      expect(denied.statusCode, role).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    }
  });
});

describe('alerts API', () => {
  it('saves a metric, adds a rule, evaluates it and lists the history', async () => {
    a.at('2026-09-02T12:00:00Z');
    await a.track('signup', '2026-09-01', 7);
    const ops = t.as('operator');
    const saved = await t.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: ops,
      payload: { name: 'signups', model: 'event', params: { event: 'signup' }, scalar: 'total' },
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ name: 'signups', version: 1, params: { event: 'signup' }, window: { days: 1, through: 'yesterday' } });
    const rule = await t.app.inject({
      method: 'POST',
      url: '/v1/metrics/signups/rules',
      headers: ops,
      payload: { kind: 'threshold', direction: 'above', value: 5 },
    });
    expect(rule.statusCode).toBe(201);
    const evaluated = await t.app.inject({ method: 'POST', url: '/v1/metrics/signups/evaluate', headers: ops });
    expect(evaluated.statusCode).toBe(200);
    expect(evaluated.json()).toMatchObject({ value: 7, previous: 0, rules: [{ rule: rule.json().id, holds: true, transition: 'fire' }] });
    const history = await t.app.inject({ url: '/v1/alerts/events?metric=signups', headers: t.as('compliance') });
    expect(history.json().events).toEqual([expect.objectContaining({ kind: 'fired', value: 7, delivery: 'delivered' })]);
    expect(a.posted()).toEqual([expect.objectContaining({ verified: true, status: 'fired', value: 7 })]);
    const off = await t.app.inject({ method: 'PATCH', url: `/v1/alerts/rules/${rule.json().id}`, headers: ops, payload: { enabled: false } });
    expect(off.json()).toMatchObject({ enabled: false });
  });

  it('names the field of bad input: body shape, unknown scalar, bad threshold, unknown metric', async () => {
    const ops = t.as('operator');
    const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: ops, payload: payload as object });
    const noScalar = await post('/v1/metrics', { name: 'x', model: 'event', params: { event: 'signup' } });
    expect(noScalar.statusCode).toBe(400);
    const unknownScalar = await post('/v1/metrics', { name: 'x', model: 'event', params: { event: 'signup' }, scalar: 'revenue' });
    expect(unknownScalar.statusCode).toBe(400);
    expect(unknownScalar.json().error).toMatchObject({ code: 'METRIC_INVALID', details: { field: 'scalar' } });
    const unknownModel = await post('/v1/metrics', { name: 'x', model: 'horoscope', params: {}, scalar: 'total' });
    expect(unknownModel.json().error.code).toBe('ANALYTICS_MODEL_UNKNOWN');
    const badChange = await post('/v1/metrics/signups/rules', { kind: 'change', direction: 'above', value: -3 });
    expect(badChange.statusCode).toBe(400);
    expect(badChange.json().error).toMatchObject({ code: 'ALERT_RULE_INVALID', details: { field: 'value' } });
    const missing = await post('/v1/metrics/nothing/evaluate', {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('METRIC_NOT_FOUND');
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/alerts/rules/999999', headers: ops })).json().error.code).toBe('ALERT_RULE_NOT_FOUND');
  });
});
