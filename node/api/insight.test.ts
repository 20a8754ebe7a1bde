import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { listAudit } from '../audit/list.js';
import { insightFixture, type InsightFixture } from '../../test/support/insight-fixture.js';

let fx: InsightFixture;
let t: TestApp;

beforeAll(async () => {
  fx = await insightFixture();
  await fx.importRows(
    'customers',
    Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, age: String(20 + i), tier: i % 2 ? 'gold' : 'basic' })),
    { age: 'number' },
  );
  t = await testApp({ services: { ...fakeServices(), insight: fx.insight } });
});
afterAll(async () => {
  await t.close();
  fx.close();
});

const segment = { name: 'older', dataset: 'customers', rule: { attr: 'age', op: 'gte', value: 60 } };

// Every insight route with the roles allowed; checked against the registered routes.
const ROUTES: [method: string, route: string, url: string, roles: string[]][] = [
  ['GET', '/v1/insight/datasets/:dataset/attributes', '/v1/insight/datasets/customers/attributes', ['operator', 'compliance']],
  ['POST', '/v1/insight/datasets/:dataset/profiles/build', '/v1/insight/datasets/customers/profiles/build', ['operator']],
  ['POST', '/v1/insight/datasets/:dataset/profiles/lookup', '/v1/insight/datasets/customers/profiles/lookup', ['operator', 'compliance']],
  ['POST', '/v1/insight/segments/preview', '/v1/insight/segments/preview', ['operator', 'compliance']],
  ['GET', '/v1/insight/segments', '/v1/insight/segments', ['operator', 'compliance']],
  ['POST', '/v1/insight/segments', '/v1/insight/segments', ['operator']],
  ['GET', '/v1/insight/segments/:name', '/v1/insight/segments/x', ['operator', 'compliance']],
  ['PATCH', '/v1/insight/segments/:name', '/v1/insight/segments/x', ['operator']],
  ['DELETE', '/v1/insight/segments/:name', '/v1/insight/segments/x', ['operator']],
  ['POST', '/v1/insight/segments/:name/refresh', '/v1/insight/segments/x/refresh', ['operator']],
  ['GET', '/v1/insight/segments/:name/versions', '/v1/insight/segments/x/versions', ['operator', 'compliance']],
  ['POST', '/v1/insight/layerings/run', '/v1/insight/layerings/run', ['operator', 'compliance']],
  ['GET', '/v1/insight/layerings', '/v1/insight/layerings', ['operator', 'compliance']],
  ['POST', '/v1/insight/layerings', '/v1/insight/layerings', ['operator']],
  ['PUT', '/v1/insight/layerings/:name', '/v1/insight/layerings/x', ['operator']],
  ['GET', '/v1/insight/layerings/:name', '/v1/insight/layerings/x', ['operator', 'compliance']],
  ['DELETE', '/v1/insight/layerings/:name', '/v1/insight/layerings/x', ['operator']],
  ['POST', '/v1/insight/layerings/:name/cells/segment', '/v1/insight/layerings/x/cells/segment', ['operator']],
  ['GET', '/v1/insight/flows', '/v1/insight/flows', ['operator', 'compliance']],
  ['POST', '/v1/insight/flows', '/v1/insight/flows', ['operator']],
  ['GET', '/v1/insight/flows/:name', '/v1/insight/flows/x', ['operator', 'compliance']],
  ['PATCH', '/v1/insight/flows/:name', '/v1/insight/flows/x', ['operator']],
  ['POST', '/v1/insight/flows/:name/snapshots', '/v1/insight/flows/x/snapshots', ['operator']],
  ['GET', '/v1/insight/flows/:name/matrix', '/v1/insight/flows/x/matrix?from=a&to=b', ['operator', 'compliance']],
  ['GET', '/v1/insight/units', '/v1/insight/units', ['admin', 'operator', 'compliance']],
  ['POST', '/v1/insight/units', '/v1/insight/units', ['admin']],
  ['PUT', '/v1/insight/units/datasets/:dataset/attribute', '/v1/insight/units/datasets/customers/attribute', ['admin']],
  ['GET', '/v1/insight/units/datasets/:dataset/attribute', '/v1/insight/units/datasets/customers/attribute', ['admin', 'operator', 'compliance']],
  ['GET', '/v1/insight/shared-sets', '/v1/insight/shared-sets', ['operator', 'compliance']],
  ['POST', '/v1/insight/shared-sets', '/v1/insight/shared-sets', ['operator']],
  ['GET', '/v1/insight/shared-sets/:id', '/v1/insight/shared-sets/1', ['operator', 'compliance']],
  ['POST', '/v1/insight/shared-sets/:id/import', '/v1/insight/shared-sets/1/import', ['operator']],
  ['GET', '/v1/insight/shared-sets/:id/status', '/v1/insight/shared-sets/1/status', ['operator', 'compliance']],
];

