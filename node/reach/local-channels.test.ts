import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CUSTOMERS, type LocalChannelsFixture, localChannelsFixture } from '../../test/support/local-channels.js';

const ops = { id: 'token:ops-1', role: 'operator' } as const;
const app = { id: 'token:app-1', role: 'app' } as const;
const c0 = { dataset: 'customers', customerId: 'c0' };
const c1 = { dataset: 'customers', customerId: 'c1' };

let f: LocalChannelsFixture;
beforeEach(async () => {
  f = await localChannelsFixture();
});
afterEach(() => f.close());

/** No audit entry names a customer, nor holds their phone number or message text. */
function expectNoCustomerInAudit() {
  const text = JSON.stringify(f.audited('reach.'));
  for (const [id, c] of Object.entries(CUSTOMERS)) {
    expect(text).not.toMatch(new RegExp(`"${id}"|Hello ${id}`));
    if (c.mobile) expect(text).not.toContain(c.mobile);
  }
}

describe('delivery', () => {
  it.each(['inbox', 'call', 'branch_task'] as const)('%s: a second delivery of the same key returns the first result and keeps one row', (channel) => {
    const first = f.deliver(f.delivery(channel, 'c0', 1));
    expect(first).toEqual({ status: 'sent', providerId: expect.stringMatching(/^(inbox|call|task):\d+$/) });
    // After a crash the dispatcher delivers again, even with a re-rendered text: nothing is doubled.
    expect(f.deliver(f.delivery(channel, 'c0', 1, { text: 'rendered again' }))).toEqual(first);
    const second = f.deliver(f.delivery(channel, 'c0', 2));
    expect(second.status).toBe('sent');
    expect(second).not.toEqual(first);
  });

  it.each(['inbox', 'call', 'branch_task'] as const)('%s: an empty text is a permanent failure naming the field, and nothing is kept', (channel) => {
    expect(f.deliver(f.delivery(channel, 'c0', 1, { text: '  ' }))).toEqual({ status: 'permanent', reason: 'text: empty' });
    expect(f.deliver(f.delivery(channel, 'c0', 1))).toMatchObject({ status: 'sent' });
  });

  it('bad channel parameters are permanent failures naming the parameter', () => {
    expect(f.deliver(f.delivery('call', 'c0', 1, { params: { list: 'no spaces allowed' } }))).toEqual({
      status: 'permanent',
      reason: expect.stringMatching(/^params\.list: must match/),
    });
    for (const dueDays of [-1, 1.5, '3', 366]) {
      expect(f.deliver(f.delivery('branch_task', 'c0', 1, { params: { dueDays } }))).toEqual({
        status: 'permanent',
        reason: 'params.dueDays: an integer from 0 to 365',
      });
    }
  });
});

