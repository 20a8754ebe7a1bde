import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createToken } from './tokens.js';
import { fakeServices } from '../../test/support/fake-services.js';
import { type LocalChannelsFixture, localChannelsFixture } from '../../test/support/local-channels.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let f: LocalChannelsFixture;
let t: TestApp;
let entry = 0;
/** Branch-bound operator tokens, as relationship managers hold them. */
const rm: Record<'sh' | 'bj', { authorization: string }> = {} as never;

beforeAll(async () => {
  f = await localChannelsFixture();
  const base = fakeServices();
  t = await testApp({ services: { ...base, pipeline: { ...base.pipeline, localChannels: f.local } } });
  for (const unit of ['sh', 'bj'] as const) {
    rm[unit] = { authorization: `Bearer ${createToken(join(t.dir, 'tokens.json'), { id: `rm-${unit}`, role: 'operator', unit })}` };
  }
});
afterAll(async () => {
  await t.close();
  f.close();
});
beforeEach(() => {
  f.fx.db.exec('DELETE FROM reach_inbox; DELETE FROM reach_calls; DELETE FROM reach_tasks');
  f.feedback.reported.length = 0;
});

const deliver = (channel: 'inbox' | 'call' | 'branch_task', customerId: string, params: Record<string, unknown> = {}) =>
  f.deliver(f.delivery(channel, customerId, ++entry, { params }));
const idOf = (r: ReturnType<typeof deliver>) => Number((r as { providerId: string }).providerId.split(':')[1]);

const APP = ['app'];
const OPERATOR = ['operator'];
const READ = ['operator', 'compliance'];
const ROUTES: [method: string, url: string, roles: string[]][] = [
  ['GET', '/v1/reach/inbox/messages', APP],
  ['POST', '/v1/reach/inbox/messages/{id}/open', APP],
  ['PUT', '/v1/reach/inbox/messages/{id}/read', APP],
  ['POST', '/v1/reach/inbox/messages/{id}/delete', APP],
  ['GET', '/v1/reach/calls/lists', OPERATOR],
  ['GET', '/v1/reach/calls', OPERATOR],
  ['POST', '/v1/reach/calls/claim', OPERATOR],
  ['POST', '/v1/reach/calls/{id}/outcome', OPERATOR],
  ['GET', '/v1/reach/calls/export', OPERATOR],
  ['GET', '/v1/reach/tasks', READ],
  ['GET', '/v1/reach/tasks/{id}', READ],
  ['PATCH', '/v1/reach/tasks/{id}', OPERATOR],
  ['POST', '/v1/reach/tasks/{id}/outcome', OPERATOR],
];
const ROLES = ['admin', 'operator', 'compliance', 'ingest', 'app'] as const;

describe('roles', () => {
  it('the table covers every inbox, call and task route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((d) => / \/v1\/reach\/(inbox|calls|tasks)\b/.test(d)).sort()).toEqual(ROUTES.map(([m, u]) => `${m} ${u}`).sort());
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for every other role', async (method, path, roles) => {
    const url = path.replace('{id}', '1');
    const payload = method === 'GET' ? undefined : {};
    expect((await t.app.inject({ method: method as 'GET', url, payload })).statusCode).toBe(401);
    for (const role of ROLES.filter((r) => !roles.includes(r))) {
      const denied = await t.app.inject({ method: method as 'GET', url, headers: t.as(role), payload });
      expect(denied.statusCode, role).toBe(403);
      expect(denied.json().error.code).toBe('FORBIDDEN_ROLE');
    }
  });

  it("the app's token opens the inbox and nothing else", async () => {
    for (const url of ['/v1/datasets', '/v1/reach/tasks', '/v1/journeys', '/v1/audit/verify', '/v1/health']) {
      const r = await t.app.inject({ method: url === '/v1/audit/verify' ? 'POST' : 'GET', url, headers: t.as('app') });
      expect(r.statusCode, url).toBe(403);
    }
    const events = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.as('app'), payload: { events: [] } });
    expect(events.statusCode).toBe(403);
  });
});