describe('insight API roles', () => {
  it('the table covers every registered insight route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // Decision-tree routes (/v1/insight/trees) are tested in node/api/insight-tree.test.ts.
    expect(documented.filter((d) => d.includes(' /v1/insight/') && !d.includes(' /v1/insight/trees')).sort()).toEqual(
      ROUTES.map(([m, r]) => `${m} ${r}`).sort(),
    );
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, _route, url, roles) => {
    const res = await t.app.inject({ method: method as 'GET', url, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
    expect(res.statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance'] as const).filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({
        method: method as 'GET',
        url,
        headers: t.as(role),
        payload: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect(denied.statusCode, role).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'FORBIDDEN_ROLE', details: { allowed: roles, role } });
    }
  });
});

describe('insight API', () => {
  it('only operators change segments; compliance and operators read; admins neither', async () => {
    for (const role of ['compliance', 'admin'] as const) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/insight/segments', headers: t.as(role), payload: segment });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN_ROLE');
    }
    const created = await t.app.inject({ method: 'POST', url: '/v1/insight/segments', headers: t.as('operator'), payload: segment });
    expect(created.statusCode).toBe(201);
    expect(created.json().latest.size).toBe(10);
    for (const role of ['operator', 'compliance'] as const) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/insight/segments/older', headers: t.as(role) })).statusCode).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/insight/segments', headers: t.as('admin') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/insight/segments' })).statusCode).toBe(401);
    const refresh = await t.app.inject({ method: 'POST', url: '/v1/insight/segments/older/refresh', headers: t.as('compliance') });
    expect(refresh.statusCode).toBe(403);
    expect(listAudit(fx.db, { action: 'segment.created' })).toHaveLength(1);
  });

  it('reports rule errors with the rule path, and reads previews, layerings and profiles', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/segments/preview',
      headers: t.as('compliance'),
      payload: { dataset: 'customers', rule: { attr: 'age', op: 'eq', value: 'x' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'RULE_INVALID', details: { path: 'rule.value', attr: 'age', op: 'eq' } });
    const preview = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/segments/preview',
      headers: t.as('compliance'),
      payload: { dataset: 'customers', rule: { attr: 'tier', op: 'eq', value: 'gold' }, sample: 2 },
    });
    expect(preview.json()).toMatchObject({ size: 25, population: 50 });
    expect(preview.json().sample[0].idMasked).toMatch(/^•+$/);
    const layering = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/layerings/run',
      headers: t.as('operator'),
      payload: {
        dataset: 'customers',
        spec: {
          root: { split: { attr: 'tier', by: 'values' }, each: { split: { attr: 'age', by: 'bands', edges: [30, 50] } } },
          metrics: [{ fn: 'mean', attr: 'age' }],
        },
      },
    });
    expect(layering.statusCode).toBe(200);
    expect(layering.json().root.children.map((c: { size: number }) => c.size)).toEqual([25, 25]);
    const profile = await t.app.inject({
      method: 'POST',
      url: '/v1/insight/datasets/customers/profiles/lookup',
      headers: t.as('operator'),
      payload: { id: 'c7' },
    });
    expect(profile.json().attributes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'age', value: 27 })]));
  });

  it('flows: operators snapshot, compliance reads the matrix', async () => {
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/insight/flows',
          headers: t.as('operator'),
          payload: { name: 'age-flow', dataset: 'customers', source: { segments: ['older'] } },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/insight/flows/age-flow/snapshots', headers: t.as('compliance'), payload: { period: 'p1' } })).statusCode,
    ).toBe(403);
    for (const period of ['p1', 'p2']) {
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/insight/flows/age-flow/snapshots', headers: t.as('operator'), payload: { period } })).statusCode,
      ).toBe(201);
    }
    const m = await t.app.inject({ method: 'GET', url: '/v1/insight/flows/age-flow/matrix?from=p1&to=p2', headers: t.as('compliance') });
    expect(m.json().counts).toEqual([
      [40, 0],
      [0, 10],
    ]);
  });

  it('flows: a schedule is set at creation or later; a wrong one is refused naming the field', async () => {
    const create = (every: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/insight/flows',
        headers: t.as('operator'),
        payload: { name: 'weekly', dataset: 'customers', source: { segments: ['older'] }, every },
      });
    const bad = await create('hourly');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'every' } });
    const ok = await create('week');
    expect(ok.statusCode).toBe(201);
    expect(ok.json().every).toBe('week');
    const patch = (payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: '/v1/insight/flows/weekly', headers: t.as('operator'), payload });
    expect((await patch({ every: 'month' })).json().every).toBe('month');
    expect((await patch({ every: null })).json().every).toBeNull();
    const missing = await patch({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details.field).toBe('every');
    expect((await t.app.inject({ method: 'PATCH', url: '/v1/insight/flows/weekly', headers: t.as('compliance'), payload: { every: 'day' } })).statusCode).toBe(
      403,
    );
    const audit = listAudit(fx.db, { limit: 1000 })
      .filter((e) => e.subject === 'weekly')
      .map((e) => [e.action, e.details]);
    expect(audit).toEqual([
      ['flow.created', expect.objectContaining({ every: 'week' })],
      ['flow.schedule_set', { every: 'month', previous: 'week' }],
      ['flow.schedule_set', { every: null, previous: 'month' }],
    ]);
  });
});