describe('in-app inbox', () => {
  it("lists a customer's messages newest first with paging, opens one (read, reported as opened), marks unread, deletes", async () => {
    for (let e = 1; e <= 3; e++) f.deliver(f.delivery('inbox', 'c0', e));
    f.deliver(f.delivery('inbox', 'c1', 4));
    const page1 = f.local.inbox.list({ ...c0, limit: 2 });
    expect(page1.messages.map((m) => m.text)).toEqual(['Hello c0, a new offer', 'Hello c0, a new offer']);
    expect(page1.unread).toBe(3);
    const page2 = f.local.inbox.list({ ...c0, limit: 2, before: page1.nextBefore! });
    expect(page2.messages).toHaveLength(1);
    expect(page2.nextBefore).toBeNull();
    const [newest, middle] = page1.messages;

    const opened = await f.local.inbox.read(newest!.id, c0, app);
    expect(opened).toMatchObject({ id: newest!.id, subject: 'Your offer', readAt: f.fx.clock.now.toISOString() });
    await f.local.inbox.read(newest!.id, c0, app);
    expect(f.feedback.ledger()).toEqual(['j7.v1.noffer.e3 opened']);
    expect(f.feedback.reported).toHaveLength(2); // the repeat is the ledger's to count
    expect(f.local.inbox.list({ ...c0, unreadOnly: true }).messages.map((m) => m.id)).not.toContain(newest!.id);

    expect((await f.local.inbox.mark(newest!.id, c0, false, app)).readAt).toBeNull();
    expect(f.local.inbox.list(c0).unread).toBe(3);
    expect(f.local.inbox.remove(middle!.id, c0, app)).toEqual({ id: middle!.id, deleted: true });
    expect(f.local.inbox.list(c0).messages.map((m) => m.id)).not.toContain(middle!.id);
    await expect(f.local.inbox.read(middle!.id, c0, app)).rejects.toMatchObject({ code: 'REACH_ITEM_NOT_FOUND' });

    expect(f.audited('reach.inbox').map((e) => [e.action, e.subject, e.actor])).toEqual([
      ['reach.inbox.read', String(newest!.id), 'token:app-1'],
      ['reach.inbox.unread', String(newest!.id), 'token:app-1'],
      ['reach.inbox.deleted', String(middle!.id), 'token:app-1'],
    ]);
    expectNoCustomerInAudit();
  });

  it('a report lost after the commit is made good by opening the message again', async () => {
    f.deliver(f.delivery('inbox', 'c0', 1));
    const [message] = f.local.inbox.list(c0).messages;
    const record = f.feedback.record;
    f.feedback.record = async () => {
      throw new Error('ledger unavailable');
    };
    await expect(f.local.inbox.read(message!.id, c0, app)).rejects.toThrow('ledger unavailable');
    f.feedback.record = record;
    expect(f.local.inbox.list(c0).messages[0]!.readAt).not.toBeNull();
    await f.local.inbox.read(message!.id, c0, app);
    expect(f.feedback.ledger()).toEqual(['j7.v1.noffer.e1 opened']);
  });

  it("never shows, opens, marks or deletes another customer's message", async () => {
    f.deliver(f.delivery('inbox', 'c1', 1));
    const [theirs] = f.local.inbox.list(c1).messages;
    expect(f.local.inbox.list(c0).messages).toEqual([]);
    await expect(f.local.inbox.read(theirs!.id, c0, app)).rejects.toMatchObject({ code: 'REACH_ITEM_NOT_FOUND', message: `no message ${theirs!.id}` });
    await expect(f.local.inbox.mark(theirs!.id, c0, true, app)).rejects.toMatchObject({ code: 'REACH_ITEM_NOT_FOUND' });
    expect(() => f.local.inbox.remove(theirs!.id, c0, app)).toThrow(expect.objectContaining({ code: 'REACH_ITEM_NOT_FOUND' }));
    expect(f.local.inbox.list(c1).messages[0]).toMatchObject({ id: theirs!.id, readAt: null });
    expect(f.feedback.reported).toEqual([]);
    expect(f.audited('reach.inbox')).toEqual([]);
  });

  it('refuses an unknown dataset and bad paging', () => {
    expect(() => f.local.inbox.list({ dataset: 'nope', customerId: 'c0' })).toThrow(expect.objectContaining({ code: 'DATASET_NOT_FOUND' }));
    expect(() => f.local.inbox.list({ ...c0, limit: 501 })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', details: expect.objectContaining({ field: 'limit' }) }),
    );
  });
});

