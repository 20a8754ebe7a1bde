import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { type ConsentFixture, consentFixture } from '../../test/support/frequency.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let f: ConsentFixture;
let t: TestApp;

beforeAll(async () => {
  f = await consentFixture({ consent: { email: 'opt_in' }, maxConsentBatch: 3 });
  t = await testApp({ services: { ...fakeServices(), pipeline: f.pipeline } });
});
afterAll(async () => {
  await t.close();
  f.close();
});

const READ = ['operator', 'compliance'];
const WRITE = ['operator'];
const ROUTES: [method: string, url: string, roles: string[]][] = [
  ['PUT', '/v1/consent', WRITE],
  ['POST', '/v1/consent/lookup', READ],
  ['GET', '/v1/frequency/suppressions', READ],
];

const put = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/v1/consent', headers: t.as('operator'), payload });
const lookup = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/v1/consent/lookup', headers: t.as('compliance'), payload });

describe('consent API roles', () => {
  it('the table covers every consent and frequency route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((d) => / \/v1\/(consent|frequency)\b/.test(d)).sort()).toEqual(ROUTES.map(([m, u]) => `${m} ${u}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, url, roles) => {
    const payload = method === 'GET' ? undefined : {};
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of (['admin', 'operator', 'compliance', 'ingest'] as const).filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload });
      expect(denied.statusCode, role).toBe(403);
    }
  });
});

describe('PUT /v1/consent', () => {
  it('records opt-ins and opt-outs under the normalised id, shows them with each channel’s model, and audits counts only', async () => {
    const r = await put({
      dataset: 'phones',
      source: 'branch-form',
      entries: [
        { customerId: '+86 138-0013-8000', channel: 'sms', status: 'opted_out' },
        { customerId: '+8613800138000', channel: 'email', status: 'opted_in', source: 'web:preferences' },
      ],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ dataset: 'phones', entries: 2, changed: 2 });
    // The same again changes nothing.
    expect(
      (await put({ dataset: 'phones', source: 'branch-form', entries: [{ customerId: '+86 13800138000', channel: 'sms', status: 'opted_out' }] })).json(),
    ).toMatchObject({
      changed: 0,
    });

    const shown = await lookup({ dataset: 'phones', customerId: '+86 138 0013 8000' });
    expect(shown.statusCode, shown.body).toBe(200);
    const byChannel = Object.fromEntries(shown.json().channels.map((c: { channel: string }) => [c.channel, c]));
    expect(byChannel.sms).toMatchObject({ model: 'opt_out', status: 'opted_out', source: 'branch-form', updatedBy: 'token:operator-1' });
    expect(byChannel.email).toMatchObject({ model: 'opt_in', status: 'opted_in', source: 'web:preferences' });
    expect(byChannel.push).toMatchObject({ model: 'opt_out', status: null, source: null });

    const audited = f.audited('consent.');
    expect(audited.map((e) => e.action)).toEqual(['consent.set', 'consent.set', 'consent.viewed']);
    expect(audited[0]).toMatchObject({
      actor: 'token:operator-1',
      subject: 'phones',
      details: { entries: 2, changed: 2, optedIn: 1, optedOut: 1, channels: ['email', 'sms'] },
    });
    expect(JSON.stringify(audited)).not.toMatch(/138|0013|8000/);
  });

  it('the gate then suppresses the opted-out channel and sends on the consented one', async () => {
    const decide = (channel: 'sms' | 'email') =>
      f.pipeline.frequency.gate.decide([
        {
          dataset: 'phones',
          customerId: '+8613800138000',
          channel,
          journeyId: 1,
          journeyVersion: 1,
          nodeId: 'n',
          entryId: 1,
          priority: 5,
          transactional: false,
          at: new Date('2026-03-02T12:00:00Z'),
          onCap: 'skip',
          onQuiet: 'postpone',
        },
      ])[0];
    expect(decide('sms')).toMatchObject({ kind: 'suppress', reason: 'opted_out' });
    expect(decide('email')).toMatchObject({ kind: 'send' });
    const counts = await t.app.inject({ url: '/v1/frequency/suppressions?journeyId=1', headers: t.as('compliance') });
    expect(counts.statusCode, counts.body).toBe(200);
    expect(counts.json()).toMatchObject({ opted_out: { suppressed: 1, waited: 0 }, cap: { suppressed: 0, waited: 0 } });
    expect((await t.app.inject({ url: '/v1/frequency/suppressions?journeyId=2', headers: t.as('compliance') })).json().opted_out).toEqual({
      suppressed: 0,
      waited: 0,
    });
  });

  it.each([
    [{ customerId: '+8613800138000', channel: 'fax', status: 'opted_in' }, 'entries[1].channel', /not a channel; one of sms, email/],
    [{ customerId: '+8613800138000', channel: 'sms', status: 'maybe' }, 'entries[1].status', /must be one of opted_in, opted_out/],
    [{ customerId: 'call me 555', channel: 'sms', status: 'opted_in' }, 'entries[1].customerId', /not a valid identifier of dataset phones/],
    [{ customerId: '+8613800138000', channel: 'sms', status: 'opted_in', source: '<script>' }, 'entries[1].source', /letters, digits/],
  ])('refuses a batch with a bad entry (%j) whole, naming %s and never the id', async (bad, field, message) => {
    const before = f.audited('consent.set').length;
    const r = await put({ dataset: 'phones', entries: [{ customerId: '+1 212 555 0100', channel: 'push', status: 'opted_out' }, bad] });
    expect(r.statusCode).toBe(422);
    expect(r.json().error).toMatchObject({ code: 'CONSENT_INVALID', details: { field } });
    expect(r.json().error.message).toMatch(message);
    expect(r.body).not.toMatch(/call me|8613800138000|2125550100/);
    expect(f.audited('consent.set')).toHaveLength(before);
    const shown = (await lookup({ dataset: 'phones', customerId: '+1 212 555 0100' })).json();
    expect(shown.channels.find((c: { channel: string }) => c.channel === 'push').status).toBeNull();
  });

  it('refuses a batch over journeys.frequency.maxConsentBatch with 413 naming the limit, an unknown dataset with 404, an empty one with 422', async () => {
    const entry = { customerId: 'c1', channel: 'sms', status: 'opted_out' };
    const big = await put({ dataset: 'customers', entries: [entry, entry, entry, entry] });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'CONSENT_BATCH_TOO_LARGE', details: { field: 'entries', limit: 3, received: 4 } });
    expect((await put({ dataset: 'nope', entries: [entry] })).json().error).toMatchObject({ code: 'DATASET_NOT_FOUND' });
    expect((await put({ dataset: 'customers', entries: [] })).json().error).toMatchObject({ code: 'CONSENT_INVALID', details: { field: 'entries' } });
    expect((await put({ dataset: 'customers', entries: [{ ...entry, extra: 1 }] })).statusCode).toBe(400);
    expect((await lookup({ dataset: 'phones', customerId: 'not a phone' })).json().error).toMatchObject({
      code: 'CONSENT_INVALID',
      details: { field: 'customerId' },
    });
  });
});
