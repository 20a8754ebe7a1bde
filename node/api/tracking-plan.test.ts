import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { trackingPlanFixture, type TrackingPlanFixture } from '../../test/support/tracking-plan-fixture.js';
import { listAudit } from '../audit/list.js';

let fx: TrackingPlanFixture;
let t: TestApp;

beforeAll(async () => {
  fx = await trackingPlanFixture();
  t = await testApp({ services: { ...fakeServices(), trackingPlan: fx.plan } });
});
afterAll(async () => {
  await t.close();
  fx.close();
});

const paid = { properties: { amount: { type: 'number', required: true, min: 0 }, channel: { type: 'enum', values: ['app', 'web'] } }, retentionDays: 90 };

// Every tracking plan route with the roles allowed; checked against the registered routes.
type Method = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
const ROUTES: [method: Method, route: string, roles: string[]][] = [
  ['GET', '/v1/tracking-plan', ['admin', 'operator', 'compliance']],
  ['PUT', '/v1/tracking-plan', ['admin']],
  ['PATCH', '/v1/tracking-plan', ['admin']],
  ['GET', '/v1/tracking-plan/versions', ['admin', 'operator', 'compliance']],
  ['GET', '/v1/tracking-plan/versions/:version', ['admin', 'operator', 'compliance']],
  ['PUT', '/v1/tracking-plan/events/:event', ['admin']],
  ['PATCH', '/v1/tracking-plan/events/:event', ['admin']],
  ['DELETE', '/v1/tracking-plan/events/:event', ['admin']],
  ['POST', '/v1/tracking-plan/events/:event/pause', ['admin']],
  ['POST', '/v1/tracking-plan/events/:event/resume', ['admin']],
  ['GET', '/v1/tracking-plan/paused', ['admin', 'operator', 'compliance']],
];
const urlOf = (route: string) => route.replace(':version', '0').replace(':event', 'x');

const call = (method: Method, url: string, payload?: unknown, role: 'admin' | 'operator' | 'compliance' = 'admin') =>
  t.app.inject({ method, url, headers: t.as(role), ...(payload === undefined ? {} : { payload: payload as object }) });