describe('call lists', () => {
  it('lists calls per journey node or named list, claims by priority, and records outcomes as task_outcome (+ replied when reached)', async () => {
    f.deliver(f.delivery('call', 'c0', 1));
    f.deliver(f.delivery('call', 'c1', 2, { params: { priority: 9 } }));
    f.deliver(f.delivery('call', 'c2', 3, { params: { list: 'vip-callbacks' } }));
    expect(f.local.calls.lists()).toEqual([
      { list: 'j7.noffer', open: 2, claimed: 0, done: 0 },
      { list: 'vip-callbacks', open: 1, claimed: 0, done: 0 },
    ]);
    const { calls } = f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-7', limit: 1 }, ops);
    expect(calls).toMatchObject([{ customer: c1, phone: '+8613800000001', priority: 9, status: 'claimed', claimedBy: 'agent-7' }]);
    const call = calls[0]!;

    await expect(f.local.calls.outcome(call.id, { agent: 'agent-8', outcome: 'reached' }, ops)).rejects.toMatchObject({
      code: 'REACH_ITEM_CONFLICT',
      message: `call ${call.id} is claimed by agent agent-7; only the agent holding its claim records its outcome`,
    });
    // Not reached: back on the list for another attempt.
    expect(await f.local.calls.outcome(call.id, { agent: 'agent-7', outcome: 'no_answer' }, ops)).toMatchObject({
      status: 'open',
      attempts: 1,
      claimedBy: null,
    });
    f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-7', limit: 1 }, ops);
    expect(await f.local.calls.outcome(call.id, { agent: 'agent-7', outcome: 'interested', value: 1200 }, ops)).toMatchObject({
      status: 'done',
      attempts: 2,
      outcome: 'interested',
      value: 1200,
    });
    await expect(f.local.calls.outcome(call.id, { agent: 'agent-7', outcome: 'reached' }, ops)).rejects.toMatchObject({ code: 'REACH_ITEM_CONFLICT' });
    // The same outcome again is a retry whose report may have been lost: reported again, changed nothing.
    expect(await f.local.calls.outcome(call.id, { agent: 'agent-7', outcome: 'interested', value: 1200 }, ops)).toMatchObject({ attempts: 2 });
    expect(f.feedback.reported).toHaveLength(5);
    f.feedback.reported.splice(3);
    expect(f.feedback.ledger()).toEqual(['j7.v1.noffer.e2 task_outcome:no_answer', 'j7.v1.noffer.e2 replied:call']);
    expect(f.feedback.reported.at(-2)).toMatchObject({ outcome: 'task_outcome', detail: 'interested', value: 1200 });
    expect(f.audited('reach.call').map((e) => e.action)).toEqual(['reach.calls.claimed', 'reach.call.outcome', 'reach.calls.claimed', 'reach.call.outcome']);
    expectNoCustomerInAudit();
  });

  it('a claim not closed within 8 hours lapses: another agent can claim the call, and the first can no longer close it', async () => {
    f.deliver(f.delivery('call', 'c0', 1));
    const [call] = f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-7' }, ops).calls;
    expect(f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-8' }, ops).calls).toEqual([]);
    f.fx.clock.now = new Date(f.fx.clock.now.getTime() + 8 * 3_600_000 + 1000);
    expect(f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-8' }, ops).calls).toMatchObject([{ id: call!.id, claimedBy: 'agent-8' }]);
    await expect(f.local.calls.outcome(call!.id, { agent: 'agent-7', outcome: 'reached' }, ops)).rejects.toMatchObject({ code: 'REACH_ITEM_CONFLICT' });
  });

  it('refuses an unknown outcome, a bad agent id and a negative value, naming the field', async () => {
    f.deliver(f.delivery('call', 'c0', 1));
    const [call] = f.local.calls.claim({ list: 'j7.noffer', agent: 'agent-7' }, ops).calls;
    await expect(f.local.calls.outcome(call!.id, { agent: 'agent-7', outcome: 'maybe' }, ops)).rejects.toMatchObject({ details: { field: 'outcome' } });
    await expect(f.local.calls.outcome(call!.id, { agent: 'a@bank.example', outcome: 'reached' }, ops)).rejects.toMatchObject({ details: { field: 'agent' } });
    await expect(f.local.calls.outcome(call!.id, { agent: 'agent-7', outcome: 'reached', value: -1 }, ops)).rejects.toMatchObject({
      details: { field: 'value' },
    });
    await expect(f.local.calls.outcome(999, { agent: 'agent-7', outcome: 'reached' }, ops)).rejects.toMatchObject({ code: 'REACH_ITEM_NOT_FOUND' });
    expect(f.feedback.reported).toEqual([]);
  });

  it('exports the list as CSV with the phone column, quoting and defusing formulas, audited with counts only', () => {
    f.deliver(f.delivery('call', 'c0', 1, { text: 'Say "hi",\nthen the offer' }));
    f.deliver(f.delivery('call', 'c4', 2, { text: '=HYPERLINK("x")' }));
    f.deliver(f.delivery('call', 'c2', 3));
    const { csv, rows } = f.local.calls.exportCsv({ list: 'j7.noffer' }, ops);
    expect(rows).toBe(3);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('call_id,list,dataset,customer_id,phone,priority,status,attempts,outcome,subject,script,created_at');
    expect(csv).toContain(',customers,c0,+8613800000000,5,open,0,,Your offer,"Say ""hi"",\nthen the offer",');
    // c4's "phone" and script would run as formulas in a spreadsheet; c2 has no phone.
    expect(csv).toContain(`,customers,c4,'=cmd|calc,5,open,0,,Your offer,"'=HYPERLINK(""x"")",`);
    expect(csv).toContain(',customers,c2,,5,open,');
    expect(f.audited('reach.calls.exported')).toEqual([
      { action: 'reach.calls.exported', actor: 'token:ops-1', subject: 'j7.noffer', details: { rows: 3, withPhones: 2 } },
    ]);
    expectNoCustomerInAudit();
  });
});

describe('call lists without a contact column', () => {
  it('carry no phone number, in the API or the CSV', async () => {
    f.close();
    f = await localChannelsFixture({});
    f.deliver(f.delivery('call', 'c0', 1));
    expect(f.local.calls.list({ list: 'j7.noffer' }).calls[0]!.phone).toBeNull();
    const { csv } = f.local.calls.exportCsv({ list: 'j7.noffer' }, ops);
    expect(csv.split('\r\n')[0]).not.toContain('phone');
    expect(csv).not.toContain('+8613800000000');
  });
});

describe('branch tasks', () => {
  const sh = { id: 'token:rm-sh', role: 'operator', unit: 'sh' } as const;
  const bj = { id: 'token:rm-bj', role: 'operator', unit: 'bj' } as const;

  it("go to the customer's unit, or to the head office (marked) when it has none or names no unit", () => {
    for (const [e, id] of ['c0', 'c2', 'c3', 'c4', 'c5'].entries()) f.deliver(f.delivery('branch_task', id, e + 1, { params: { dueDays: 2 } }));
    const tasks = f.local.tasks.list({}, ops).tasks;
    expect(tasks.map((t) => [t.customer.customerId, t.unit, t.unitFallback])).toEqual([
      ['c0', 'sh-pudong', false],
      ['c2', 'bj', false],
      ['c3', 'head', true],
      ['c4', 'head', true],
      ['c5', 'sh', false],
    ]);
    expect(tasks[0]).toMatchObject({ dueOn: '2026-03-03', status: 'open', title: 'Your offer', text: 'Hello c0, a new offer', overdue: false });
  });

  it("a unit-bound token sees and changes only its scope's tasks", async () => {
    for (const [e, id] of ['c0', 'c2', 'c5'].entries()) f.deliver(f.delivery('branch_task', id, e + 1));
    const [pudong, beijing, shanghai] = f.local.tasks.list({}, ops).tasks;
    expect(f.local.tasks.list({}, sh).tasks.map((t) => t.id)).toEqual([pudong!.id, shanghai!.id]);
    expect(f.local.tasks.list({ unit: 'sh-pudong' }, sh).tasks.map((t) => t.id)).toEqual([pudong!.id]);
    expect(f.local.tasks.list({ unit: 'bj' }, sh).tasks).toEqual([]);
    expect(f.local.tasks.list({}, bj).tasks.map((t) => t.id)).toEqual([beijing!.id]);
    expect(() => f.local.tasks.get(pudong!.id, bj)).toThrow(expect.objectContaining({ code: 'REACH_ITEM_NOT_FOUND' }));
    expect(() => f.local.tasks.update(pudong!.id, { status: 'cancelled' }, bj)).toThrow(expect.objectContaining({ code: 'REACH_ITEM_NOT_FOUND' }));
    await expect(f.local.tasks.outcome(pudong!.id, { outcome: 'sold' }, bj)).rejects.toMatchObject({ code: 'REACH_ITEM_NOT_FOUND' });
    expect(f.local.tasks.get(pudong!.id, ops).status).toBe('open');
    expect(f.feedback.reported).toEqual([]);
  });

  it('are taken, closed with an outcome (task_outcome with value), and closed tasks do not change', async () => {
    f.deliver(f.delivery('branch_task', 'c0', 1));
    const [task] = f.local.tasks.list({}, sh).tasks;
    expect(f.local.tasks.update(task!.id, { status: 'in_progress', assignee: 'rm-li' }, sh)).toMatchObject({
      status: 'in_progress',
      assignee: 'rm-li',
      updatedBy: 'token:rm-sh',
    });
    expect(f.local.tasks.list({ assignee: 'rm-li' }, sh).tasks).toHaveLength(1);
    expect(await f.local.tasks.outcome(task!.id, { outcome: 'sold', value: 50_000 }, sh)).toMatchObject({ status: 'done', outcome: 'sold', value: 50_000 });
    expect(f.feedback.reported).toEqual([{ key: 'j7.v1.noffer.e1', outcome: 'task_outcome', at: f.fx.clock.now, detail: 'sold', value: 50_000 }]);
    await expect(f.local.tasks.outcome(task!.id, { outcome: 'sold' }, sh)).rejects.toMatchObject({
      code: 'REACH_ITEM_CONFLICT',
      message: `task ${task!.id} is closed with outcome sold`,
    });
    // The same outcome again is a retry whose report may have been lost: reported again, audited once.
    expect(await f.local.tasks.outcome(task!.id, { outcome: 'sold', value: 50_000 }, sh)).toMatchObject({ status: 'done' });
    expect(f.feedback.reported).toHaveLength(2);
    expect(() => f.local.tasks.update(task!.id, { status: 'open' }, sh)).toThrow(
      expect.objectContaining({ code: 'REACH_ITEM_CONFLICT', message: `task ${task!.id} is done; it cannot become open` }),
    );
    expect(f.audited('reach.task').map((e) => [e.action, e.subject, e.details])).toEqual([
      ['reach.task.updated', String(task!.id), { key: 'j7.v1.noffer.e1', from: 'open', status: 'in_progress', assignee: 'rm-li' }],
      ['reach.task.outcome', String(task!.id), { key: 'j7.v1.noffer.e1', outcome: 'sold', value: 50_000 }],
    ]);
    expectNoCustomerInAudit();
  });

  it('lists overdue tasks: not closed and past their due day', async () => {
    f.deliver(f.delivery('branch_task', 'c0', 1, { params: { dueDays: 1 } }));
    f.deliver(f.delivery('branch_task', 'c1', 2, { params: { dueDays: 5 } }));
    f.deliver(f.delivery('branch_task', 'c5', 3, { params: { dueDays: 1 } }));
    const [first, , third] = f.local.tasks.list({}, ops).tasks;
    f.local.tasks.update(third!.id, { status: 'cancelled' }, ops);
    expect(f.local.tasks.list({ overdue: true }, ops).tasks).toEqual([]);
    f.fx.clock.now = new Date('2026-03-03T00:00:00Z');
    expect(f.local.tasks.list({ overdue: true }, ops).tasks.map((t) => [t.id, t.overdue])).toEqual([[first!.id, true]]);
  });

  it('refuse bad input naming the field', async () => {
    f.deliver(f.delivery('branch_task', 'c0', 1));
    const [task] = f.local.tasks.list({}, ops).tasks;
    expect(() => f.local.tasks.update(task!.id, {}, ops)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    expect(() => f.local.tasks.update(task!.id, { assignee: 'li@bank.example' }, ops)).toThrow(expect.objectContaining({ details: { field: 'assignee' } }));
    await expect(f.local.tasks.outcome(task!.id, { outcome: 'Sold!' }, ops)).rejects.toMatchObject({ details: { field: 'outcome' } });
    await expect(f.local.tasks.outcome(task!.id, { outcome: 'sold', value: Number.NaN }, ops)).rejects.toMatchObject({ details: { field: 'value' } });
    expect(f.local.tasks.get(task!.id, ops)).toMatchObject({ status: 'open', outcome: null });
  });
});
