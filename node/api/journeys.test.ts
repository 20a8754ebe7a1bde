import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { journeysFixture, smallJourney, type JourneysFixture } from '../../test/support/journeys-fixture.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let f: JourneysFixture;
let t: TestApp;

beforeAll(async () => {
  f = await journeysFixture();
  t = await testApp({ services: { ...fakeServices(), journeys: f.journeys } });
});
afterAll(async () => {
  await t.close();
  f.close();
});

const READ = ['operator', 'compliance'];
const WRITE = ['operator'];
// Every journeys route with the roles allowed; checked against the registered routes.
const ROUTES: [method: string, route: string, url: string, roles: string[]][] = [
  ['GET', '/v1/journeys', '/v1/journeys', READ],
  ['GET', '/v1/journeys/components', '/v1/journeys/components', READ],
  ['POST', '/v1/journeys', '/v1/journeys', WRITE],
  ['POST', '/v1/journeys/validate', '/v1/journeys/validate', READ],
  ['GET', '/v1/journeys/:id', '/v1/journeys/1', READ],
  ['GET', '/v1/journeys/:id/versions', '/v1/journeys/1/versions', READ],
  ['POST', '/v1/journeys/:id/versions', '/v1/journeys/1/versions', WRITE],
  ['POST', '/v1/journeys/:id/publish', '/v1/journeys/1/publish', WRITE],
  ['POST', '/v1/journeys/:id/pause', '/v1/journeys/1/pause', WRITE],
  ['POST', '/v1/journeys/:id/resume', '/v1/journeys/1/resume', WRITE],
  ['POST', '/v1/journeys/:id/stop', '/v1/journeys/1/stop', WRITE],
  ['POST', '/v1/journeys/:id/entries', '/v1/journeys/1/entries', WRITE],
  ['POST', '/v1/journeys/:id/dry-run', '/v1/journeys/1/dry-run', READ],
  ['GET', '/v1/journeys/:id/report', '/v1/journeys/1/report', READ],
  ['GET', '/v1/journeys/:id/entries/:entry', '/v1/journeys/1/entries/1', READ],
];

