/**
 * The event SDK against a real loopback HTTP server implementing the node's intake contract
 * (test/support/events-sink.ts): batching, retries, the bounded queue, rejections, and the
 * browser's page-hide flush with the browser globals simulated.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracker, type DeliveryError, type Tracker, type TrackerOptions } from '../sdk/src/index.js';
import { eventsSink, type EventsSink, type SinkOptions } from './support/events-sink.js';

const sinks: EventsSink[] = [];
const trackers: Tracker[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(trackers.splice(0).map((t) => t.close()));
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function setup(sinkOptions: SinkOptions = {}, options: Partial<TrackerOptions> = {}) {
  const sink = await eventsSink(sinkOptions);
  sinks.push(sink);
  const errors: DeliveryError[] = [];
  const tracker = createTracker({
    endpoint: sink.url,
    token: sink.token,
    // Only what a test asks for is sent by the interval.
    flushIntervalMs: 600_000,
    backoff: { initialMs: 5, maxMs: 40 },
    onError: (e) => errors.push(e),
    ...options,
  });
  trackers.push(tracker);
  tracker.identify('customer-1');
  return { sink, tracker, errors };
}

/** Waits until `condition` holds; fails after a generous deadline (a wait, not a timing assertion). */
async function eventually(condition: () => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

const ids = (sink: EventsSink) => sink.events.map((e) => e.eventId).sort();

describe('event SDK: batching', () => {
  it('sends a batch as soon as batchSize events are queued, and the rest on flush', async () => {
    const { sink, tracker } = await setup({}, { batchSize: 5 });
    for (let i = 0; i < 12; i++) tracker.track('viewed', { i }, { eventId: `e${i}` });
    await eventually(() => sink.events.length === 10, 'two full batches arrive');
    expect(sink.requests).toEqual([
      { status: 200, size: 5 },
      { status: 200, size: 5 },
    ]);
    expect(tracker.stats().queued).toBe(2);
    await tracker.flush();
    expect(sink.requests.map((r) => r.size)).toEqual([5, 5, 2]);
    expect(sink.events.map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sink.events[0]).toMatchObject({ eventId: 'e0', customerId: 'customer-1', name: 'viewed' });
    expect(tracker.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 12, accepted: 12 });
  });

  it('sends a partial batch once flushIntervalMs has passed, without flush', async () => {
    const { sink, tracker } = await setup({}, { batchSize: 100, flushIntervalMs: 50 });
    tracker.track('viewed');
    tracker.track('clicked', { button: 'apply' }, { time: new Date('2026-12-01T08:00:00+08:00') });
    await eventually(() => sink.events.length === 2, 'the interval sends the batch');
    expect(sink.requests).toEqual([{ status: 200, size: 2 }]);
    expect(sink.events[1]).toMatchObject({ name: 'clicked', time: '2026-12-01T00:00:00.000Z', properties: { button: 'apply' } });
  });

  it('sends what track was given at the time of the call, not later changes to the object', async () => {
    const { sink, tracker } = await setup();
    const properties = { step: 1 };
    tracker.track('viewed', properties);
    properties.step = 2;
    await tracker.flush();
    expect(sink.events[0].properties).toEqual({ step: 1 });
  });

  it('halves a batch the node finds too large (413) until it fits, and keeps the smaller size', async () => {
    const { sink, tracker } = await setup({ maxBatch: 2 }, { batchSize: 5 });
    for (let i = 0; i < 5; i++) tracker.track('viewed', { i });
    await tracker.flush();
    expect(sink.events.map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4]);
    const before = sink.requests.length;
    for (let i = 0; i < 2; i++) tracker.track('viewed');
    await eventually(() => sink.events.length === 7, 'a batch of the lowered size is sent');
    expect(sink.requests.slice(before)).toEqual([{ status: 200, size: 2 }]);
  });
});