describe('in-app inbox over HTTP', () => {
  const customer = { dataset: 'customers', customerId: 'c0' };
  const list = (query: string) => t.app.inject({ url: `/v1/reach/inbox/messages?${query}`, headers: t.as('app') });

  it('lists, opens (reported as opened), marks unread and deletes; the customer id never reaches the log', async () => {
    const first = idOf(deliver('inbox', 'c0'));
    const second = idOf(deliver('inbox', 'c0'));
    deliver('inbox', 'c1');
    const r = await list('dataset=customers&customerId=c0&limit=1');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      messages: [{ id: second, subject: 'Your offer', text: 'Hello c0, a new offer', createdAt: f.fx.clock.now.toISOString(), readAt: null }],
      unread: 2,
      nextBefore: second,
    });
    expect((await list(`dataset=customers&customerId=c0&before=${second}`)).json().messages.map((m: { id: number }) => m.id)).toEqual([first]);

    const opened = await t.app.inject({ method: 'POST', url: `/v1/reach/inbox/messages/${first}/open`, headers: t.as('app'), payload: customer });
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json().readAt).toBe(f.fx.clock.now.toISOString());
    expect(f.feedback.reported.map((o) => [o.key, o.outcome])).toEqual([[`j7.v1.noffer.e${entry - 2}`, 'opened']]);
    expect((await list('dataset=customers&customerId=c0&unreadOnly=true')).json().messages.map((m: { id: number }) => m.id)).toEqual([second]);

    const unread = await t.app.inject({
      method: 'PUT',
      url: `/v1/reach/inbox/messages/${first}/read`,
      headers: t.as('app'),
      payload: { ...customer, read: false },
    });
    expect(unread.json().readAt).toBeNull();
    const deleted = await t.app.inject({ method: 'POST', url: `/v1/reach/inbox/messages/${first}/delete`, headers: t.as('app'), payload: customer });
    expect(deleted.json()).toEqual({ id: first, deleted: true });
    expect((await list('dataset=customers&customerId=c0')).json().messages.map((m: { id: number }) => m.id)).toEqual([second]);

    // Request ids are hex and may hold "c0": look for the id as a value or in a query string.
    expect(t.log.text()).not.toMatch(/"c0"|customerId|Hello c0/);
  });

  it("refuses another customer's message as absent, and bad input naming the field", async () => {
    const theirs = idOf(deliver('inbox', 'c1'));
    const r = await t.app.inject({ method: 'POST', url: `/v1/reach/inbox/messages/${theirs}/open`, headers: t.as('app'), payload: customer });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toEqual({ code: 'REACH_ITEM_NOT_FOUND', message: `no message ${theirs}`, details: { message: theirs } });
    expect(f.feedback.reported).toEqual([]);

    const missing = await list('dataset=customers');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'customerId' } });
    const tooMany = await list('dataset=customers&customerId=c0&limit=501');
    expect(tooMany.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'limit' } });
    const extra = await t.app.inject({
      method: 'PUT',
      url: `/v1/reach/inbox/messages/${theirs}/read`,
      headers: t.as('app'),
      payload: { ...customer, read: 'yes' },
    });
    expect(extra.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'read' } });
    const unknown = await list('dataset=nope&customerId=c0');
    expect(unknown.json().error.code).toBe('DATASET_NOT_FOUND');
  });
});

describe('call lists over HTTP', () => {
  it('claims, records outcomes and exports the list as CSV', async () => {
    const c0 = idOf(deliver('call', 'c0'));
    deliver('call', 'c1', { priority: 1 });
    const lists = await t.app.inject({ url: '/v1/reach/calls/lists', headers: t.as('operator') });
    expect(lists.json()).toEqual({ lists: [{ list: 'j7.noffer', open: 2, claimed: 0, done: 0 }] });

    const claim = await t.app.inject({
      method: 'POST',
      url: '/v1/reach/calls/claim',
      headers: t.as('operator'),
      payload: { list: 'j7.noffer', agent: 'agent-7', limit: 1 },
    });
    expect(claim.statusCode, claim.body).toBe(200);
    expect(claim.json().calls).toMatchObject([{ id: c0, phone: '+8613800000000', status: 'claimed', claimedBy: 'agent-7', script: 'Hello c0, a new offer' }]);
    const outcome = await t.app.inject({
      method: 'POST',
      url: `/v1/reach/calls/${c0}/outcome`,
      headers: t.as('operator'),
      payload: { agent: 'agent-7', outcome: 'reached' },
    });
    expect(outcome.json()).toMatchObject({ status: 'done', outcome: 'reached', attempts: 1 });
    expect(f.feedback.reported.map((o) => [o.outcome, o.detail])).toEqual([
      ['task_outcome', 'reached'],
      ['replied', 'call'],
    ]);
    const post = (outcome: string) =>
      t.app.inject({ method: 'POST', url: `/v1/reach/calls/${c0}/outcome`, headers: t.as('operator'), payload: { agent: 'agent-7', outcome } });
    const other = await post('busy');
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('REACH_ITEM_CONFLICT');
    // The same outcome again is a retry: answered as before, reported again for the ledger to count.
    expect((await post('reached')).json()).toMatchObject({ status: 'done', outcome: 'reached', attempts: 1 });
    expect(f.feedback.reported).toHaveLength(4);

    const page = await t.app.inject({ url: '/v1/reach/calls?list=j7.noffer&status=open', headers: t.as('operator') });
    expect(page.json().calls.map((c: { customer: { customerId: string } }) => c.customer.customerId)).toEqual(['c1']);

    const csv = await t.app.inject({ url: '/v1/reach/calls/export?list=j7.noffer', headers: t.as('operator') });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="calls.csv"');
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv.body).toContain(`${c0},j7.noffer,customers,c0,+8613800000000,5,done,1,reached,Your offer,`);
    expect(t.log.text()).not.toContain('+8613800000000');
  });

  it('refuses bad input naming the field', async () => {
    const bad = [
      ['/v1/reach/calls/claim', { list: 'j7.noffer', agent: 'agent@bank.example' }, 'agent'],
      ['/v1/reach/calls/claim', { list: 'j7.noffer', agent: 'a', limit: 0 }, 'limit'],
      ['/v1/reach/calls/claim', { agent: 'a' }, 'list'],
      ['/v1/reach/calls/1/outcome', { agent: 'a', outcome: 'reached', value: -5 }, 'value'],
      ['/v1/reach/calls/1/outcome', { agent: 'a', outcome: 'reached', note: 'free text' }, 'note'],
    ] as const;
    for (const [url, payload, field] of bad) {
      const r = await t.app.inject({ method: 'POST', url, headers: t.as('operator'), payload });
      expect(r.statusCode, `${url} ${field}`).toBe(400);
      expect(r.json().error.details.field).toBe(field);
    }
    const unknownOutcome = await t.app.inject({
      method: 'POST',
      url: '/v1/reach/calls/1/outcome',
      headers: t.as('operator'),
      payload: { agent: 'a', outcome: 'maybe' },
    });
    expect(unknownOutcome.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'outcome' } });
  });
});

