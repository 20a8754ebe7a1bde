import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendInput } from '../audit/log.js';
import { openNodeDatabase } from '../database.js';
import { asMofangError } from '../errors.js';
import { eventIngest, type OwnEvent } from '../events/ingest/service.js';
import { compilePlan } from '../events/plan/compile.js';
import { EMPTY_PLAN } from '../events/plan/model.js';
import { EventStore, type StoredEvent } from '../events/store.js';
import { outboxOrigin } from '../journeys/engine/outbox-origin.js';
import { outboxStore } from '../journeys/engine/outbox-store.js';
import { idempotencyKey } from '../journeys/outbox.js';
import type { Db } from '../store/db.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { feedbackLedger } from './feedback-ledger.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const AT = new Date('2026-12-07T09:00:00Z');
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.close();
});

/** A node database with two outbox messages (customers 1001 and 1002 of journey 7), and an event store, in `dir`. */
async function node(dir: string, options: { failEvents?: 'before' | 'after'; metrics?: Metrics } = {}) {
  const db = openNodeDatabase(join(dir, 'mofang.db'));
  const outbox = outboxStore(db, () => NOW);
  for (const [entry, customerId, channel] of [
    [1, '1001', 'sms'],
    [2, '1002', 'email'],
  ] as const) {
    outbox.write({
      idempotencyKey: idempotencyKey({ journeyId: 7, journeyVersion: 2, nodeId: 'offer', entryId: entry }),
      journeyId: 7,
      journeyVersion: 2,
      nodeId: 'offer',
      entryId: entry,
      customer: { dataset: 'customers', customerId },
      channel,
      template: { body: 'Hello' },
      variables: {},
      scheduledAt: NOW.toISOString(),
      priority: 5,
      transactional: false,
      createdAt: NOW.toISOString(),
    });
  }
  const store = await EventStore.open(join(dir, 'events.duckdb'));
  open.push(db, store);
  const told: StoredEvent[] = [];
  const ingest = eventIngest({
    store: async () => store,
    plan: () => compilePlan({ ...EMPTY_PLAN, undeclared: 'quarantine' }),
    countPaused: () => {},
    audit: { append: () => {}, appendAll: () => {}, flushHead: () => {} },
    metrics: { eventsIngested: () => {} },
    limits: { identifierKind: 'raw', futureToleranceSeconds: 300, maxAgeDays: 400, maxBatch: 100 },
    now: () => NOW,
    onStored: (events) => told.push(...events),
  });
  const audit: AppendInput[] = [];
  const storeEvents = async (events: readonly OwnEvent[]) => {
    if (options.failEvents === 'before') throw new Error('the process died before the event store committed');
    await ingest.storeOwn(events);
    if (options.failEvents === 'after') throw new Error('the process died before the ledger marked the events written');
  };
  const errors: unknown[] = [];
  const ledger = feedbackLedger({
    db,
    audit: { append: (e) => audit.push(e) },
    origin: outboxOrigin(db),
    receipt: (key, result, at) => outbox.receipt(key, result, at),
    storeEvents,
    now: () => NOW,
    onError: (err) => errors.push(err),
    ...(options.metrics ? { receiptLag: options.metrics.reachReceiptLag } : {}),
  });
  const events = async () =>
    (await store.all("SELECT event_id, customer_id, name, time, properties FROM events WHERE name LIKE 'mofang.%' ORDER BY name, event_id")).map((r) => ({
      ...r,
      name: r.name as string,
      properties: JSON.parse(r.properties as string),
    }));
  return { db, store, ledger, audit, told, errors, events, outbox };
}

const KEY1 = 'j7.v2.noffer.e1';
const KEY2 = 'j7.v2.noffer.e2';
const rows = (db: Db) =>
  db
    .prepare('SELECT key, outcome, journey, version, node, entry, channel, at, detail, value, repeats, event_written FROM reach_outcomes ORDER BY key, outcome')
    .all();

