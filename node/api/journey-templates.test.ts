import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { journeysFixture, offerTemplate, type JourneysFixture } from '../../test/support/journeys-fixture.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { createToken } from './tokens.js';

let f: JourneysFixture;
let t: TestApp;
const bearer: Record<string, { authorization: string }> = {};

beforeAll(async () => {
  f = await journeysFixture();
  t = await testApp({ services: { ...fakeServices(), journeys: f.journeys, templates: f.templates } });
  for (const unit of ['head', 'north', 'south'])
    bearer[unit] = { authorization: `Bearer ${createToken(join(t.dir, 'tokens.json'), { id: `${unit}-1`, role: 'operator', unit })}` };
});
afterAll(async () => {
  await t.close();
  f.close();
});

const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method, url, headers, payload: payload as object });

const READ = ['operator', 'compliance'];
const WRITE = ['operator'];
// Every template route with the roles allowed; checked against the registered routes.
const ROUTES: [method: string, route: string, url: string, roles: string[]][] = [
  ['GET', '/v1/journey-templates', '/v1/journey-templates', READ],
  ['POST', '/v1/journey-templates', '/v1/journey-templates', WRITE],
  ['GET', '/v1/journey-templates/:id', '/v1/journey-templates/1', READ],
  ['GET', '/v1/journey-templates/:id/versions', '/v1/journey-templates/1/versions', READ],
  ['POST', '/v1/journey-templates/:id/versions', '/v1/journey-templates/1/versions', WRITE],
  ['GET', '/v1/journey-templates/:id/instances', '/v1/journey-templates/1/instances', READ],
  ['POST', '/v1/journey-templates/:id/instances', '/v1/journey-templates/1/instances', WRITE],
  ['POST', '/v1/journey-templates/:id/publish', '/v1/journey-templates/1/publish', WRITE],
];

describe('journey templates API roles', () => {
  it('the table covers every registered template route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((d) => / \/v1\/journey-templates\b/.test(d)).sort()).toEqual(ROUTES.map(([m, r]) => `${m} ${r}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, _route, url, roles) => {
    const payload = method === 'GET' ? undefined : {};
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance', 'ingest'] as const).filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload });
      expect(denied.statusCode, role).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    }
  });
});

describe('journey templates API', () => {
  let id: number;

  it('head office saves a template; problems come back named, like journey problems', async () => {
    const broken = offerTemplate();
    broken.parameters.pop();
    const refused = await call('POST', '/v1/journey-templates', bearer.head, { name: 'http-offer', ...broken });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'TEMPLATE_INVALID',
      details: { problems: [{ nodeId: 'sms', param: 'transactional', code: 'TEMPLATE_PARAM_UNDECLARED' }] },
    });
    const created = await call('POST', '/v1/journey-templates', bearer.head, { name: 'http-offer', description: 'the deposit offer', ...offerTemplate() });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ changed: true, template: { name: 'http-offer', unit: 'head', latestVersion: 1 }, version: { version: 1 } });
    id = created.json().template.id;
    const again = await call('POST', `/v1/journey-templates/${id}/versions`, bearer.head, offerTemplate());
    expect([again.statusCode, again.json().changed]).toEqual([200, false]);
    const read = await call('GET', `/v1/journey-templates/${id}`, t.as('compliance'));
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ template: { access: 'owner', publication: null }, version: { graph: offerTemplate().graph } });
    expect(read.json().version.parameters.map((p: { name: string }) => p.name)).toEqual(['audience', 'min_income', 'offer_code', 'transactional']);
  });

  it('a branch sees it once published to it, and instantiates it with its own values', async () => {
    expect((await call('GET', `/v1/journey-templates/${id}`, bearer.north)).json().error.code).toBe('TEMPLATE_NOT_FOUND');
    const published = await call('POST', `/v1/journey-templates/${id}/publish`, bearer.head, { to: ['north'] });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toMatchObject({ changed: true, publication: { version: 1, publisher: 'head', audience: { units: ['north'] } } });
    const listed = (await call('GET', '/v1/journey-templates', bearer.north)).json().templates;
    expect(listed.map((x: { name: string; access: string }) => `${x.name} ${x.access}`)).toEqual(['http-offer received']);
    expect((await call('GET', '/v1/journey-templates', bearer.south)).json().templates).toEqual([]);

    const bad = await call('POST', `/v1/journey-templates/${id}/instances`, bearer.north, {
      name: 'http-offer-north',
      values: { audience: 'north-rich', offer_code: 'Hi {{profile.income}}', min_income: 'high', colour: 'red' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TEMPLATE_VALUES_INVALID');
    expect(bad.json().error.details.problems.map((p: { param: string; code: string }) => `${p.param} ${p.code}`)).toEqual([
      'values.colour TEMPLATE_VALUE_UNKNOWN',
      'values.min_income TEMPLATE_VALUE_INVALID',
      'values.offer_code TEMPLATE_VALUE_INVALID',
    ]);
    const made = await call('POST', `/v1/journey-templates/${id}/instances`, bearer.north, {
      name: 'http-offer-north',
      values: { audience: 'north-rich', offer_code: 'N10' },
      startsAt: '2026-11-01T00:00:00Z',
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({
      journey: { name: 'http-offer-north', unit: 'north', status: 'draft' },
      templateVersion: 1,
      startsAt: '2026-11-01T00:00:00.000Z',
      endsAt: null,
      results: { entered: 0, active: 0, converted: 0, sent: 0 },
    });
    // Published through the normal journey lifecycle.
    const journey = made.json().journey.id;
    expect((await call('POST', `/v1/journeys/${journey}/publish`, bearer.north)).json()).toMatchObject({ status: 'published' });
  });

  it('lists instances per template in the caller scope: a branch its own, the head office all', async () => {
    await call('POST', `/v1/journey-templates/${id}/publish`, bearer.head, { to: 'all' });
    await f.fx.insight.createSegment({ name: 'south-only', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 1 } }, { id: 'x', unit: 'south' });
    const south = await call('POST', `/v1/journey-templates/${id}/instances`, bearer.south, {
      name: 'http-offer-south',
      values: { audience: 'south-only', offer_code: 'S10' },
    });
    expect(south.statusCode, south.body).toBe(201);
    const names = async (headers: Record<string, string>) =>
      (await call('GET', `/v1/journey-templates/${id}/instances`, headers))
        .json()
        .instances.map((i: { journey: { name: string; status: string } }) => i.journey);
    expect(await names(bearer.north)).toEqual([expect.objectContaining({ name: 'http-offer-north', status: 'published' })]);
    expect(await names(bearer.south)).toEqual([expect.objectContaining({ name: 'http-offer-south', status: 'draft' })]);
    expect((await names(bearer.head)).map((j: { name: string }) => j.name)).toEqual(['http-offer-north', 'http-offer-south']);
    expect((await names(t.as('compliance'))).map((j: { name: string }) => j.name)).toEqual(['http-offer-north', 'http-offer-south']);
    // A branch has no one below it to publish to, and does not republish what it received.
    expect((await call('POST', `/v1/journey-templates/${id}/publish`, bearer.north, { to: 'all' })).json().error.code).toBe('SCOPE_FORBIDDEN');
  });
});
