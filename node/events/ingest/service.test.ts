import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendInput } from '../../audit/log.js';
import { EVENTS_TABLE } from '../schema.js';
import { EventStore } from '../store.js';
import type { PlanValidator } from '../plan/compile.js';
import { eventIngest, type EventIngestPorts } from './service.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ACTOR = { id: 'token:app-1', role: 'ingest' as const };

/** A plan with `purchase` (amount: number, required), `promo.viewed` (paused); `beta.*` quarantined. */
const plan: PlanValidator = (name, properties) => {
  if (name === 'promo.viewed') return { kind: 'paused' };
  if (typeof name === 'string' && name.startsWith('beta.'))
    return { kind: 'quarantine', field: 'name', reason: 'the event is not declared in the tracking plan' };
  if (name !== 'purchase') return { kind: 'reject', field: 'name', reason: 'the event is not declared in the tracking plan' };
  const amount = (properties as { amount?: unknown } | undefined)?.amount;
  if (typeof amount !== 'number') return { kind: 'reject', field: 'properties.amount', reason: 'properties.amount must be a finite number' };
  return { kind: 'accept', properties: { amount } };
};

const stores: EventStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup(file = join(mkdtempSync(join(tmpdir(), 'mofang-ingest-')), 'events.duckdb')) {
  const audit: AppendInput[] = [];
  const paused = new Map<string, number>();
  const counted: Record<string, number>[] = [];
  let store: Promise<EventStore> | null = null;
  const ports: EventIngestPorts = {
    store: () => {
      store ??= EventStore.open(file).then((s) => (stores.push(s), s));
      return store;
    },
    plan: () => plan,
    countPaused: (counts) => {
      for (const [name, n] of counts) paused.set(name, (paused.get(name) ?? 0) + n);
    },
    audit: { append: (entry) => audit.push(entry), appendAll: (entries) => audit.push(...entries), flushHead: () => {} },
    metrics: { eventsIngested: (counts) => counted.push({ ...counts }) },
    limits: { identifierKind: 'phone', futureToleranceSeconds: 300, maxAgeDays: 400, maxBatch: 5 },
    now: () => NOW,
  };
  const close = async () => {
    (await store)?.close();
    stores.splice(stores.indexOf(await (store as Promise<EventStore>)), 1);
  };
  return {
    ingest: eventIngest(ports),
    audit,
    paused,
    counted,
    file,
    rows: async () => (await ports.store()).all(`SELECT event_id, customer_id, name, time, properties FROM ${EVENTS_TABLE} ORDER BY event_id`),
    ports,
    close,
  };
}

const purchase = (eventId: string, extra: Record<string, unknown> = {}) => ({
  eventId,
  customerId: '+86 138-0013-8000',
  name: 'purchase',
  time: '2026-03-01T19:30:00+08:00',
  properties: { amount: 12.5 },
  ...extra,
});

