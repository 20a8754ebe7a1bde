/**
 * The tracker: `track` queues an event and returns at once; a pump sends batches one at a time,
 * as soon as `batchSize` events are queued or `flushIntervalMs` after the first queued event; a
 * batch that fails transiently is resent with the same event ids after a backoff, so the node's
 * deduplication turns at-least-once delivery into effectively-once. Nothing here throws into the
 * host app or waits on the network in its call path.
 *
 * @example
 * const tracker = createTracker({ endpoint: 'https://events.bank.example:8443', token: INGEST_TOKEN });
 * tracker.identify('13800000000');
 * tracker.track('loan_viewed', { product: 'mortgage', amount: 300000 });
 * process.on('SIGTERM', async () => { await tracker.close(); process.exit(0); });
 */
import { retryDelay } from './backoff.js';
import { newEvent, type TrackOptions } from './event.js';
import { watchLifecycle } from './lifecycle.js';
import { resolveOptions, type TrackerOptions } from './options.js';
import { createQueue, type QueuedEvent } from './queue.js';
import type { DeliveryError, DropReason, TrackerStats } from './report.js';
import { keepaliveBatches, postBatch } from './send.js';
import type { BatchResult, WireEvent } from './wire.js';

export interface Tracker {
  /** Queues an event. Returns at once, never throws; an event that cannot be sent is dropped and reported to `onError`. */
  track(name: string, properties?: Record<string, unknown>, options?: TrackOptions): void;
  /** The customer of later events, and of queued events that have none yet. */
  identify(customerId: string): void;
  /** Sends everything queued now; resolves when each event is delivered or dropped (never rejects). */
  flush(): Promise<void>;
  /** Stops accepting events, flushes, and stops listening to the page or process. Call it from a SIGTERM handler. */
  close(): Promise<void>;
  stats(): TrackerStats;
}

/** Node timers keep a process alive; the flush timer must not keep an idle app from exiting. */
const unref = (timer: unknown) => (timer as { unref?: () => void }).unref?.();

