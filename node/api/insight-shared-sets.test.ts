import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { createToken } from './tokens.js';
import { listAudit } from '../audit/list.js';
import { insightFixture, type InsightFixture } from '../../test/support/insight-fixture.js';

let fx: InsightFixture;
let t: TestApp;
const BRANCHES = ['gd-sz', 'gd-gz', 'zj-hz'];
const bearer: Record<string, { authorization: string }> = {};

beforeAll(async () => {
  fx = await insightFixture();
  await fx.importRows(
    'customers',
    Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, age: String(20 + i), branch: BRANCHES[i % 3] })),
    { age: 'number' },
  );
  t = await testApp({ services: { ...fakeServices(), insight: fx.insight } });
  for (const [id, unit] of [
    ['hq-1', 'hq'],
    ['gd-1', 'gd'],
    ['sz-1', 'gd-sz'],
    ['gz-1', 'gd-gz'],
  ]) {
    bearer[unit] = { authorization: `Bearer ${createToken(join(t.dir, 'tokens.json'), { id, role: 'operator', unit })}` };
  }
});
afterAll(async () => {
  await t.close();
  fx.close();
});

const call = (method: 'GET' | 'POST' | 'PUT', url: string, headers: { authorization: string }, payload?: unknown) =>
  t.app.inject({ method, url, headers, payload: payload as object });

