/**
 * The reach dispatcher over a real node database and the engine's outbox, sending through the real
 * webhook channel to a local HTTP gateway: what each kind of message ends as, what the provider
 * receives, retries and dead letters, the node's own channels and the feedback port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayServer, gatewayServer } from '../../test/support/gateway-server.js';
import { dispatchFixture, recordingLocalChannel, webhookChannel } from '../../test/support/reach-dispatch.js';
import { recordingFeedback } from '../../test/support/reach-feedback.js';
import { insertJourney, type JourneyStatus, setStatus } from '../journeys/store.js';

let gateway: GatewayServer;
let fixture: Awaited<ReturnType<typeof dispatchFixture>> | undefined;
beforeEach(async () => {
  gateway = await gatewayServer();
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  await gateway.close();
});

const outcome = (f: NonNullable<typeof fixture>, key: string) => JSON.parse(f.row(key).outcome ?? 'null') as Record<string, unknown>;

describe('the reach dispatcher', () => {
  it('sends due messages with their key and the contact from the dataset column, records them sent and reports each outcome', async () => {
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1', c2: 'crm-2' }, feedback }));
    const k1 = f.write('c1', 'webhook');
    const k2 = f.write('c2', 'webhook');
    expect(await f.dispatcher.runOnce()).toBe(2);
    expect(f.row(k1).status).toBe('sent');
    expect(f.row(k2).status).toBe('sent');
    expect(outcome(f, k1)).toEqual({ status: 'sent' });
    const byKey = new Map(gateway.received.map((r) => [r.headers['idempotency-key'], r.json]));
    expect(byKey.get(k1)).toMatchObject({ key: k1, to: 'crm-1', text: 'Hello Li', subject: 'For Li' });
    expect(byKey.get(k2)).toMatchObject({ to: 'crm-2' });
    expect(feedback.reported.map((o) => [o.key, o.outcome]).sort()).toEqual([
      [k1, 'sent'],
      [k2, 'sent'],
    ]);
    expect(f.sends).toEqual([
      { channel: 'webhook', status: 'sent' },
      { channel: 'webhook', status: 'sent' },
    ]);
    expect(f.attempts(k1)).toBe(1);
    // Nothing is due any more: the next round claims nothing and sends nothing.
    expect(await f.dispatcher.runOnce()).toBe(0);
    expect(gateway.received).toHaveLength(2);
  });

  it('re-reads consent at send time: an opt-out recorded after the engine wrote the message suppresses it (opted_out)', async () => {
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1', c2: 'crm-2' }, feedback }));
    const k1 = f.write('c1', 'webhook');
    const k2 = f.write('c2', 'webhook');
    f.optOut('c1', 'webhook');
    await f.dispatcher.runOnce();
    expect(outcome(f, k1)).toEqual({ status: 'suppressed', reason: 'opted_out' });
    expect(f.row(k2).status).toBe('sent');
    expect(gateway.received.map((r) => r.headers['idempotency-key'])).toEqual([k2]);
    expect(feedback.reported.find((o) => o.key === k1)).toMatchObject({ outcome: 'suppressed', detail: 'opted_out' });
  });

  it('suppresses a channel whose model is opt_in for a customer without a recorded opt-in (no_consent)', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1' }, consent: { webhook: 'opt_in' } }));
    const k = f.write('c1', 'webhook');
    await f.dispatcher.runOnce();
    expect(outcome(f, k)).toEqual({ status: 'suppressed', reason: 'no_consent' });
    expect(gateway.received).toHaveLength(0);
  });

  it('records a customer without a contact as a no_contact suppression, not an error', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: {} }));
    const k = f.write('c9', 'webhook');
    await f.dispatcher.runOnce();
    expect(outcome(f, k)).toEqual({ status: 'suppressed', reason: 'no_contact' });
    expect(f.sends).toEqual([{ channel: 'webhook', status: 'suppressed' }]);
    expect(gateway.received).toHaveLength(0);
  });

  it('keeps a message waiting, and says why, when its dataset has no such contact column (a config mistake must not suppress a campaign)', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url, { contactColumn: 'missing' }), contacts: {} }));
    const k = f.write('c1', 'webhook');
    await f.dispatcher.runOnce();
    expect(f.row(k).status).toBe('failed');
    expect(outcome(f, k).reason).toBe('dataset customers has no column missing (reach.channels.webhook.contactColumn)');
    expect(new Date(f.row(k).scheduledAt).getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(f.attempts(k)).toBe(0);
    expect(f.logged.some((l) => l.includes('has no column missing'))).toBe(true);
  });

  it('kills a message whose template names a variable without a value, naming the variable: never a half-filled message', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1' } }));
    const k = f.write('c1', 'webhook', { template: { body: 'Hi {{profile.first_name}}, your {{profile.tier}} offer' } });
    await f.dispatcher.runOnce();
    expect(f.row(k).status).toBe('dead');
    expect(String(outcome(f, k).reason)).toContain('profile.tier');
    expect(gateway.received).toHaveLength(0);
  });

  it('leaves messages on a channel that is not configured, or disabled, in the outbox', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url, { enabled: true }), contacts: { c1: 'crm-1' } }));
    const sms = f.write('c1', 'sms');
    const inbox = f.write('c1', 'inbox');
    expect(await f.dispatcher.runOnce()).toBe(0);
    expect(f.row(sms).status).toBe('pending');
    expect(f.row(inbox).status).toBe('pending');
  });

  it('retries a transient failure after the retry delay, at least the Retry-After the provider asked for', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1' } }));
    gateway.replies.push({ status: 429, headers: { 'retry-after': '30' }, body: 'slow down' });
    const k = f.write('c1', 'webhook');
    const before = Date.now();
    await f.dispatcher.runOnce();
    expect(f.row(k).status).toBe('failed');
    expect(new Date(f.row(k).scheduledAt).getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(f.retries).toEqual(['webhook']);
    // Not due yet: nothing is sent again before the provider's time.
    expect(await f.dispatcher.runOnce()).toBe(0);
    expect(gateway.received).toHaveLength(1);
  });

  it('marks a message dead after maxAttempts transient failures, lists it as a dead letter, and re-drives it with attempts reset (audited with counts)', async () => {
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({
      channels: webhookChannel(gateway.url, { maxAttempts: 2 }),
      contacts: { 'li.wang-8812': 'crm-1', c2: 'crm-2' },
      feedback,
    }));
    gateway.replies.push({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const k = f.write('li.wang-8812', 'webhook', { journeyId: 7 });
    const other = f.write('c2', 'webhook', { journeyId: 8 });
    await f.dispatcher.runOnce();
    await new Promise((r) => setTimeout(r, 40)); // the retry delay is at most retryCapMs (20 ms)
    await f.dispatcher.runOnce();
    expect(f.row(k).status).toBe('dead');
    expect(String(outcome(f, k).reason)).toMatch(/^gave up after 2 attempts: HTTP 503/);
    expect(f.attempts(k)).toBe(2);
    expect(feedback.reported.filter((o) => o.key === k).map((o) => [o.outcome, o.detail])).toEqual([
      ['failed', 'transient'],
      ['dead', 'max_attempts'],
    ]);

    const listed = f.deadLetters.list({ journeyId: 7 }, { limit: 10, offset: 0 });
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ idempotencyKey: k, journeyId: 7, channel: 'webhook' });
    expect(JSON.stringify(listed)).not.toContain('li.wang');
    expect(f.deadLetters.list({}, { limit: 10, offset: 0 }).total).toBe(2);
    expect(f.deadLetters.list({ channel: 'sms' }, { limit: 10, offset: 0 }).total).toBe(0);

    expect(() => f.deadLetters.redrive({}, { id: 'alice' })).toThrow(expect.objectContaining({ code: 'REACH_REDRIVE_INVALID' }));
    expect(() => f.deadLetters.redrive({ idempotencyKey: 'j1.v1.nsend.e999' }, { id: 'alice' })).toThrow(
      expect.objectContaining({ code: 'REACH_DEAD_LETTER_NOT_FOUND' }),
    );
    expect(f.deadLetters.redrive({ journeyId: 7 }, { id: 'alice' })).toEqual({ redriven: 1 });
    expect(f.row(k).status).toBe('pending');
    expect(f.row(other).status).toBe('dead');
    expect(f.attempts(k)).toBe(0);
    const entry = f.audit().find((e) => e.action === 'reach.redriven');
    expect(entry).toMatchObject({ actor: 'alice', details: { redriven: 1, journeyId: 7 } });
    expect(JSON.stringify(entry)).not.toContain('li.wang');

    await f.dispatcher.runOnce(); // the gateway now answers 200
    expect(f.row(k).status).toBe('sent');
    expect(f.deadLetters.redrive({ all: true }, { id: 'alice' })).toEqual({ redriven: 1 });
  });

  it('kills a message the provider refuses permanently (HTTP 400) at once', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1' } }));
    gateway.replies.push({ status: 400, body: '{"error":"unknown recipient"}' });
    const k = f.write('c1', 'webhook');
    await f.dispatcher.runOnce();
    expect(f.row(k).status).toBe('dead');
    expect(String(outcome(f, k).reason)).toContain('HTTP 400');
    expect(f.sends).toEqual([{ channel: 'webhook', status: 'dead' }]);
  });

  it("delivers the node's own channels through the local channel, with the rendered text and the node's parameters", async () => {
    const inbox = recordingLocalChannel('inbox');
    const calls = recordingLocalChannel('call', () => 'no call list for this unit');
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: {}, local: [inbox, calls], feedback }));
    const k = f.write('c1', 'inbox');
    const refused = f.write('c2', 'call');
    expect(await f.dispatcher.runOnce()).toBe(2);
    expect(outcome(f, k)).toEqual({ status: 'sent', providerId: 'inbox-1' });
    expect(inbox.delivered.get(k)).toMatchObject({
      channel: 'inbox',
      customer: { dataset: 'customers', customerId: 'c1' },
      journey: { id: 1, version: 1, node: 'send' },
      subject: 'For Li',
      text: 'Hello Li',
      params: { dueDays: 3 },
    });
    expect(outcome(f, refused)).toEqual({ status: 'dead', reason: 'no call list for this unit' });
    expect(feedback.reported.map((o) => [o.key, o.outcome]).sort()).toEqual([
      [k, 'sent'],
      [refused, 'dead'],
    ]);
  });

  it("running on its own, reports what ended without a send (the node's own channels) to the feedback port", async () => {
    const inbox = recordingLocalChannel('inbox');
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: {}, local: [inbox], feedback, dispatch: { pollMs: 20 } }));
    const k = f.write('c1', 'inbox');
    f.dispatcher.start();
    for (let i = 0; i < 400 && feedback.reported.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // While it runs, not only when it stops (which drains the feedback queue anyway).
    const reported = feedback.reported.map((o) => [o.key, o.outcome]);
    await f.dispatcher.stop();
    expect(reported).toEqual([[k, 'sent']]);
  });

  it('reports the outcomes of a round that follows idle rounds (nothing queued, nothing to report)', async () => {
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1', c2: 'crm-2' }, feedback }));
    expect(await f.dispatcher.runOnce()).toBe(0);
    expect(await f.dispatcher.runOnce()).toBe(0);
    const k1 = f.write('c1', 'webhook');
    expect(await f.dispatcher.runOnce()).toBe(1);
    expect(feedback.reported.map((o) => [o.key, o.outcome])).toEqual([[k1, 'sent']]);
    const k2 = f.write('c2', 'webhook');
    expect(await f.dispatcher.runOnce()).toBe(1);
    expect(feedback.reported.map((o) => [o.key, o.outcome])).toEqual([
      [k1, 'sent'],
      [k2, 'sent'],
    ]);
  });

  it('keeps outcomes the feedback port could not take and reports them in a later round', async () => {
    const feedback = recordingFeedback();
    feedback.failNext = 1;
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1' }, feedback }));
    const k = f.write('c1', 'webhook');
    await f.dispatcher.runOnce();
    expect(feedback.reported).toEqual([]);
    expect(f.logged.some((l) => l.includes('reporting outcomes failed'))).toBe(true);
    await f.dispatcher.runOnce();
    expect(feedback.reported.map((o) => [o.key, o.outcome])).toEqual([[k, 'sent']]);
    await f.dispatcher.runOnce();
    expect(feedback.reported).toHaveLength(1);
  });

  it('records each result as its send ends: a reply the provider holds back delays only its own message, not the rest of its batch', async () => {
    const f = (fixture = await dispatchFixture({
      channels: webhookChannel(gateway.url, { concurrency: 4, timeoutMs: 60_000 }),
      dispatch: { batch: 10, concurrency: 4, drainMs: 100 },
      contacts: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}`, `crm-${i}`])),
    }));
    gateway.replies.push({ hold: true });
    const keys = Array.from({ length: 6 }, (_, i) => f.write(`c${i}`, 'webhook'));
    f.dispatcher.start();
    const sent = () => keys.filter((k) => f.row(k).status === 'sent');
    for (let i = 0; i < 400 && sent().length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    // Five recorded while the first is still waiting for its reply, in the same claimed batch.
    expect(sent()).toEqual(keys.slice(1));
    expect(f.row(keys[0]).status).toBe('claimed');
    await f.dispatcher.stop();
    expect(f.row(keys[0]).status).toBe('failed');
    expect(gateway.received).toHaveLength(6);
  });

  it('stops: aborts the send in flight after drainMs (a transient failure, retried later), gives the unsent back and counts no attempt for them', async () => {
    const f = (fixture = await dispatchFixture({
      channels: webhookChannel(gateway.url, { concurrency: 1, timeoutMs: 60_000 }),
      dispatch: { concurrency: 1, drainMs: 100 },
      contacts: { c1: 'crm-1', c2: 'crm-2', c3: 'crm-3' },
    }));
    gateway.replies.push({ hold: true });
    const keys = ['c1', 'c2', 'c3'].map((c) => f.write(c, 'webhook'));
    f.dispatcher.start();
    while (gateway.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    await f.dispatcher.stop();
    const first = keys.find((k) => f.row(k).status !== 'pending')!;
    expect(f.row(first).status).toBe('failed');
    expect(f.attempts(first)).toBe(1);
    const unsent = keys.filter((k) => k !== first);
    expect(unsent.map((k) => [f.row(k).status, f.attempts(k)])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(gateway.received).toHaveLength(1);
  });
});

describe('messages of a paused or stopped journey', () => {
  /** A journey in the given state, its state set as the journeys service sets it. */
  const journeyIn = (f: NonNullable<typeof fixture>, name: string, status: JourneyStatus) => {
    const at = new Date().toISOString();
    const id = insertJourney(f.db, { name, description: '', unit: null }, 'test', at);
    setStatus(f.db, id, { status, liveVersion: null }, 'test', at);
    return id;
  };
  const HOUR = 3_600_000;

  it('a paused journey keeps its queued messages unsent and sends them on resume; one held past the expiry is suppressed expired', async () => {
    const feedback = recordingFeedback();
    const contacts = { c1: 'crm-1', c2: 'crm-2', c3: 'crm-3', c4: 'crm-4' };
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts, feedback, dispatch: { pauseExpiryMs: 24 * HOUR } }));
    const running = journeyIn(f, 'running', 'published');
    const paused = journeyIn(f, 'paused', 'published');
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const other = f.write('c1', 'webhook', { journeyId: running });
    const fresh = f.write('c2', 'webhook', { journeyId: paused, scheduledAt: ago(HOUR) });
    const retrying = f.write('c3', 'webhook', { journeyId: paused, scheduledAt: ago(HOUR) });
    const stale = f.write('c4', 'webhook', { journeyId: paused, scheduledAt: ago(25 * HOUR) });
    f.outbox.complete(retrying, { status: 'failed', reason: 'HTTP 503', retryAt: ago(1000) });
    setStatus(f.db, paused, { status: 'paused', liveVersion: null }, 'test', new Date().toISOString());

    expect(await f.dispatcher.runOnce()).toBe(2);
    expect(gateway.received.map((r) => r.headers['idempotency-key'])).toEqual([other]);
    expect([f.row(fresh).status, f.row(retrying).status]).toEqual(['pending', 'failed']);
    expect(outcome(f, stale)).toEqual({ status: 'suppressed', reason: 'expired' });
    expect(feedback.ledger()).toEqual(expect.arrayContaining([`${stale} suppressed:expired`, `${other} sent`]));
    // Still paused: the next rounds send nothing of it.
    expect(await f.dispatcher.runOnce()).toBe(0);
    expect(gateway.received).toHaveLength(1);

    setStatus(f.db, paused, { status: 'published', liveVersion: null }, 'test', new Date().toISOString());
    expect(await f.dispatcher.runOnce()).toBe(2);
    expect([f.row(fresh).status, f.row(retrying).status, f.row(stale).status]).toEqual(['sent', 'sent', 'suppressed']);
    expect(gateway.received.map((r) => r.headers['idempotency-key']).sort()).toEqual([other, fresh, retrying].sort());
  });

  it("a stopped journey's queued messages are never sent: each is suppressed journey_stopped and reported", async () => {
    const feedback = recordingFeedback();
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url), contacts: { c1: 'crm-1', c2: 'crm-2' }, feedback }));
    const stopped = journeyIn(f, 'stopped', 'published');
    const pending = f.write('c1', 'webhook', { journeyId: stopped });
    const retrying = f.write('c2', 'webhook', { journeyId: stopped });
    // Another channel the node does not send on: ended all the same, since it could never go out.
    const elsewhere = f.write('c2', 'sms', { journeyId: stopped });
    f.outbox.complete(retrying, { status: 'failed', reason: 'HTTP 503', retryAt: new Date(Date.now() + HOUR).toISOString() });
    setStatus(f.db, stopped, { status: 'stopped', liveVersion: null }, 'test', new Date().toISOString());

    expect(await f.dispatcher.runOnce()).toBe(3);
    expect(gateway.received).toHaveLength(0);
    for (const k of [pending, retrying, elsewhere]) expect(outcome(f, k)).toEqual({ status: 'suppressed', reason: 'journey_stopped' });
    expect(feedback.ledger().sort()).toEqual(
      [`${elsewhere} suppressed:journey_stopped`, `${pending} suppressed:journey_stopped`, `${retrying} suppressed:journey_stopped`].sort(),
    );
    expect(f.sends.filter((s) => s.status === 'suppressed')).toHaveLength(3);
    expect(await f.dispatcher.runOnce()).toBe(0);
  });
});

