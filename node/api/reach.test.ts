/** The dead-letter routes over a real node database and dispatcher: roles, filters and paging, re-drive and its errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { type GatewayServer, gatewayServer } from '../../test/support/gateway-server.js';
import { dispatchFixture, webhookChannel } from '../../test/support/reach-dispatch.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let gateway: GatewayServer;
let f: Awaited<ReturnType<typeof dispatchFixture>>;
let t: TestApp;
const keys: string[] = [];

beforeAll(async () => {
  // Every send is refused permanently: each message dies at its first attempt.
  gateway = await gatewayServer(() => ({ status: 400, body: '{"error":"unknown recipient"}' }));
  f = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1', c2: 'crm-2', c3: 'crm-3' } });
  keys.push(f.write('c1', 'webhook', { journeyId: 7 }), f.write('c2', 'webhook', { journeyId: 7 }), f.write('c3', 'webhook', { journeyId: 8 }));
  await f.dispatcher.runOnce();
  const pipeline = { ...fakeServices().pipeline, reach: { deadLetters: f.deadLetters } };
  t = await testApp({ services: { ...fakeServices(), pipeline } });
});
afterAll(async () => {
  await t.close();
  await f.close();
  await gateway.close();
});

const ROUTES: [method: string, url: string, roles: string[]][] = [
  ['GET', '/v1/reach/dead-letters', ['operator', 'compliance']],
  ['POST', '/v1/reach/dead-letters/redrive', ['operator']],
];

describe('reach API roles', () => {
  it('the table covers every dead-letter route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((d) => / \/v1\/reach\/dead-letters/.test(d)).sort()).toEqual(ROUTES.map(([m, u]) => `${m} ${u}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, url, roles) => {
    const payload = method === 'GET' ? undefined : { all: true };
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance', 'ingest'] as const).filter((r) => !roles.includes(r))) {
      expect((await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload })).statusCode, role).toBe(403);
    }
  });
});

describe('dead letters over HTTP', () => {
  it('lists dead messages by journey and channel, paged, without the customer', async () => {
    const all = await t.app.inject({ url: '/v1/reach/dead-letters', headers: t.as('compliance') });
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().total).toBe(3);
    expect(all.json().deadLetters[0]).toEqual({
      idempotencyKey: expect.any(String),
      journeyId: expect.any(Number),
      journeyVersion: 1,
      nodeId: 'send',
      channel: 'webhook',
      reason: expect.stringContaining('HTTP 400'),
      diedAt: expect.any(String),
    });
    expect(all.body).not.toMatch(/"c[123]"|crm-/);
    const page = (await t.app.inject({ url: '/v1/reach/dead-letters?journeyId=7&limit=1&offset=1', headers: t.as('operator') })).json();
    expect(page.total).toBe(2);
    expect(page.deadLetters).toHaveLength(1);
    expect((await t.app.inject({ url: '/v1/reach/dead-letters?channel=sms', headers: t.as('operator') })).json().total).toBe(0);
    expect((await t.app.inject({ url: '/v1/reach/dead-letters?channel=fax', headers: t.as('operator') })).statusCode).toBe(400);
  });

  it('re-drives one by key, refuses an empty request and a key that is not dead', async () => {
    const post = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/v1/reach/dead-letters/redrive', headers: t.as('operator'), payload });
    const empty = await post({});
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.code).toBe('REACH_REDRIVE_INVALID');
    const unknown = await post({ key: 'j9.v1.nsend.e99' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('REACH_DEAD_LETTER_NOT_FOUND');
    expect((await post({ key: keys[2] })).json()).toEqual({ redriven: 1 });
    expect(f.row(keys[2]).status).toBe('pending');
    expect((await post({ journeyId: 7 })).json()).toEqual({ redriven: 2 });
    expect((await post({ all: true })).json()).toEqual({ redriven: 0 });
    expect(
      f
        .audit()
        .filter((e) => e.action === 'reach.redriven')
        .map((e) => e.details),
    ).toEqual([
      { redriven: 1, key: keys[2] },
      { redriven: 2, journeyId: 7 },
      { redriven: 0, all: true },
    ]);
  });
});