describe('event ingestion', () => {
  it('stores valid events with the customer id normalised and the time in UTC, and audits counts only', async () => {
    const t = setup();
    const report = await t.ingest.ingest([purchase('e1'), purchase('e2', { time: Date.parse('2026-03-01T10:00:00Z') })], ACTOR);
    expect(report).toEqual({ accepted: 2, duplicates: 0, quarantined: 0, paused: 0, rejected: [] });
    expect(await t.rows()).toEqual([
      { event_id: 'e1', customer_id: '+8613800138000', name: 'purchase', time: '2026-03-01T11:30:00.000Z', properties: '{"amount":12.5}' },
      { event_id: 'e2', customer_id: '+8613800138000', name: 'purchase', time: '2026-03-01T10:00:00.000Z', properties: '{"amount":12.5}' },
    ]);
    expect(t.audit).toEqual([
      { actor: 'token:app-1', action: 'events.ingested', subject: null, details: { accepted: 2, duplicates: 0, quarantined: 0, paused: 0, rejected: 0 } },
    ]);
    expect(JSON.stringify(t.audit)).not.toMatch(/138|e1|12\.5/);
  });

  it('is idempotent by event id: a re-sent batch adds nothing and reports duplicates, also after a reopen', async () => {
    const t = setup();
    await t.ingest.ingest([purchase('e1'), purchase('e2')], ACTOR);
    expect(await t.ingest.ingest([purchase('e1'), purchase('e2'), purchase('e3')], ACTOR)).toMatchObject({ accepted: 1, duplicates: 2, rejected: [] });
    await t.close();
    const again = setup(t.file);
    expect(await again.ingest.ingest([purchase('e1'), purchase('e2'), purchase('e3')], ACTOR)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect((await again.rows()).map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3']);
    expect(again.audit).toEqual([]); // nothing changed, nothing to audit
  });

  it('names each bad event by index, field and reason, never its value, and keeps the rest', async () => {
    const t = setup();
    const future = new Date(NOW.getTime() + 301_000).toISOString();
    const ancient = new Date(NOW.getTime() - 401 * 86_400_000).toISOString();
    const report = await t.ingest.ingest(
      [
        purchase('ok-1'),
        purchase('bad-amount', { properties: { amount: '12' } }),
        purchase('unknown', { name: 'teleported' }),
        purchase('future', { time: future }),
        purchase('ok-1'),
      ],
      ACTOR,
    );
    expect(report.accepted).toBe(1);
    expect(report.rejected).toEqual([
      { index: 1, field: 'properties.amount', reason: 'properties.amount must be a finite number' },
      { index: 2, field: 'name', reason: 'the event is not declared in the tracking plan' },
      { index: 3, field: 'time', reason: "time is more than 300 s ahead of this node's clock" },
      { index: 4, field: 'eventId', reason: 'eventId repeats the event at index 0 of this batch' },
    ]);
    const more = await t.ingest.ingest(
      [
        purchase('ancient', { time: ancient }),
        purchase('no-zone', { time: '2026-03-01T10:00:00' }),
        purchase('feb-30', { time: '2026-02-30T10:00:00Z' }),
        purchase('bad-phone', { customerId: 'call me' }),
        purchase('', {}),
      ],
      ACTOR,
    );
    expect(more.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'time'],
      [1, 'time'],
      [2, 'time'],
      [3, 'customerId'],
      [4, 'eventId'],
    ]);
    expect(more.rejected[0].reason).toBe('time is more than 400 days in the past');
    expect(JSON.stringify(more.rejected)).not.toContain('call me');
    const shapes = await t.ingest.ingest(['text', null, [1], purchase('x'.repeat(129)), { ...purchase('c1'), customerId: 42 }], ACTOR);
    expect(shapes.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'event'],
      [1, 'event'],
      [2, 'event'],
      [3, 'eventId'],
      [4, 'customerId'],
    ]);
  });

  it('refuses an oversize batch whole, naming the limit', async () => {
    const t = setup();
    const batch = Array.from({ length: 6 }, (_, i) => purchase(`e${i}`));
    await expect(t.ingest.ingest(batch, ACTOR)).rejects.toMatchObject({ code: 'EVENT_BATCH_TOO_LARGE', details: { limit: 5, size: 6 } });
    expect(await t.rows()).toEqual([]);
  });

  it('with atomic, stores nothing when any event is rejected, and lists every rejection', async () => {
    const t = setup();
    const batch = [purchase('a1'), purchase('a2', { properties: {} }), purchase('a3')];
    await expect(t.ingest.ingest(batch, ACTOR, { atomic: true })).rejects.toMatchObject({
      code: 'EVENT_BATCH_REJECTED',
      details: { rejected: [{ index: 1, field: 'properties.amount', reason: 'properties.amount must be a finite number' }] },
    });
    expect(await t.rows()).toEqual([]);
    expect(t.audit).toEqual([]);
    expect(await t.ingest.ingest([purchase('a1'), purchase('a3')], ACTOR, { atomic: true })).toMatchObject({ accepted: 2 });
  });

  it('quarantines what the plan keeps aside, counts paused events and drops them', async () => {
    const t = setup();
    const report = await t.ingest.ingest(
      [
        purchase('q1', { name: 'beta.tapped', properties: { colour: 'red' } }),
        purchase('p1', { name: 'promo.viewed' }),
        purchase('p2', { name: 'promo.viewed' }),
      ],
      ACTOR,
    );
    expect(report).toEqual({ accepted: 0, duplicates: 0, quarantined: 1, paused: 2, rejected: [] });
    expect(await t.rows()).toEqual([]);
    const store = await t.ports.store();
    expect(await store.all('SELECT event_id, name, properties, field, reason FROM events_quarantine')).toEqual([
      { event_id: 'q1', name: 'beta.tapped', properties: '{"colour":"red"}', field: 'name', reason: 'the event is not declared in the tracking plan' },
    ]);
    expect(t.paused).toEqual(new Map([['promo.viewed', 2]]));
    expect(t.counted.at(-1)).toEqual({ accepted: 0, duplicate: 0, quarantined: 1, paused: 2, rejected: 0 });
    // Quarantine is idempotent too.
    expect(await t.ingest.ingest([purchase('q1', { name: 'beta.tapped', properties: { colour: 'red' } })], ACTOR)).toMatchObject({
      quarantined: 0,
      duplicates: 1,
    });
  });

  it('answers batches stored together (one transaction) each with its own counts, a re-sent event and a repeat across batches included', async () => {
    const t = setup();
    await t.ingest.ingest([purchase('s1'), purchase('s2')], ACTOR);
    // Sent at once, these queue behind each other and are written as one group.
    const reports = await Promise.all([
      t.ingest.ingest([purchase('g1'), purchase('g2')], ACTOR),
      t.ingest.ingest([purchase('g3'), purchase('s1')], ACTOR),
      t.ingest.ingest([purchase('g4'), purchase('g1')], ACTOR),
      t.ingest.ingest([purchase('g5', { name: 'beta.tapped', properties: {} }), purchase('g6')], ACTOR),
    ]);
    expect(reports.map((r) => [r.accepted, r.duplicates, r.quarantined])).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect((await t.rows()).map((r) => r.event_id)).toEqual(['g1', 'g2', 'g3', 'g4', 'g6', 's1', 's2']);
    // One entry per batch that stored something, none lost to the grouping.
    expect(t.audit.map((e) => e.details)).toEqual([
      { accepted: 2, duplicates: 0, quarantined: 0, paused: 0, rejected: 0 },
      { accepted: 2, duplicates: 0, quarantined: 0, paused: 0, rejected: 0 },
      { accepted: 1, duplicates: 1, quarantined: 0, paused: 0, rejected: 0 },
      { accepted: 1, duplicates: 1, quarantined: 0, paused: 0, rejected: 0 },
      { accepted: 1, duplicates: 0, quarantined: 1, paused: 0, rejected: 0 },
    ]);
    const fresh = await Promise.all([
      t.ingest.ingest([purchase('h1')], ACTOR),
      t.ingest.ingest([purchase('h2')], ACTOR),
      t.ingest.ingest([purchase('h3')], ACTOR),
    ]);
    expect(fresh.map((r) => r.accepted)).toEqual([1, 1, 1]);
  });

  it('keeps a quarantined event with a lone UTF-16 surrogate (as U+FFFD) instead of failing its batch and the batches stored with it', async () => {
    const t = setup();
    // DuckDB's JSON reader refuses the escape JSON.stringify writes for a lone surrogate.
    const reports = await Promise.all([
      t.ingest.ingest([purchase('f1')], ACTOR),
      t.ingest.ingest([purchase('f2', { name: 'beta.tapped', properties: { text: 'a\ud800b', pair: '\u{1F600}', escaped: '\\ud800' } })], ACTOR),
      t.ingest.ingest([purchase('f3')], ACTOR),
    ]);
    expect(reports.map((r) => [r.accepted, r.quarantined, r.rejected.length])).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
    expect((await t.rows()).map((r) => r.event_id)).toEqual(['f1', 'f3']);
    const [kept] = await (await t.ports.store()).all('SELECT properties FROM events_quarantine WHERE event_id = $1', ['f2']);
    expect(JSON.parse(kept.properties as string)).toEqual({ text: 'a\ufffdb', pair: '\u{1F600}', escaped: '\\ud800' });
  });
});
