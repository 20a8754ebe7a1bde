/**
 * The event SDK against a real node: `bin/mofang start` in its own process, with a tracking plan
 * declared and an `ingest` token made with the CLI. The node is killed (SIGKILL) while the app
 * keeps tracking, and started again; what it stored is read back from its DuckDB file.
 */
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { MofangNode } from '../node/node.js';
import { createTracker, type DeliveryError, type Tracker, type TrackerOptions } from '../sdk/src/index.js';
import { createNodes, mofangJson, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let node: NodeProcess;
let token: string;

beforeAll(async () => {
  cluster = await createNodes(['bank']);
  node = cluster.nodes[0];
  const admin = MofangNode.open(node.config, { quietLogs: true });
  try {
    admin.trackingPlan.apply(
      { undeclared: 'reject', events: { page_viewed: { properties: { step: { type: 'number' } } }, 'loan.applied': { properties: {} } } },
      { id: 'cli:test', role: 'admin' },
    );
  } finally {
    admin.close();
  }
  token = mofangJson<{ token: string }>(node.config, 'token', 'create', '--name', 'web-app', '--role', 'ingest').token;
  await node.start();
});

afterAll(async () => {
  await cluster?.cleanup();
});

const trackers: Tracker[] = [];
afterEach(async () => {
  await Promise.all(trackers.splice(0).map((t) => t.close()));
});

function tracker(errors: DeliveryError[], options: Partial<TrackerOptions> = {}) {
  const t = createTracker({
    endpoint: node.httpUrl,
    token,
    flushIntervalMs: 600_000,
    maxRetries: 1000,
    backoff: { initialMs: 50, maxMs: 200 },
    onError: (e) => errors.push(e),
    ...options,
  });
  trackers.push(t);
  return t;
}

async function eventually(condition: () => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

/** Rows per stored event id, read with the node stopped (one process holds the file); the node then starts again. */
async function stored(): Promise<Map<string, number>> {
  await node.kill('SIGTERM');
  const store = await EventStore.open(join(dirname(node.config), 'data', 'events.duckdb'));
  try {
    const rows = await store.all(`SELECT event_id, count(*) AS n FROM ${EVENTS_TABLE} GROUP BY event_id`);
    return new Map(rows.map((r) => [r.event_id as string, r.n as number]));
  } finally {
    store.close();
    await node.start();
  }
}

describe('event SDK against a real node', () => {
  it('batches by size and rides out a kill -9 and restart: every event is stored exactly once', async () => {
    const errors: DeliveryError[] = [];
    const t = tracker(errors, { batchSize: 5 });
    t.identify('customer-1');
    const ids = Array.from({ length: 17 }, (_, i) => `restart-${i}`);
    for (const id of ids.slice(0, 5)) t.track('page_viewed', { step: 1 }, { eventId: id });
    await eventually(() => t.stats().accepted === 5, 'a full batch is sent without flush');

    await node.kill('SIGKILL');
    for (const id of ids.slice(5)) t.track('page_viewed', { step: 2 }, { eventId: id });
    await eventually(() => t.stats().retries >= 3, 'the tracker retries while the node is down');
    await node.start();
    await t.flush();

    expect(errors).toEqual([]);
    expect(t.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 17 });
    const rows = await stored();
    expect(ids.map((id) => rows.get(id))).toEqual(ids.map(() => 1));
    // Three node starts on a loaded 2-core machine: room beyond the default, not a timing claim.
  }, 180_000);

  it('reports the events the node rejects with their field, stores the rest, and never resends the rejected', async () => {
    const errors: DeliveryError[] = [];
    const t = tracker(errors);
    t.identify('customer-2');
    t.track('loan.applied', {}, { eventId: 'kept' });
    t.track('undeclared_event', {}, { eventId: 'undeclared' });
    t.track('page_viewed', { step: 'one' }, { eventId: 'wrong-type' });
    t.track('page_viewed', {}, { eventId: 'from-the-future', time: Date.now() + 7 * 86_400_000 });
    await t.flush();
    await t.flush();
    expect(errors.map((e) => [e.reason, e.eventIds, e.field])).toEqual([
      ['rejected', ['undeclared'], 'name'],
      ['rejected', ['wrong-type'], 'properties.step'],
      ['rejected', ['from-the-future'], 'time'],
    ]);
    // The node's own count: one stored by this batch.
    expect(t.stats()).toMatchObject({ accepted: 1, retries: 0, dropped: expect.objectContaining({ rejected: 3 }) });
  });

  it('keeps the newest maxQueue events while the node is down, counts the dropped, and delivers the kept once it is back', async () => {
    const errors: DeliveryError[] = [];
    await node.kill('SIGTERM');
    const t = tracker(errors, { maxQueue: 3 });
    t.identify('customer-3');
    for (let i = 1; i <= 5; i++) t.track('page_viewed', {}, { eventId: `bounded-${i}` });
    expect(t.stats()).toMatchObject({ queued: 3, dropped: expect.objectContaining({ 'queue-full': 2 }) });
    await node.start();
    await t.flush();
    expect(errors.map((e) => [e.reason, e.eventIds])).toEqual([
      ['queue-full', ['bounded-1']],
      ['queue-full', ['bounded-2']],
    ]);
    expect(t.stats()).toMatchObject({ accepted: 3, delivered: 3 });
  });

  it('a token of another role is refused (403) and the batch is not resent', async () => {
    const compliance = mofangJson<{ token: string }>(node.config, 'token', 'create', '--name', 'auditor', '--role', 'compliance').token;
    const errors: DeliveryError[] = [];
    const t = tracker(errors, { token: compliance });
    t.track('page_viewed', {}, { customerId: 'customer-4', eventId: 'not-allowed' });
    await t.flush();
    expect(t.stats()).toMatchObject({ retries: 0, dropped: expect.objectContaining({ refused: 1 }) });
    expect(errors).toEqual([expect.objectContaining({ reason: 'refused', status: 403, eventIds: ['not-allowed'] })]);
  });
});