describe('event SDK: retries', () => {
  it('retries a 503 after the Retry-After wait with the same event ids: each event is stored once', async () => {
    const { sink, tracker, errors } = await setup();
    // The first answer is lost after the node stored the batch; the second is a plain outage.
    sink.failNext(1, 503, { storeFirst: true, headers: { 'retry-after': '0' } });
    sink.failNext(1, 503);
    for (let i = 0; i < 4; i++) tracker.track('viewed', { i });
    await tracker.flush();
    expect(sink.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(sink.events).toHaveLength(4);
    expect(new Set(ids(sink)).size).toBe(4);
    expect(tracker.stats()).toMatchObject({ retries: 2, delivered: 4, duplicates: 4, accepted: 0 });
    expect(errors).toEqual([]);
  });

  it('retries 408 and 429 like an outage', async () => {
    const { sink, tracker } = await setup();
    sink.failNext(1, 408);
    sink.failNext(1, 429, { headers: { 'retry-after': '0' } });
    tracker.track('viewed');
    await tracker.flush();
    expect(sink.requests.map((r) => r.status)).toEqual([408, 429, 200]);
    expect(sink.events).toHaveLength(1);
  });

  it('rides out a node restart: the node down, then up on the same port, every event arrives exactly once', async () => {
    const { sink, tracker, errors } = await setup({}, { batchSize: 3, maxRetries: 1000 });
    tracker.track('viewed', { i: 0 });
    await tracker.flush();
    await sink.stop();
    for (let i = 1; i <= 7; i++) tracker.track('viewed', { i });
    await eventually(() => tracker.stats().retries >= 3, 'the tracker retries while the node is down');
    await sink.start();
    await tracker.flush();
    expect(sink.events.map((e) => e.properties.i).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(ids(sink)).size).toBe(8);
    expect(errors).toEqual([]);
  });

  it('gives up on a batch after maxRetries transient failures, drops it and reports it', async () => {
    const { sink, tracker, errors } = await setup({}, { maxRetries: 2 });
    sink.failNext(3, 500);
    tracker.track('viewed', {}, { eventId: 'lost' });
    await tracker.flush();
    expect(sink.requests.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(tracker.stats().dropped['gave-up']).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ reason: 'gave-up', eventIds: ['lost'], status: 500 })]);
    tracker.track('viewed', {}, { eventId: 'next' });
    await tracker.flush();
    expect(ids(sink)).toEqual(['next']);
  });

  it('does not retry a refused request (401): the batch is dropped and the reason reported', async () => {
    const { sink, tracker, errors } = await setup({}, { token: 'not-an-ingest-token' });
    tracker.track('viewed', {}, { eventId: 'a' });
    await tracker.flush();
    expect(sink.requests).toEqual([{ status: 401, size: 0 }]);
    expect(errors).toEqual([expect.objectContaining({ reason: 'refused', status: 401, code: 'UNAUTHENTICATED', eventIds: ['a'] })]);
    expect(tracker.stats().dropped.refused).toBe(1);
  });
});

describe('event SDK: rejections and the bounded queue', () => {
  it('drops the events the node rejects, tells onError the field and reason, and sends them only once', async () => {
    const { sink, tracker, errors } = await setup({ names: ['viewed'] });
    tracker.track('viewed', {}, { eventId: 'ok-1' });
    tracker.track('undeclared', {}, { eventId: 'bad' });
    tracker.track('viewed', {}, { eventId: 'ok-2' });
    await tracker.flush();
    await tracker.flush();
    expect(sink.requests).toEqual([{ status: 200, size: 3 }]);
    expect(ids(sink)).toEqual(['ok-1', 'ok-2']);
    expect(errors).toEqual([
      expect.objectContaining({ reason: 'rejected', eventIds: ['bad'], field: 'name', message: expect.stringContaining('not in the tracking plan') }),
    ]);
    expect(tracker.stats()).toMatchObject({ accepted: 2, delivered: 2, dropped: expect.objectContaining({ rejected: 1 }) });
  });

  it('when the queue is full, drops the oldest events, counts them and reports their ids', async () => {
    const { sink, tracker, errors } = await setup({}, { maxQueue: 3 });
    for (let i = 1; i <= 5; i++) tracker.track('viewed', {}, { eventId: `e${i}` });
    expect(tracker.stats()).toMatchObject({ queued: 3, dropped: expect.objectContaining({ 'queue-full': 2 }) });
    expect(errors.map((e) => [e.reason, e.eventIds])).toEqual([
      ['queue-full', ['e1']],
      ['queue-full', ['e2']],
    ]);
    await tracker.flush();
    expect(ids(sink)).toEqual(['e3', 'e4', 'e5']);
  });

  it('holds events without a customer id until identify, and drops them (counted) on close if it never comes', async () => {
    const sink = await eventsSink();
    sinks.push(sink);
    const errors: DeliveryError[] = [];
    const tracker = createTracker({ endpoint: sink.url, token: sink.token, onError: (e) => errors.push(e) });
    tracker.track('opened', {}, { eventId: 'before' });
    tracker.track('opened', {}, { eventId: 'explicit', customerId: 'customer-9' });
    await tracker.flush();
    expect(sink.events.map((e) => [e.eventId, e.customerId])).toEqual([['explicit', 'customer-9']]);
    expect(tracker.stats().queued).toBe(1);
    tracker.identify('customer-2');
    tracker.track('viewed', {}, { eventId: 'after' });
    await tracker.flush();
    expect(sink.events.map((e) => [e.eventId, e.customerId])).toEqual([
      ['explicit', 'customer-9'],
      ['before', 'customer-2'],
      ['after', 'customer-2'],
    ]);

    const anonymous = createTracker({ endpoint: sink.url, token: sink.token, onError: (e) => errors.push(e) });
    anonymous.track('opened', {}, { eventId: 'never-identified' });
    await anonymous.close();
    anonymous.track('opened', {}, { eventId: 'too-late' });
    expect(anonymous.stats().dropped.closed).toBe(2);
    expect(errors.map((e) => [e.reason, e.eventIds])).toEqual([
      ['closed', ['never-identified']],
      ['closed', ['too-late']],
    ]);
    // No customer id ever appears in a report.
    expect(JSON.stringify(errors)).not.toContain('customer-');
  });
});

