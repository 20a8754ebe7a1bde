/**
 * The event SDK against the node. First the node's own intake in this process — the fastify app
 * with its token checks and `POST /v1/events`, the ingestion service, a DuckDB file — with a
 * tracking plan the test declares: events are read back from the store, restarts reopen it. Then
 * a real `bin/mofang start` process, killed with SIGKILL while the app keeps tracking.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlanValidator } from '../node/events/ingest/plan-port.js';
import { createTracker, type DeliveryError, type Tracker, type TrackerOptions } from '../sdk/src/index.js';
import { ingestNode, type IngestNode } from './support/ingest-node.js';
import { createNodes, mofangJson, type NodeProcess } from './support/node-processes.js';

/** Declares `page_viewed` and `loan_applied`; any other name is undeclared. */
const plan: PlanValidator = (name, properties) =>
  name === 'page_viewed' || name === 'loan_applied'
    ? { kind: 'accept', properties: (properties ?? {}) as Record<string, unknown> }
    : { kind: 'reject', field: 'name', reason: 'the event is not declared in the tracking plan' };

async function eventually(condition: () => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

const trackers: Tracker[] = [];
afterEach(async () => {
  await Promise.all(trackers.splice(0).map((t) => t.close()));
});

function tracker(endpoint: string, token: string, errors: DeliveryError[], options: Partial<TrackerOptions> = {}) {
  const t = createTracker({
    endpoint,
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

describe('event SDK against the node’s intake (route, ingestion, DuckDB)', () => {
  let node: IngestNode;
  beforeAll(async () => {
    node = await ingestNode(plan);
  });
  afterAll(async () => {
    await node?.close();
  });

  it('batches by size and rides out a node restart: every event is stored exactly once', async () => {
    const errors: DeliveryError[] = [];
    const t = tracker(node.url, node.token, errors, { batchSize: 5 });
    t.identify('customer-1');
    const ids = Array.from({ length: 17 }, (_, i) => `restart-${i}`);
    for (const id of ids.slice(0, 5)) t.track('page_viewed', { step: 1 }, { eventId: id });
    await eventually(() => t.stats().accepted === 5, 'a full batch is sent without flush');

    await node.stop();
    for (const id of ids.slice(5)) t.track('page_viewed', { step: 2 }, { eventId: id });
    await eventually(() => t.stats().retries >= 3, 'the tracker retries while the node is down');
    await node.start();
    await t.flush();

    expect(errors).toEqual([]);
    expect(t.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 17 });
    const stored = await node.stored();
    for (const id of ids) expect(stored.get(id), id).toEqual({ customerId: 'customer-1', rows: 1 });
  });

  it('reports the events the node rejects with their field, stores the rest, and never resends the rejected', async () => {
    const errors: DeliveryError[] = [];
    const t = tracker(node.url, node.token, errors);
    t.identify('customer-2');
    t.track('loan_applied', { amount: 1000 }, { eventId: 'kept' });
    t.track('undeclared_event', {}, { eventId: 'undeclared' });
    t.track('page_viewed', {}, { eventId: 'from-the-future', time: Date.now() + 7 * 86_400_000 });
    await t.flush();
    await t.flush();
    expect(errors.map((e) => [e.reason, e.eventIds, e.field])).toEqual([
      ['rejected', ['undeclared'], 'name'],
      ['rejected', ['from-the-future'], 'time'],
    ]);
    expect(t.stats()).toMatchObject({ accepted: 1, retries: 0, dropped: expect.objectContaining({ rejected: 2 }) });
    const stored = await node.stored();
    expect(stored.get('kept')).toEqual({ customerId: 'customer-2', rows: 1 });
    expect(stored.has('undeclared') || stored.has('from-the-future')).toBe(false);
  });

  it('keeps the newest maxQueue events while the node is down, counts the dropped, and delivers the kept once it is back', async () => {
    const errors: DeliveryError[] = [];
    await node.stop();
    try {
      const t = tracker(node.url, node.token, errors, { maxQueue: 3 });
      t.identify('customer-3');
      for (let i = 1; i <= 5; i++) t.track('page_viewed', {}, { eventId: `bounded-${i}` });
      expect(t.stats()).toMatchObject({ queued: 3, dropped: expect.objectContaining({ 'queue-full': 2 }) });
      await node.start();
      await t.flush();
    } finally {
      if (!(await fetch(`${node.url}/health`).catch(() => null))) await node.start();
    }
    const stored = await node.stored();
    expect([1, 2, 3, 4, 5].map((i) => stored.has(`bounded-${i}`))).toEqual([false, false, true, true, true]);
    expect(errors.map((e) => e.eventIds)).toEqual([['bounded-1'], ['bounded-2']]);
  });

  it('a token of another role is refused (403) and the batch is not resent', async () => {
    const errors: DeliveryError[] = [];
    const t = tracker(node.url, node.complianceToken, errors);
    t.track('page_viewed', {}, { customerId: 'customer-4', eventId: 'not-allowed' });
    await t.flush();
    expect(t.stats()).toMatchObject({ retries: 0, dropped: expect.objectContaining({ refused: 1 }) });
    expect(errors).toEqual([expect.objectContaining({ reason: 'refused', status: 403, eventIds: ['not-allowed'] })]);
    expect((await node.stored()).has('not-allowed')).toBe(false);
  });
});

describe('event SDK against a node process (bin/mofang start)', () => {
  let cluster: Awaited<ReturnType<typeof createNodes>>;
  let node: NodeProcess;
  beforeAll(async () => {
    cluster = await createNodes(['bank']);
    node = cluster.nodes[0];
    await node.start();
  });
  afterAll(async () => {
    await cluster?.cleanup();
  });

  it('across a kill -9 and restart, the node answers every event exactly once', async () => {
    const token = mofangJson<{ token: string }>(node.config, 'token', 'create', '--name', 'web-app', '--role', 'ingest').token;
    const errors: DeliveryError[] = [];
    const t = tracker(node.httpUrl, token, errors, { batchSize: 4 });
    t.identify('customer-1');
    const ids = Array.from({ length: 10 }, (_, i) => `process-${i}`);
    for (const id of ids.slice(0, 4)) t.track('page_viewed', {}, { eventId: id });
    await eventually(() => errors.length === 4, 'the node answers the first batch');
    await node.kill('SIGKILL');
    for (const id of ids.slice(4)) t.track('page_viewed', {}, { eventId: id });
    await eventually(() => t.stats().retries >= 2, 'the tracker retries while the node is down');
    await node.start();
    await t.flush();
    // This node declares no tracking plan, so it rejects every name as undeclared: each event
    // reaches it, is answered once, and is reported once — none lost, none given up, none resent.
    expect(errors.map((e) => e.eventIds[0]).sort()).toEqual([...ids].sort());
    expect(errors.every((e) => e.reason === 'rejected' && e.field === 'name')).toBe(true);
    expect(t.stats()).toMatchObject({ queued: 0, inFlight: 0, dropped: expect.objectContaining({ rejected: 10, 'gave-up': 0 }) });
  });
});