describe('branch tasks over HTTP', () => {
  it("a branch token sees and works only its scope's tasks", async () => {
    const pudong = idOf(deliver('branch_task', 'c0', { dueDays: 1 }));
    const beijing = idOf(deliver('branch_task', 'c2'));
    const ids = async (headers: { authorization: string }, query = '') =>
      (await t.app.inject({ url: `/v1/reach/tasks${query}`, headers })).json().tasks.map((x: { id: number }) => x.id);
    expect(await ids(t.as('operator'))).toEqual([pudong, beijing]);
    expect(await ids(t.as('compliance'))).toEqual([pudong, beijing]);
    expect(await ids(rm.sh)).toEqual([pudong]);
    expect(await ids(rm.bj)).toEqual([beijing]);
    expect(await ids(rm.bj, '?unit=sh')).toEqual([]);

    const hidden = await t.app.inject({ url: `/v1/reach/tasks/${pudong}`, headers: rm.bj });
    expect(hidden.statusCode).toBe(404);
    const blocked = await t.app.inject({ method: 'PATCH', url: `/v1/reach/tasks/${pudong}`, headers: rm.bj, payload: { status: 'cancelled' } });
    expect(blocked.statusCode).toBe(404);

    const taken = await t.app.inject({
      method: 'PATCH',
      url: `/v1/reach/tasks/${pudong}`,
      headers: rm.sh,
      payload: { status: 'in_progress', assignee: 'rm-li' },
    });
    expect(taken.json()).toMatchObject({ status: 'in_progress', assignee: 'rm-li', updatedBy: 'token:rm-sh', unit: 'sh-pudong', dueOn: '2026-03-02' });
    const done = await t.app.inject({
      method: 'POST',
      url: `/v1/reach/tasks/${pudong}/outcome`,
      headers: rm.sh,
      payload: { outcome: 'interested', value: 300 },
    });
    expect(done.json()).toMatchObject({ status: 'done', outcome: 'interested', value: 300 });
    expect(f.feedback.reported).toMatchObject([{ outcome: 'task_outcome', detail: 'interested', value: 300 }]);

    const compliance = await t.app.inject({ method: 'PATCH', url: `/v1/reach/tasks/${beijing}`, headers: t.as('compliance'), payload: { status: 'done' } });
    expect(compliance.statusCode).toBe(403);
  });

  it('lists overdue tasks and refuses bad input naming the field', async () => {
    deliver('branch_task', 'c0', { dueDays: 0 });
    const overdue = async () => (await t.app.inject({ url: '/v1/reach/tasks?overdue=true', headers: t.as('operator') })).json().tasks;
    expect(await overdue()).toEqual([]);
    const saved = f.fx.clock.now;
    f.fx.clock.now = new Date(saved.getTime() + 86_400_000);
    try {
      expect(await overdue()).toMatchObject([{ overdue: true, status: 'open' }]);
    } finally {
      f.fx.clock.now = saved;
    }
    for (const [query, field] of [
      ['status=closed', 'status'],
      ['unit=Not A Unit', 'unit'],
      ['assignee=a%20b', 'assignee'],
    ] as const) {
      const r = await t.app.inject({ url: `/v1/reach/tasks?${query}`, headers: t.as('operator') });
      expect(r.statusCode, query).toBe(400);
      expect(r.json().error.details.field, query).toBe(field);
    }
    const r = await t.app.inject({ method: 'POST', url: '/v1/reach/tasks/1/outcome', headers: t.as('operator'), payload: { outcome: 'Sold!' } });
    expect(r.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'outcome' } });
  });
});