describe('claiming from the outbox', () => {
  it('hands out due messages across statuses in one order: priority, then due time; an expired lease is claimed again, a live one is not', async () => {
    const f = (fixture = await dispatchFixture({ channels: webhookChannel(gateway.url) }));
    const t = Date.now();
    const at = (s: number) => new Date(t + s * 1000).toISOString();
    const low = f.write('c1', 'webhook', { priority: 1, scheduledAt: at(-50) });
    const retry = f.write('c2', 'webhook', { priority: 9, scheduledAt: at(-10) });
    const high = f.write('c3', 'webhook', { priority: 9, scheduledAt: at(-20) });
    const leased = f.write('c4', 'webhook', { priority: 5, scheduledAt: at(-30) });
    const future = f.write('c5', 'webhook', { priority: 9, scheduledAt: at(60) });
    f.outbox.complete(retry, { status: 'failed', reason: 'HTTP 503', retryAt: at(-10) });
    expect(f.outbox.claim(1, new Date(t), new Date(t + 5000)).map((m) => m.idempotencyKey)).toEqual([high]);
    f.outbox.claim(10, new Date(t - 25_000), new Date(t - 1000), ['webhook']); // leases that have run out by now
    expect(f.row(leased).status).toBe('claimed');
    const next = f.outbox.claim(10, new Date(t), new Date(t + 5000), ['webhook']).map((m) => m.idempotencyKey);
    expect(next).toEqual([retry, leased, low]);
    expect(next).not.toContain(future);
    expect(f.outbox.claim(10, new Date(t), new Date(t + 5000), ['sms'])).toEqual([]);
  });
});