describe('event SDK: never breaks the host app', () => {
  it('track never throws, whatever fetch does and whatever it is given; flush and close still resolve', async () => {
    const broken: Array<NonNullable<TrackerOptions['fetch']>> = [
      () => {
        throw new Error('fetch exploded');
      },
      () => Promise.reject(new TypeError('network down')),
      () => Promise.resolve(undefined as unknown as Response),
      () => Promise.resolve(new Response('not json', { status: 200 })),
      () => new Promise<Response>(() => {}),
    ];
    for (const fetch of broken) {
      const errors: DeliveryError[] = [];
      const tracker = createTracker({
        endpoint: 'http://127.0.0.1:9',
        token: 't',
        fetch,
        maxRetries: 1,
        requestTimeoutMs: 50,
        backoff: { initialMs: 1, maxMs: 2 },
        onError: (e) => {
          errors.push(e);
          throw new Error('a failing onError is ignored too');
        },
      });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => {
        tracker.identify('customer-1');
        tracker.track('ok');
        tracker.track(undefined as unknown as string);
        tracker.track('bad-properties', 5 as unknown as Record<string, unknown>);
        tracker.track('cyclic', cyclic);
        tracker.track('bigint', { n: 10n });
        tracker.track('bad-time', {}, { time: 'yesterday-ish' });
        tracker.identify('' as string);
      }).not.toThrow();
      await tracker.flush();
      await tracker.close();
      expect(tracker.stats().dropped).toMatchObject({ invalid: 5, 'gave-up': 1 });
      expect(errors.filter((e) => e.reason === 'gave-up')).toHaveLength(1);
    }
  });

  it('refuses wrong options when the tracker is created, naming the option', () => {
    expect(() => createTracker({ endpoint: 'events.example', token: 't' })).toThrow(/endpoint/);
    expect(() => createTracker({ endpoint: 'http://x', token: '' })).toThrow(/token/);
    expect(() => createTracker({ endpoint: 'http://x', token: 't', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => createTracker({ endpoint: 'http://x', token: 't', backoff: { jitter: 2 } })).toThrow(/backoff\.jitter/);
  });
});

describe('event SDK: in a browser', () => {
  /** The page's `document` and `window` events, as a browser dispatches them. */
  function simulatePage() {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const window = new EventTarget();
    vi.stubGlobal('document', document);
    vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
    vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
    return {
      hide() {
        document.visibilityState = 'hidden';
        document.dispatchEvent(new Event('visibilitychange'));
      },
      show() {
        document.visibilityState = 'visible';
        document.dispatchEvent(new Event('visibilitychange'));
      },
      pagehide: () => window.dispatchEvent(new Event('pagehide')),
    };
  }

  it('sends everything at once with keepalive requests when the page is hidden or unloaded', async () => {
    const page = simulatePage();
    const keepalive: boolean[] = [];
    const { sink, tracker } = await setup(
      {},
      {
        fetch: (url, init) => {
          keepalive.push(init.keepalive === true);
          return fetch(url, init);
        },
      },
    );
    tracker.track('viewed', {}, { eventId: 'a' });
    tracker.track('viewed', {}, { eventId: 'b' });
    page.hide();
    await eventually(() => sink.events.length === 2, 'hiding the page sends the queue');
    expect(keepalive).toEqual([true]);

    page.show();
    tracker.track('viewed', {}, { eventId: 'c' });
    await tracker.flush();
    expect(keepalive).toEqual([true, false]);

    tracker.track('viewed', {}, { eventId: 'd' });
    page.pagehide();
    await eventually(() => sink.events.length === 4, 'pagehide sends the queue');
    expect(keepalive).toEqual([true, false, true]);
    expect(ids(sink)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a hidden page cuts a retry wait short and resends at once', async () => {
    const page = simulatePage();
    const { sink, tracker } = await setup({}, { backoff: { initialMs: 600_000, maxMs: 600_000, jitter: 0 } });
    sink.failNext(1, 503);
    tracker.track('viewed', {}, { eventId: 'a' });
    const flushed = tracker.flush();
    await eventually(() => tracker.stats().retries === 1, 'the first attempt failed and a retry waits');
    page.hide();
    await flushed;
    expect(ids(sink)).toEqual(['a']);
  });
});