describe('journeys API roles', () => {
  it('the table covers every registered journeys route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // The A/B report (GET /v1/journeys/:id/experiment) belongs to the campaign reports; reach-reports.test.ts tests its roles.
    const own = documented.filter((d) => / \/v1\/journeys\b/.test(d) && !d.endsWith('/experiment'));
    expect(own.sort()).toEqual(ROUTES.map(([m, r]) => `${m} ${r}`).sort());
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

describe('journeys API', () => {
  it('lists the palette a canvas offers: every component with its kind, outlets and parameter schema, and the channels', async () => {
    const r = await t.app.inject({ url: '/v1/journeys/components', headers: t.as('compliance') });
    expect(r.statusCode).toBe(200);
    const { channels, components } = r.json();
    expect(channels).toEqual(['sms', 'email', 'push', 'inbox', 'wechat', 'call', 'branch_task', 'webhook']);
    expect(components).toHaveLength(17);
    const byType = Object.fromEntries(components.map((c: { type: string }) => [c.type, c]));
    expect(byType.attribute_split).toMatchObject({ kind: 'judgment', openEnded: false, outlets: { perKeyOf: 'branches', fixed: ['else'] } });
    expect(byType.time_window.outlets).toEqual({ fixed: ['out'], when: { outlet: 'skipped', param: 'outside', equals: 'skip' } });
    expect(byType.reach).toMatchObject({ kind: 'action', openEnded: true, params: { required: ['channel', 'template'] } });
    // A form with several shapes keeps its discriminator, so a canvas can offer the forms.
    expect(byType.delay.params).toMatchObject({ discriminator: { propertyName: 'kind' } });
    expect(byType.delay.params.oneOf).toHaveLength(6);
  });

  it('creates, reads, versions, publishes and pauses a journey', async () => {
    const ops = t.as('operator');
    const created = await t.app.inject({ method: 'POST', url: '/v1/journeys', headers: ops, payload: { name: 'http-welcome', graph: smallJourney() } });
    expect(created.statusCode, created.body).toBe(201);
    const { journey, version } = created.json();
    expect(journey).toMatchObject({ name: 'http-welcome', status: 'draft', latestVersion: 1, createdBy: 'token:operator-1' });
    expect(version).toMatchObject({ version: 1, state: 'draft', nodes: 4 });

    const read = await t.app.inject({ url: `/v1/journeys/${journey.id}`, headers: t.as('compliance') });
    expect(read.statusCode).toBe(200);
    expect(read.json().version.graph).toEqual(smallJourney());

    expect((await t.app.inject({ method: 'POST', url: `/v1/journeys/${journey.id}/publish`, headers: ops })).json()).toMatchObject({
      status: 'published',
      liveVersion: 1,
    });
    const edited = smallJourney() as { nodes: { params: Record<string, unknown> }[] };
    edited.nodes[2].params.priority = 8;
    const v2 = await t.app.inject({ method: 'POST', url: `/v1/journeys/${journey.id}/versions`, headers: ops, payload: { graph: edited } });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ changed: true, version: { version: 2, state: 'draft' }, journey: { liveVersion: 1 } });
    const same = await t.app.inject({ method: 'POST', url: `/v1/journeys/${journey.id}/versions`, headers: ops, payload: { graph: edited } });
    expect([same.statusCode, same.json().changed]).toEqual([200, false]);

    const versions = await t.app.inject({ url: `/v1/journeys/${journey.id}/versions`, headers: ops });
    expect(versions.json().versions.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
      [2, 'draft'],
      [1, 'live'],
    ]);
    const first = await t.app.inject({ url: `/v1/journeys/${journey.id}?version=1`, headers: ops });
    expect(first.json().version).toMatchObject({ version: 1, state: 'live', graph: smallJourney() });
    expect((await t.app.inject({ method: 'POST', url: `/v1/journeys/${journey.id}/pause`, headers: ops })).json()).toMatchObject({ status: 'paused' });
    const list = await t.app.inject({ url: '/v1/journeys', headers: ops });
    expect(list.json().journeys).toContainEqual(expect.objectContaining({ name: 'http-welcome', status: 'paused', latestVersion: 2, liveVersion: 1 }));
  });

  it('refuses an invalid graph with 422 JOURNEY_INVALID and every problem by node and parameter', async () => {
    const graph = smallJourney('nope') as { nodes: { id: string; params: Record<string, unknown>; next?: Record<string, string> }[] };
    graph.nodes[1].next = { gold: 'sms' };
    const r = await t.app.inject({ method: 'POST', url: '/v1/journeys', headers: t.as('operator'), payload: { name: 'http-broken', graph } });
    expect(r.statusCode).toBe(422);
    const error = r.json().error;
    expect(error.code).toBe('JOURNEY_INVALID');
    expect(error.details.problems).toEqual([
      expect.objectContaining({ nodeId: 'rich', param: 'next.else', code: 'BRANCH_UNTERMINATED' }),
      expect.objectContaining({ nodeId: 'bye', code: 'NODE_UNREACHABLE' }),
      expect.objectContaining({ nodeId: 'start', param: 'segment', code: 'SEGMENT_UNKNOWN' }),
    ]);
  });

  it('validates without saving', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/v1/journeys/validate', headers: t.as('compliance'), payload: { graph: smallJourney() } });
    expect(ok.json()).toEqual({ valid: true, problems: [] });
    const bad = await t.app.inject({ method: 'POST', url: '/v1/journeys/validate', headers: t.as('operator'), payload: { graph: { dataset: 'customers' } } });
    expect(bad.json()).toEqual({ valid: false, problems: [{ param: 'nodes', code: 'GRAPH_INVALID', message: 'nodes: a list of nodes is required' }] });
    expect(f.journeys.list({ id: 'x', role: 'operator' }).map((j) => j.name)).not.toContain('validate');
  });

  it('names unknown journeys, versions and refused state changes', async () => {
    const ops = t.as('operator');
    const missing = await t.app.inject({ url: '/v1/journeys/9999', headers: ops });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'JOURNEY_NOT_FOUND']);
    const created = await t.app.inject({ method: 'POST', url: '/v1/journeys', headers: ops, payload: { name: 'http-states', graph: smallJourney() } });
    const id = created.json().journey.id;
    const version = await t.app.inject({ url: `/v1/journeys/${id}?version=5`, headers: ops });
    expect([version.statusCode, version.json().error.code]).toEqual([404, 'JOURNEY_VERSION_UNKNOWN']);
    const resume = await t.app.inject({ method: 'POST', url: `/v1/journeys/${id}/resume`, headers: ops });
    expect([resume.statusCode, resume.json().error.code]).toEqual([409, 'JOURNEY_STATE_INVALID']);
    const again = await t.app.inject({ method: 'POST', url: '/v1/journeys', headers: ops, payload: { name: 'http-states', graph: smallJourney() } });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'JOURNEY_EXISTS']);
    const badName = await t.app.inject({ method: 'POST', url: '/v1/journeys', headers: ops, payload: { name: 'Bad Name', graph: smallJourney() } });
    expect([badName.statusCode, badName.json().error]).toEqual([
      400,
      expect.objectContaining({ code: 'REQUEST_INVALID', details: expect.objectContaining({ field: 'name' }) }),
    ]);
  });
});