export function createTracker(options: TrackerOptions): Tracker {
  const settings = resolveOptions(options);
  const queue = createQueue(settings.maxQueue);
  const counts = { accepted: 0, duplicates: 0, quarantined: 0, paused: 0, retries: 0 };
  const dropped: Record<DropReason, number> = { 'queue-full': 0, invalid: 0, rejected: 0, refused: 0, 'gave-up': 0, closed: 0 };
  let identified: string | undefined;
  let inFlight = 0;
  // Lowered when the node answers 413: its batch limit is below batchSize.
  let batchLimit = settings.batchSize;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pump: Promise<void> | undefined;
  // Send a partial batch too (the interval elapsed, or flush/close/exit asked for everything).
  let draining = false;
  let hidden = false;
  let closing: Promise<void> | undefined;
  // Deliveries started by a page hide, in parallel with the pump.
  const urgent = new Set<Promise<void>>();
  // Backoff waits, cut short when the page is hidden: it may not get another chance.
  const sleepers = new Set<() => void>();

  function report(error: DeliveryError) {
    try {
      settings.onError(error);
    } catch {
      // The host's handler failing is the host's business, not a reason to stop delivering.
    }
  }

  function drop(reason: DropReason, events: QueuedEvent[], message: string, extra: Partial<DeliveryError> = {}) {
    dropped[reason] += events.length;
    report({ reason, message, eventIds: events.map((e) => e.eventId), ...extra });
  }

  /** A `track` call whose event was never queued. */
  function dropCall(reason: DropReason, message: string, options: TrackOptions | undefined) {
    dropped[reason]++;
    report({ reason, message, eventIds: typeof options?.eventId === 'string' ? [options.eventId] : [] });
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timeout);
        sleepers.delete(wake);
        resolve();
      };
      // Not unref'd: a Node process about to exit waits for its last batch's retries.
      const timeout = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function record(events: WireEvent[], result: BatchResult) {
    counts.accepted += result.accepted;
    counts.duplicates += result.duplicates;
    counts.quarantined += result.quarantined;
    counts.paused += result.paused;
    for (const r of result.rejected) {
      const event = events[r.index];
      drop('rejected', [event], `the node rejected event ${r.index} of the batch (${event.name}): ${r.field}: ${r.reason}`, { field: r.field });
    }
  }

  /** Sends `events` until delivered, refused or out of retries; a batch too large for the node is halved. */
  async function attempt(events: WireEvent[], keepalive: boolean): Promise<void> {
    for (let retry = 0; ; retry++) {
      const outcome = await postBatch(settings, events, keepalive || hidden);
      switch (outcome.kind) {
        case 'delivered':
          return record(events, outcome.result);
        case 'refused':
          return drop('refused', events, `the node refused the batch: ${outcome.message}`, {
            status: outcome.status,
            ...(outcome.code ? { code: outcome.code } : {}),
          });
        case 'too-large': {
          if (events.length === 1)
            return drop('refused', events, `the node refused a single event as too large: ${outcome.message}`, { status: outcome.status });
          const half = Math.ceil(events.length / 2);
          batchLimit = Math.min(batchLimit, half);
          await attempt(events.slice(0, half), keepalive);
          return attempt(events.slice(half), keepalive);
        }
        case 'transient':
          if (retry >= settings.maxRetries) {
            return drop('gave-up', events, `${retry + 1} attempts failed, the last with ${outcome.message}`, outcome.status ? { status: outcome.status } : {});
          }
          counts.retries++;
          await sleep(retryDelay(retry, settings.backoff, outcome.retryAfterMs));
      }
    }
  }

  async function deliver(events: WireEvent[], keepalive: boolean): Promise<void> {
    inFlight += events.length;
    try {
      await attempt(events, keepalive);
    } catch (error) {
      // Unreachable by design (every step above catches); kept so a defect loses a batch, not the app.
      drop('gave-up', events, `internal error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      inFlight -= events.length;
    }
  }

  async function run() {
    for (;;) {
      const ready = queue.sendable;
      if (ready === 0 || (ready < batchLimit && !draining)) break;
      await deliver(queue.take(batchLimit), false);
    }
    draining = false;
  }

  function startPump(): Promise<void> {
    pump ??= run().finally(() => {
      pump = undefined;
      arm();
    });
    return pump;
  }

  /** Starts the interval for the oldest queued sendable event, unless one is running. */
  function arm() {
    if (timer !== undefined || pump !== undefined || queue.sendable === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      draining = true;
      void startPump();
    }, settings.flushIntervalMs);
    unref(timer);
  }

  /** The page is going away: everything goes now, in parallel, in requests that survive the page. */
  function sendNow() {
    for (const wake of [...sleepers]) wake();
    for (const batch of keepaliveBatches(queue.take(queue.size), batchLimit)) {
      const sending: Promise<void> = deliver(batch, true).finally(() => urgent.delete(sending));
      urgent.add(sending);
    }
  }

  async function flush(): Promise<void> {
    while (queue.sendable > 0 || pump !== undefined || urgent.size > 0) {
      draining = true;
      await Promise.all([startPump(), ...urgent]);
    }
  }

  const stopWatching = watchLifecycle({
    hidden() {
      hidden = true;
      sendNow();
    },
    visible() {
      hidden = false;
    },
    exiting() {
      // beforeExit fires again once this work is done; with nothing left to send it stays quiet.
      if (queue.sendable > 0) {
        draining = true;
        void startPump();
      }
    },
  });

  return {
    track(name, properties, options) {
      try {
        if (closing) return dropCall('closed', `track(${JSON.stringify(String(name).slice(0, 100))}) after close()`, options);
        const event = newEvent(name, properties, options, identified);
        if (typeof event === 'string') return dropCall('invalid', event, options);
        const evicted = queue.push(event);
        if (evicted) drop('queue-full', [evicted], `the queue is full (maxQueue ${settings.maxQueue}): the oldest event (${evicted.name}) was dropped`);
        if (queue.sendable >= batchLimit) void startPump();
        else arm();
      } catch {
        // Unreachable by design; the host app's call must not fail because of analytics.
      }
    },
    identify(customerId) {
      // Nothing is dropped: later events keep the previous customer id, or wait for a valid one.
      if (typeof customerId !== 'string' || customerId.trim() === '')
        return report({ reason: 'invalid', message: 'identify: customerId must be a non-empty string', eventIds: [] });
      identified = customerId;
      queue.assign(customerId);
      if (queue.sendable >= batchLimit) void startPump();
      else arm();
    },
    flush,
    close() {
      closing ??= (async () => {
        stopWatching();
        clearTimeout(timer);
        timer = undefined;
        await flush();
        const waiting = queue.clear();
        if (waiting.length > 0) drop('closed', waiting, `${waiting.length} events had no customer id (identify was never called) when the tracker closed`);
      })();
      return closing;
    },
    stats: () => ({
      queued: queue.size,
      inFlight,
      delivered: counts.accepted + counts.duplicates + counts.quarantined + counts.paused,
      ...counts,
      dropped: { ...dropped },
    }),
  };
}