describe('reach feedback ledger', () => {
  it('times each new answer to a sent message from its send, once, in the receipt-lag series of /metrics', async () => {
    const metrics = createMetrics();
    const n = await node(mkdtempSync(join(tmpdir(), 'mofang-feedback-')), { metrics });
    const atPlus = (seconds: number) => new Date(AT.getTime() + seconds * 1000);
    await n.ledger.record([
      { key: KEY1, outcome: 'sent', at: AT },
      { key: KEY1, outcome: 'delivered', at: atPlus(4) },
      { key: KEY1, outcome: 'opened', at: atPlus(2 * 3600) },
      // Not an answer to a send: no lag.
      { key: KEY2, outcome: 'suppressed', at: AT, detail: 'no_contact' },
    ]);
    // A repeat is timed no more; an answer to a message never sent has no send to time from.
    await n.ledger.record([
      { key: KEY1, outcome: 'delivered', at: atPlus(9) },
      { key: KEY2, outcome: 'delivered', at: atPlus(9) },
    ]);
    // A receipt faster than the dispatcher's hand-over: the send's time is in its queued report.
    n.db.prepare("INSERT INTO reach_feedback_queue (idempotency_key, outcome, at) VALUES (?, 'sent', ?)").run(KEY2, atPlus(10).toISOString());
    await n.ledger.record([{ key: KEY2, outcome: 'bounced', at: atPlus(12), detail: 'soft' }]);
    const body = (await metrics.render()).body;
    const series = (name: string) =>
      body
        .split('\n')
        .filter((l) => l.startsWith(`mofang_reach_receipt_lag_seconds_${name}{`))
        .sort();
    expect(series('count')).toEqual([
      'mofang_reach_receipt_lag_seconds_count{channel="email",receipt="bounced"} 1',
      'mofang_reach_receipt_lag_seconds_count{channel="sms",receipt="delivered"} 1',
      'mofang_reach_receipt_lag_seconds_count{channel="sms",receipt="opened"} 1',
    ]);
    expect(series('sum')).toEqual([
      'mofang_reach_receipt_lag_seconds_sum{channel="email",receipt="bounced"} 2',
      'mofang_reach_receipt_lag_seconds_sum{channel="sms",receipt="delivered"} 4',
      'mofang_reach_receipt_lag_seconds_sum{channel="sms",receipt="opened"} 7200',
    ]);
    expect(body).toContain('mofang_reach_receipt_lag_seconds_bucket{le="5",channel="sms",receipt="delivered"} 1');
    expect(body).toContain('mofang_reach_receipt_lag_seconds_bucket{le="3600",channel="sms",receipt="opened"} 0');
  });

  it('records each outcome once with where the message came from, writes its event for the customer, and advances receipts', async () => {
    const n = await node(mkdtempSync(join(tmpdir(), 'mofang-feedback-')));
    const report = await n.ledger.record([
      { key: KEY1, outcome: 'sent', at: AT },
      { key: KEY1, outcome: 'delivered', at: new Date(AT.getTime() + 60_000) },
      { key: KEY1, outcome: 'clicked', at: new Date(AT.getTime() + 120_000) },
      { key: KEY2, outcome: 'task_outcome', at: AT, detail: 'interested', value: 2500 },
    ]);
    expect(report).toEqual({ recorded: 4, repeated: 0, unknown: 0 });
    expect(rows(n.db)).toContainEqual({
      key: KEY2,
      outcome: 'task_outcome',
      journey: 7,
      version: 2,
      node: 'offer',
      entry: 2,
      channel: 'email',
      at: AT.toISOString(),
      detail: 'interested',
      value: 2500,
      repeats: 0,
      event_written: 1,
    });
    expect(await n.events()).toEqual([
      {
        event_id: `mofang.reach.clicked:${KEY1}`,
        customer_id: '1001',
        name: 'mofang.reach.clicked',
        time: '2026-12-07T09:02:00.000Z',
        properties: { journey: 7, version: 2, node: 'offer', channel: 'sms', key: KEY1 },
      },
      {
        event_id: `mofang.reach.delivered:${KEY1}`,
        customer_id: '1001',
        name: 'mofang.reach.delivered',
        time: '2026-12-07T09:01:00.000Z',
        properties: { journey: 7, version: 2, node: 'offer', channel: 'sms', key: KEY1 },
      },
      {
        event_id: `mofang.reach.sent:${KEY1}`,
        customer_id: '1001',
        name: 'mofang.reach.sent',
        time: '2026-12-07T09:00:00.000Z',
        properties: { journey: 7, version: 2, node: 'offer', channel: 'sms', key: KEY1 },
      },
      {
        event_id: `mofang.reach.task_outcome:${KEY2}`,
        customer_id: '1002',
        name: 'mofang.reach.task_outcome',
        time: '2026-12-07T09:00:00.000Z',
        properties: { journey: 7, version: 2, node: 'offer', channel: 'email', key: KEY2, detail: 'interested', value: 2500 },
      },
    ]);
    // The journey engine hears of them like any stored event: a journey can wait for a click.
    expect(n.told.map((e) => e.name)).toContain('mofang.reach.clicked');
    expect(n.outbox.resultOf(KEY1)).toEqual({ status: 'pending', result: 'clicked' });
    // Audited as counts: no key, no customer.
    expect(n.audit).toEqual([
      {
        actor: 'system:reach',
        action: 'reach.outcomes_recorded',
        subject: null,
        details: { recorded: 4, repeated: 0, unknown: 0, outcomes: { sent: 1, delivered: 1, clicked: 1, task_outcome: 1 } },
      },
    ]);
    expect(JSON.stringify(n.audit)).not.toMatch(/100[12]|j7\.v2/);
  });

  it('counts a repeated outcome as repeated and stores nothing twice; an earlier receipt never undoes a further one', async () => {
    const n = await node(mkdtempSync(join(tmpdir(), 'mofang-feedback-')));
    await n.ledger.record([{ key: KEY1, outcome: 'opened', at: AT }]);
    expect(
      await n.ledger.record([
        { key: KEY1, outcome: 'opened', at: new Date(AT.getTime() + 5000) },
        { key: KEY1, outcome: 'delivered', at: AT },
      ]),
    ).toEqual({
      recorded: 1,
      repeated: 1,
      unknown: 0,
    });
    expect(await n.ledger.record([{ key: KEY1, outcome: 'opened', at: AT }])).toEqual({ recorded: 0, repeated: 1, unknown: 0 });
    expect(rows(n.db).map((r) => [(r as { outcome: string }).outcome, (r as { repeats: number }).repeats])).toEqual([
      ['delivered', 0],
      ['opened', 2],
    ]);
    expect((await n.events()).map((e) => e.name)).toEqual(['mofang.reach.delivered', 'mofang.reach.opened']);
    expect(n.outbox.resultOf(KEY1)?.result).toBe('opened');
    // Nothing changed in the last batch: not audited.
    expect(n.audit).toHaveLength(2);
  });

  it('refuses and counts an outcome whose key no outbox row has; the rest of the batch is recorded', async () => {
    const n = await node(mkdtempSync(join(tmpdir(), 'mofang-feedback-')));
    expect(
      await n.ledger.record([
        { key: 'j7.v2.noffer.e99', outcome: 'clicked', at: AT },
        { key: KEY2, outcome: 'sent', at: AT },
      ]),
    ).toEqual({
      recorded: 1,
      repeated: 0,
      unknown: 1,
    });
    await n.ledger.record([{ key: 'j8.v1.nx.e1', outcome: 'sent', at: AT }]);
    expect(n.ledger.unknownKeys()).toBe(2);
    expect((await n.events()).map((e) => e.name)).toEqual(['mofang.reach.sent']);
  });

  it('checks the batch whole: a bad outcome is named by index and field, and nothing of the batch is recorded', async () => {
    const n = await node(mkdtempSync(join(tmpdir(), 'mofang-feedback-')));
    const bad = [
      [{ key: KEY1, outcome: 'sent', at: AT, detail: 'Provider said: 550 <li@bank.example>' }, 'outcomes[1].detail'],
      [{ key: KEY1, outcome: 'task_outcome', at: AT, value: -1 }, 'outcomes[1].value'],
      [{ key: KEY1, outcome: 'task_outcome', at: AT, value: Number.NaN }, 'outcomes[1].value'],
      [{ key: '13800138000', outcome: 'sent', at: AT }, 'outcomes[1].key'],
      [{ key: KEY1, outcome: 'read', at: AT }, 'outcomes[1].outcome'],
      [{ key: KEY1, outcome: 'sent', at: new Date('x') }, 'outcomes[1].at'],
    ] as const;
    for (const [outcome, field] of bad) {
      const err = await n.ledger.record([{ key: KEY2, outcome: 'sent', at: AT }, outcome as never]).then(
        () => null,
        (e: unknown) => asMofangError(e),
      );
      expect(err?.code).toBe('REACH_OUTCOME_INVALID');
      expect(err?.message).toContain(field);
      expect(err?.message).not.toContain('bank.example');
    }
    expect(rows(n.db)).toEqual([]);
  });

  it('writes each event exactly once across a crash between the ledger and the event store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mofang-feedback-'));
    // The event store never committed: the ledger holds the rows, unwritten, and record still resolves.
    const first = await node(dir, { failEvents: 'before' });
    expect(await first.ledger.record([{ key: KEY1, outcome: 'sent', at: AT }])).toEqual({ recorded: 1, repeated: 0, unknown: 0 });
    expect(first.errors).toHaveLength(1);
    expect(await first.events()).toEqual([]);
    for (const o of open.splice(0).reverse()) o.close();

    // The event store committed, the mark did not.
    const second = await node(dir, { failEvents: 'after' });
    expect(await second.ledger.redrive().catch(() => 'crashed')).toBe('crashed');
    expect(await second.events()).toHaveLength(1);
    for (const o of open.splice(0).reverse()) o.close();

    const third = await node(dir);
    expect(await third.ledger.redrive()).toBe(1);
    expect(await third.ledger.redrive()).toBe(0);
    expect(await third.events()).toEqual([expect.objectContaining({ event_id: `mofang.reach.sent:${KEY1}`, customer_id: '1001' })]);
    expect(rows(third.db)).toEqual([expect.objectContaining({ outcome: 'sent', event_written: 1 })]);
  });
});