describe('tracking plan API', () => {
  it('the route table above covers every registered tracking plan route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((d) => d.includes(' /v1/tracking-plan')).sort()).toEqual(ROUTES.map(([m, r]) => `${m} ${r}`).sort());
  });

  it.each(ROUTES)('%s %s is for %j only', async (method, route, roles) => {
    const url = urlOf(route);
    for (const role of ['operator', 'compliance'] as const) {
      if (roles.includes(role)) continue;
      const res = await call(method, url, {}, role);
      expect(res.statusCode, `${role}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN_ROLE');
    }
    const anonymous = await t.app.inject({ method, url });
    expect(anonymous.statusCode).toBe(401);
  });

  it('declares, reads, versions, patches and removes an event, auditing each change as the token', async () => {
    expect((await call('PUT', '/v1/tracking-plan/events/card.paid', paid)).json()).toEqual({ version: 1, changed: true });
    expect((await call('PUT', '/v1/tracking-plan/events/card.paid', paid)).json()).toEqual({ version: 1, changed: false });
    const current = (await call('GET', '/v1/tracking-plan', undefined, 'operator')).json();
    expect(current).toMatchObject({ version: 1, actor: 'token:admin-1', paused: [], plan: { undeclared: 'reject' } });
    expect(current.plan.events['card.paid']).toEqual({
      properties: { amount: { type: 'number', required: true, min: 0 }, channel: { type: 'enum', required: false, values: ['app', 'web'] } },
      retentionDays: 90,
    });

    expect((await call('PATCH', '/v1/tracking-plan/events/card.paid', { properties: { channel: null }, retentionDays: null })).json()).toEqual({
      version: 2,
      changed: true,
    });
    expect((await call('PATCH', '/v1/tracking-plan', { undeclared: 'quarantine' })).json()).toEqual({ version: 3, changed: true });
    expect((await call('DELETE', '/v1/tracking-plan/events/card.paid')).json()).toEqual({ version: 4, changed: true });

    const versions = (await call('GET', '/v1/tracking-plan/versions', undefined, 'compliance')).json().versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
    const v2 = (await call('GET', '/v1/tracking-plan/versions/2', undefined, 'compliance')).json();
    expect(v2.plan.events['card.paid']).toEqual({ properties: { amount: { type: 'number', required: true, min: 0 } } });
    expect(listAudit(fx.db, { action: 'tracking_plan.changed' }).map((e) => [e.actor, e.details?.version])).toEqual([
      ['token:admin-1', 1],
      ['token:admin-1', 2],
      ['token:admin-1', 3],
      ['token:admin-1', 4],
    ]);
  });

  it('replaces the whole plan with PUT, and pauses, resumes and counts an event', async () => {
    const res = await call('PUT', '/v1/tracking-plan', { undeclared: 'reject', events: { 'card.paid': paid, 'app.opened': {} } });
    expect(res.json()).toMatchObject({ changed: true });
    expect((await call('POST', '/v1/tracking-plan/events/app.opened/pause')).json()).toEqual({ event: 'app.opened', paused: true, changed: true });
    fx.plan.countPaused(new Map([['app.opened', 7]]));
    expect((await call('GET', '/v1/tracking-plan', undefined, 'operator')).json().paused).toEqual(['app.opened']);
    expect((await call('GET', '/v1/tracking-plan/paused', undefined, 'compliance')).json().events).toEqual([
      { event: 'app.opened', paused: true, pausedAt: expect.any(String), pausedBy: 'token:admin-1', dropped: 7 },
    ]);
    expect((await call('POST', '/v1/tracking-plan/events/app.opened/resume')).json()).toEqual({ event: 'app.opened', paused: false, changed: true });
    expect(listAudit(fx.db, { action: 'tracking_plan.event_paused' })).toHaveLength(1);
    expect(listAudit(fx.db, { action: 'tracking_plan.event_resumed' })).toHaveLength(1);
  });

  it.each([
    [
      'PUT',
      '/v1/tracking-plan/events/card.paid',
      { properties: { amount: { type: 'number', maxLength: 3 } } },
      422,
      'TRACKING_PLAN_INVALID',
      'events.card.paid.properties.amount.maxLength',
    ],
    ['PUT', '/v1/tracking-plan/events/Card%20Paid', paid, 422, 'TRACKING_PLAN_INVALID', 'event'],
    ['PUT', '/v1/tracking-plan/events/card.paid', { properties: { amount: { type: 'decimal' } } }, 400, 'REQUEST_INVALID', undefined],
    ['PUT', '/v1/tracking-plan/events/card.paid', { properties: {}, colour: 'red' }, 400, 'REQUEST_INVALID', undefined],
    ['PATCH', '/v1/tracking-plan', { undeclared: 'ignore' }, 400, 'REQUEST_INVALID', undefined],
    ['PATCH', '/v1/tracking-plan/events/card.refunded', { retentionDays: 3 }, 404, 'TRACKING_PLAN_EVENT_UNKNOWN', 'event'],
    ['POST', '/v1/tracking-plan/events/card.refunded/pause', undefined, 404, 'TRACKING_PLAN_EVENT_UNKNOWN', 'event'],
    ['GET', '/v1/tracking-plan/versions/999', undefined, 404, 'TRACKING_PLAN_VERSION_UNKNOWN', undefined],
    ['GET', '/v1/tracking-plan/versions/one', undefined, 400, 'REQUEST_INVALID', undefined],
  ] as const)('%s %s with bad input → %i %s naming %s', async (method, url, payload, status, code, field) => {
    const before = (await call('GET', '/v1/tracking-plan')).json().version;
    const res = await call(method, url, payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    if (field) expect(res.json().error.details.field).toBe(field);
    expect((await call('GET', '/v1/tracking-plan')).json().version).toBe(before);
  });
});