describe('units API', () => {
  it('admins build the tree and set the unit attribute; operators cannot; audited', async () => {
    for (const [id, parent] of [
      ['hq', undefined],
      ['gd', 'hq'],
      ['zj', 'hq'],
      ['gd-sz', 'gd'],
      ['gd-gz', 'gd'],
      ['zj-hz', 'zj'],
    ]) {
      expect((await call('POST', '/v1/insight/units', t.as('admin'), { id, name: id, ...(parent ? { parent } : {}) })).statusCode).toBe(201);
    }
    expect((await call('POST', '/v1/insight/units', t.as('operator'), { id: 'x', name: 'x', parent: 'hq' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/insight/units', t.as('admin'), { id: 'x', name: 'x', parent: 'nope' })).json().error.code).toBe('UNIT_NOT_FOUND');
    expect((await call('PUT', '/v1/insight/units/datasets/customers/attribute', t.as('operator'), { attribute: 'branch' })).statusCode).toBe(403);
    expect((await call('PUT', '/v1/insight/units/datasets/customers/attribute', t.as('admin'), { attribute: 'branch' })).statusCode).toBe(200);
    expect((await call('GET', '/v1/insight/units', t.as('compliance'))).json().units).toHaveLength(6);
    expect(listAudit(fx.db, { action: 'unit.added' })[0].actor).toBe('token:admin-1');
  });
});

describe('unit-scoped tokens', () => {
  it("a branch token never sees another branch's customers: lookup, preview, layering, segments", async () => {
    const lookup = (unit: string, id: string) => call('POST', '/v1/insight/datasets/customers/profiles/lookup', bearer[unit], { id });
    expect((await lookup('gd-sz', 'c0')).statusCode).toBe(200);
    expect((await lookup('gd-sz', 'c1')).json().error.code).toBe('INSIGHT_NOT_FOUND');
    expect((await lookup('gd', 'c1')).statusCode).toBe(200);
    expect((await lookup('gd', 'c2')).statusCode).toBe(404);
    const preview = await call('POST', '/v1/insight/segments/preview', bearer['gd-sz'], {
      dataset: 'customers',
      rule: { attr: 'age', op: 'gte', value: 0 },
      sample: 50,
    });
    expect(preview.json()).toMatchObject({ size: 10, population: 10 });
    expect(preview.json().sample.every((s: { values: { age: number } }) => (s.values.age - 20) % 3 === 0)).toBe(true);
    const layering = await call('POST', '/v1/insight/layerings/run', bearer['gd-gz'], {
      dataset: 'customers',
      spec: { root: { split: { attr: 'age', by: 'bands', edges: [30] } } },
    });
    expect(layering.json().root.size).toBe(10);
    const created = await call('POST', '/v1/insight/segments', bearer['gd-sz'], {
      name: 'sz-all',
      dataset: 'customers',
      rule: { attr: 'age', op: 'gte', value: 0 },
    });
    expect(created.json()).toMatchObject({ unit: 'gd-sz', latest: { size: 10 } });
    expect((await call('GET', '/v1/insight/segments/sz-all', bearer['gd-gz'])).statusCode).toBe(404);
    expect((await call('GET', '/v1/insight/segments/sz-all/versions', bearer['gd-gz'])).statusCode).toBe(404);
    expect((await call('GET', '/v1/insight/segments', bearer['gd-gz'])).json().segments).toEqual([]);
    expect((await call('GET', '/v1/insight/segments/sz-all', bearer.gd)).json().latest.size).toBe(10);
    expect((await call('GET', '/v1/insight/segments/sz-all', t.as('operator'))).statusCode).toBe(200);
    // Flows: the other branch cannot build on it nor read its snapshots.
    expect((await call('POST', '/v1/insight/flows', bearer['gd-gz'], { name: 'f', dataset: 'customers', source: { segments: ['sz-all'] } })).statusCode).toBe(
      404,
    );
    expect((await call('POST', '/v1/insight/flows', bearer['gd-sz'], { name: 'f', dataset: 'customers', source: { segments: ['sz-all'] } })).statusCode).toBe(
      201,
    );
    expect((await call('POST', '/v1/insight/flows/f/snapshots', bearer['gd-sz'], { period: 'p1' })).json()).toMatchObject({ population: 10 });
    expect((await call('GET', '/v1/insight/flows/f', bearer['gd-gz'])).statusCode).toBe(404);
    expect((await call('GET', '/v1/insight/flows/f/matrix?from=p1&to=p1', bearer['gd-gz'])).statusCode).toBe(404);
  });
});

describe('shared sets API', () => {
  it('publish, list, import, status; out of reach refused; compliance reads only', async () => {
    await call('POST', '/v1/insight/segments', bearer.hq, { name: 'young', dataset: 'customers', rule: { attr: 'age', op: 'lt', value: 30 } });
    const body = { name: 'starter', segments: ['young'], strategy: 'Offer a card.', to: 'all' };
    expect((await call('POST', '/v1/insight/shared-sets', t.as('compliance'), body)).statusCode).toBe(403);
    expect((await call('POST', '/v1/insight/shared-sets', t.as('operator'), body)).json().error.code).toBe('REQUEST_INVALID');
    const published = await call('POST', '/v1/insight/shared-sets', bearer.hq, body);
    expect(published.statusCode).toBe(201);
    const id = published.json().set.id as number;
    const refused = await call('POST', '/v1/insight/shared-sets', bearer.gd, { name: 'x', segments: ['sz-all'], to: ['zj-hz'] });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'SCOPE_FORBIDDEN', details: { field: 'to[0]' } });
    const listed = await call('GET', '/v1/insight/shared-sets', bearer['gd-sz']);
    expect(listed.json().received.map((s: { id: number }) => s.id)).toEqual([id]);
    expect((await call('POST', `/v1/insight/shared-sets/${id}/import`, t.as('compliance'), {})).statusCode).toBe(403);
    const imported = await call('POST', `/v1/insight/shared-sets/${id}/import`, bearer['gd-sz'], {});
    expect(imported.statusCode).toBe(200);
    expect(imported.json().imported.segments).toEqual([{ source: 'young', segment: 'gd-sz-young' }]);
    const status = await call('GET', `/v1/insight/shared-sets/${id}/status`, t.as('compliance'));
    expect(status.json().imports).toEqual([expect.objectContaining({ unit: 'gd-sz', covered: 4, population: 10, upToDate: true })]);
    expect((await call('GET', `/v1/insight/shared-sets/${id}/status`, bearer['gd-sz'])).statusCode).toBe(404);
    expect((await call('GET', `/v1/insight/shared-sets/${id}`, bearer['gd-gz'])).statusCode).toBe(200);
    expect(listAudit(fx.db, { action: 'shared_set.imported' })).toHaveLength(1);
  });
});
