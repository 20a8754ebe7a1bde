import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../events/store.js';
import { analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let store: EventStore;
let t: TestApp;

beforeAll(async () => {
  store = await eventStoreWith([
    { customer: 'c1', name: 'login', time: '2026-03-01T08:00:00Z', properties: { device: 'ios' } },
    { customer: 'c1', name: 'login', time: '2026-03-02T08:00:00Z', properties: { device: 'ios' } },
    { customer: 'c2', name: 'login', time: '2026-03-02T09:00:00Z', properties: { device: 'web' } },
  ]);
  t = await testApp({ services: { ...fakeServices(), analytics: analyticsOver(store) } });
});
afterAll(async () => {
  await t.close();
  store.close();
});

const body = { event: 'login', from: '2026-03-01', to: '2026-03-02' };

describe('POST /v1/analytics/:model', () => {
  it('runs a model for operators and compliance, with the parameters as run and the time taken', async () => {
    for (const role of ['operator', 'compliance'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/analytics/event', headers: t.as(role), payload: { ...body, breakdowns: ['device'] } });
      expect(res.statusCode).toBe(200);
      const out = res.json();
      expect(out.model).toBe('event');
      // Defaults are filled in.
      expect(out.params).toMatchObject({ ...body, granularity: 'day', limit: 10, compare: true });
      expect(out.tookMs).toBeGreaterThanOrEqual(0);
      expect(out.result.series.map((s: { bucket: string; group: string[]; count: number }) => [s.bucket, s.group, s.count])).toEqual([
        ['2026-03-01', ['ios'], 1],
        ['2026-03-02', ['ios'], 1],
        ['2026-03-02', ['web'], 1],
      ]);
      expect(out.scalars).toMatchObject({ total: 3, customers: 2 });
    }
  });

  it('every analytics route is for operators and compliance, not admins', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const routes = Object.keys(doc.paths as Record<string, unknown>).filter((path) => path.startsWith('/v1/analytics/'));
    // One per model, and the catch-all for unknown names.
    expect(routes.sort()).toEqual([
      '/v1/analytics/attribution',
      '/v1/analytics/distribution',
      '/v1/analytics/event',
      '/v1/analytics/funnel',
      '/v1/analytics/interval',
      '/v1/analytics/ltv',
      '/v1/analytics/path',
      '/v1/analytics/retention',
      '/v1/analytics/{model}',
    ]);
    for (const path of routes) {
      const res = await t.app.inject({ method: 'POST', url: path.replace('{model}', 'x'), headers: t.as('admin'), payload: body });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details).toEqual({ allowed: ['operator', 'compliance'], role: 'admin' });
    }
  });

  it('names an unknown model, a schema violation and a bad range', async () => {
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/analytics/sankey', headers: t.as('operator'), payload: body });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'ANALYTICS_MODEL_UNKNOWN' });
    expect(unknown.json().error.message).toContain('event');

    const schema = await t.app.inject({
      method: 'POST',
      url: '/v1/analytics/event',
      headers: t.as('operator'),
      payload: { ...body, breakdowns: ['a', 'b', 'c'] },
    });
    expect(schema.statusCode).toBe(400);
    expect(schema.json().error).toMatchObject({ code: 'REQUEST_INVALID' });

    const range = await t.app.inject({ method: 'POST', url: '/v1/analytics/event', headers: t.as('operator'), payload: { ...body, from: '2026-03-03' } });
    expect(range.statusCode).toBe(400);
    expect(range.json().error).toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'to' } });
  });
});
