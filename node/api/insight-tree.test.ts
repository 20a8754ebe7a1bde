import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeService } from '../insight/tree/service.js';
import { churnStore } from '../../test/support/tree-fixture.js';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

// The API over the real tree service on a real store (the other services are the test double).
let t: TestApp;
let store: Awaited<ReturnType<typeof churnStore>>;

beforeAll(async () => {
  store = await churnStore(1500);
  const trees = treeService({ db: store.db, audit: store.audit, insight: store.insight });
  t = await testApp({ services: { ...fakeServices(), trees } });
});

afterAll(async () => {
  await t.close();
  store.close();
});

const TREE = '00000000-0000-4000-8000-000000000000';
// Every decision-tree route with the roles allowed; checked against the registered routes.
const ROUTES: [string, string, string, ('admin' | 'operator' | 'compliance')[]][] = [
  ['POST', '/v1/insight/trees', '/v1/insight/trees', ['operator']],
  ['GET', '/v1/insight/trees', '/v1/insight/trees', ['operator', 'compliance']],
  ['GET', '/v1/insight/trees/:id', `/v1/insight/trees/${TREE}`, ['operator', 'compliance']],
  ['POST', '/v1/insight/trees/:id/score', `/v1/insight/trees/${TREE}/score`, ['operator']],
  ['POST', '/v1/insight/trees/:id/leaves/:leaf/segment', `/v1/insight/trees/${TREE}/leaves/0/segment`, ['operator']],
];

describe('decision-tree API roles', () => {
  it('the table covers every registered tree route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((d) => d.includes(' /v1/insight/trees')).sort()).toEqual(ROUTES.map(([m, r]) => `${m} ${r}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, _route, url, roles) => {
    const payload = method === 'GET' ? undefined : {};
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance'] as const).filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload });
      expect(denied.statusCode, role).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'FORBIDDEN_ROLE', details: { allowed: roles, role } });
    }
  });
});

const train = {
  dataset: 'customers',
  target: 'churned',
  attributes: ['age', 'tier', 'income'],
  options: { maxDepth: 3, minLeaf: 10, minImpurityDecrease: 0.001 },
};

describe('/v1/insight/trees', () => {
  let id: string;

  it('trains a tree (operator) and returns the model, metrics and leaves', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/insight/trees', payload: train, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    id = body.id;
    expect(res.headers.location).toBe(`/v1/insight/trees/${id}`);
    expect(body.model).toMatchObject({ format: 'mofang.insight.tree', version: 1, target: 'churned' });
    expect(body.model.metrics.validation.auc).toBe(1);
    const risky = body.leaves.filter((l: { positiveRate: number }) => l.positiveRate === 1);
    expect(risky).toHaveLength(1);
    expect(risky[0].rule.all).toEqual(
      expect.arrayContaining([
        { attr: 'age', op: 'lte', value: 29 },
        { attr: 'tier', op: 'in', values: ['basic'] },
      ]),
    );
    expect(store.treeActions()).toEqual(['insight.tree.trained']);
  });

  it('lists and shows trees to operators and compliance', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/v1/insight/trees?dataset=customers', headers: t.as('compliance') });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().trees).toMatchObject([{ id, dataset: 'customers', validationAuc: 1 }]);
    const one = await t.app.inject({ method: 'GET', url: `/v1/insight/trees/${id}`, headers: t.as('operator') });
    expect(one.statusCode).toBe(200);
    expect(one.json().id).toBe(id);
  });

  it('scores every profile into an attribute', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/insight/trees/${id}/score`, payload: { attribute: 'churn_risk' }, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ attribute: 'churn_risk', modelId: id, rowCount: 1500, min: 0, max: 1 });
    expect(store.treeActions()).toEqual(['insight.tree.trained', 'insight.tree.scored']);
  });

  it('saves a leaf as a segment', async () => {
    const tree = (await t.app.inject({ method: 'GET', url: `/v1/insight/trees/${id}`, headers: t.as('operator') })).json();
    const leaf = tree.leaves.find((l: { positiveRate: number }) => l.positiveRate === 1);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/insight/trees/${id}/leaves/${leaf.leaf}/segment`,
      payload: { name: 'young-basic' },
      headers: t.as('operator'),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: 'young-basic', dataset: 'customers', version: 1, rule: leaf.rule, size: leaf.size + leaf.validation.size });
    expect(store.treeActions()).toEqual(['insight.tree.trained', 'insight.tree.scored', 'insight.tree.leaf_saved']);
  });

  it('refuses bad requests with catalogued errors, and roles that may not act', async () => {
    const post = (url: string, payload: object, role: 'operator' | 'admin' | 'compliance' = 'operator') =>
      t.app.inject({ method: 'POST', url, payload, headers: t.as(role) });
    const bad = await post('/v1/insight/trees', { ...train, target: 'age' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'TREE_INPUT_INVALID', details: { field: 'target' } });
    const schema = await post('/v1/insight/trees', { ...train, options: { maxDepth: 0 } });
    expect(schema.statusCode).toBe(400);
    expect(schema.json().error.code).toBe('REQUEST_INVALID');
    const missing = await t.app.inject({ method: 'GET', url: `/v1/insight/trees/${TREE}`, headers: t.as('operator') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('TREE_NOT_FOUND');
    expect((await post('/v1/insight/trees', train, 'compliance')).statusCode).toBe(403);
    expect((await post(`/v1/insight/trees/${id}/score`, { attribute: 'x' }, 'admin')).statusCode).toBe(403);
    expect((await post(`/v1/insight/trees/${id}/score`, { attribute: 'has space' })).statusCode).toBe(400);
    expect(store.treeActions()).toHaveLength(3);
  });
});
