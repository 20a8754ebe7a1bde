/**
 * Crash safety of the event store with real processes: `kill -9` a running `mofang start` while
 * batches stream in and while retention deletes, restart it, and count. Every acknowledged batch
 * is there exactly once, the batch in flight is there whole or not at all, and a retention run is
 * applied whole or not at all.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { MofangNode } from '../node/node.js';
import { createNodes, mofangJson, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
let token: string;
const DAY = 86_400_000;

beforeAll(async () => {
  cluster = await createNodes(['bank'], (doc) => doc.setIn(['events', 'retentionIntervalSeconds'], 1));
  bank = cluster.nodes[0];
  const node = MofangNode.open(bank.config, { quietLogs: true, metrics: false });
  try {
    node.trackingPlan.apply(
      { undeclared: 'reject', events: { 'card.paid': { properties: { amount: { type: 'number', required: true } } } } },
      { id: 'cli:test', role: 'admin' },
    );
  } finally {
    node.close();
  }
  token = mofangJson<{ token: string }>(bank.config, 'token', 'create', '--name', 'app', '--role', 'ingest').token;
}, 60_000);
afterAll(() => cluster?.cleanup());

const storeFile = () => join(bank.config, '..', 'data', 'events.duckdb');

async function withStore<T>(fn: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await EventStore.open(storeFile());
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const batchOf = (batch: string, size: number, time: string) =>
  Array.from({ length: size }, (_, i) => ({ eventId: `${batch}-${i}`, customerId: `C-${i}`, name: 'card.paid', time, properties: { amount: i } }));

async function post(events: unknown[]): Promise<Response> {
  return fetch(`${bank.httpUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
}

describe('kill -9 of a running node', () => {
  it('during streams of batches: every acknowledged event is stored once and audited, a batch in flight whole or not at all', async () => {
    const time = new Date(Date.now() - 60_000).toISOString();
    const SIZE = 200;
    // Three senders at once: their batches are stored in shared transactions (group commit).
    const STREAMS = 3;
    const acknowledged: string[] = [];
    await bank.start();
    const stream = async (s: number) => {
      for (let k = 0; ; k++) {
        try {
          const res = await post(batchOf(`s${s}b${k}`, SIZE, time));
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          expect(await res.json()).toMatchObject({ accepted: SIZE });
          acknowledged.push(`s${s}b${k}`);
        } catch {
          return k; // the node is gone: this batch was in flight
        }
      }
    };
    const streams = Promise.all(Array.from({ length: STREAMS }, (_, s) => stream(s)));
    while (acknowledged.length < 8) await new Promise((r) => setTimeout(r, 20));
    await bank.kill('SIGKILL');
    const inFlight = await streams;

    const counts = await withStore((s) =>
      s.all(`SELECT split_part(event_id, '-', 1) AS batch, count(*) AS n, count(DISTINCT event_id) AS ids FROM ${EVENTS_TABLE} GROUP BY 1`),
    );
    const byBatch = new Map(counts.map((r) => [String(r.batch), r]));
    for (const ack of acknowledged) expect(byBatch.get(ack), `batch ${ack}`).toEqual({ batch: ack, n: SIZE, ids: SIZE });
    for (const [s, k] of inFlight.entries()) {
      const partial = byBatch.get(`s${s}b${k}`);
      if (partial) expect(partial.n).toBe(SIZE);
    }
    expect(counts.length).toBeLessThanOrEqual(acknowledged.length + STREAMS);
    // Each acknowledged batch's entry was committed before its answer.
    const audited = mofangJson<unknown[]>(bank.config, 'audit', 'list', '--action', 'events.ingested', '--limit', '1000');
    expect(audited.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(audited.length).toBeLessThanOrEqual(acknowledged.length + STREAMS);

    // The senders re-send what they have no acknowledgement for (and, to be sure, everything): once each.
    await bank.start();
    try {
      for (const [s, last] of inFlight.entries()) {
        for (let k = 0; k <= last; k++) expect((await post(batchOf(`s${s}b${k}`, SIZE, time))).status).toBe(200);
      }
    } finally {
      await bank.kill('SIGTERM');
    }
    const sent = inFlight.reduce((n, last) => n + (last + 1) * SIZE, 0);
    const total = await withStore((s) => s.all(`SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM ${EVENTS_TABLE}`));
    expect(total).toEqual([{ n: sent, ids: sent }]);
  }, 120_000);

  it('during a retention run: old events are deleted whole or not at all, and the next run finishes the job', async () => {
    const OLD = 300_000;
    await withStore(async (s) => {
      await s.all(`DELETE FROM ${EVENTS_TABLE}`);
      await s.all(`INSERT INTO ${EVENTS_TABLE} SELECT 'old-' || i, 'C-1', 'card.paid', $1::TIMESTAMP, $1::TIMESTAMP, '{"amount":1}' FROM range(${OLD}) t(i)`, [
        new Date(Date.now() - 500 * DAY).toISOString(),
      ]);
      await s.all(
        `INSERT INTO ${EVENTS_TABLE} SELECT 'new-' || i, 'C-1', 'card.paid', now()::TIMESTAMP, now()::TIMESTAMP, '{"amount":1}' FROM range(1000) t(i)`,
      );
    });
    const seen = new Set<number>();
    // Kill at different moments after start; the first run begins about a second in.
    for (const delayMs of [900, 1100, 1400]) {
      await bank.start();
      await new Promise((r) => setTimeout(r, delayMs));
      await bank.kill('SIGKILL');
      const [{ old, fresh }] = await withStore((s) =>
        s.all(`SELECT count(*) FILTER (event_id LIKE 'old-%') AS old, count(*) FILTER (event_id LIKE 'new-%') AS fresh FROM ${EVENTS_TABLE}`),
      );
      expect([0, OLD]).toContain(old);
      expect(fresh).toBe(1000);
      seen.add(old as number);
      if (old === 0) break;
    }
    if (!seen.has(0)) {
      await bank.start();
      await new Promise((r) => setTimeout(r, 3000));
      await bank.kill('SIGTERM');
    }
    const [{ n }] = await withStore((s) => s.all(`SELECT count(*) AS n FROM ${EVENTS_TABLE}`));
    expect(n).toBe(1000);
    const audited = mofangJson<{ entries: { action: string; details: { deleted: Record<string, number> } }[] }>(
      bank.config,
      'audit',
      'list',
      '--action',
      'events.retention_applied',
    );
    expect(JSON.stringify(audited)).toContain(`"card.paid":${OLD}`);
  }, 180_000);
});
