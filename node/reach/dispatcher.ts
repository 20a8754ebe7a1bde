/**
 * The reach dispatcher: drains the journey outbox through the channels (docs/reach.md, The
 * dispatcher). Each round claims a batch of due messages with a lease, plans them (consent,
 * contact, rendering: dispatch-plan.ts), records what ends before sending and counts an attempt for
 * each message about to go — one transaction — then sends with the channels' rate limits and
 * concurrency, and records every result in a second transaction.
 *
 * Crash safety rests on the idempotency key: a message sent but not yet recorded when the node
 * dies is claimed again when its lease runs out and sent again with the same key, which the
 * provider drops as a repeat. Nothing is lost (an unrecorded message is still claimed in the
 * outbox); nothing reaches a customer twice as long as the provider honours the key.
 */
import { setMaxListeners } from 'node:events';
import type { ReachDispatchConfig } from '../config/schema.js';
import type { Channel } from '../journeys/components.js';
import type { OutboxMessage, OutboxOutcome, OutboxReader } from '../journeys/outbox.js';
import type { Db } from '../store/db.js';
import { errorText } from '../text/untrusted.js';
import { attemptStore, type FailureClass } from './attempts.js';
import type { DispatchMetrics } from './dispatch-metrics.js';
import type { ReachFeedback, ReachOutcome } from './feedback.js';
import { type Plan, type PlanPorts, planBatch } from './dispatch-plan.js';

/** A message whose dataset lacks the contact column, or whose local channel failed, is looked at again after this. */
const HOLD_MS = 60_000;
/** Outcomes handed to the feedback port at once. */
const FEEDBACK_BATCH = 500;

export interface DispatcherPorts extends PlanPorts {
  db: Db;
  outbox: OutboxReader;
  /** Where every outcome is reported (the reach feedback ledger); optional. */
  feedback?: ReachFeedback;
  metrics: DispatchMetrics;
  config: ReachDispatchConfig;
  now: () => Date;
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  sleep?: (ms: number) => Promise<void>;
}

export interface Dispatcher {
  /** One round: claims a batch, sends it, records the results; resolves to the number of messages claimed. */
  runOnce(): Promise<number>;
  /** Runs rounds until stopped, waiting `pollMs` whenever nothing was due. */
  start(): void;
  /** Claims nothing more, waits up to `drainMs` for sends in flight (then aborts them), gives unsent messages back. */
  stop(): Promise<void>;
}

interface Ended {
  message: OutboxMessage;
  outcome: OutboxOutcome;
  /** The failure class kept with the attempts, when it failed. */
  why?: FailureClass;
  /** The feedback code; for a failure, the class or `max_attempts`. */
  detail?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** @example const dispatcher = reachDispatcher({ db, outbox, channels, local, consent, contacts, nodeParams, metrics, config, now, logger }); dispatcher.start(); */
export function reachDispatcher(ports: DispatcherPorts): Dispatcher {
  const { db, outbox, config, now, logger, metrics } = ports;
  const sleep = ports.sleep ?? defaultSleep;
  const attempts = attemptStore(db);
  const sending: Channel[] = [...ports.channels.keys(), ...ports.local.keys()];
  let stopping = false;
  /** One signal for every send in flight (each adds a listener): stop aborts them all. */
  const controller = () => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  };
  let abort = controller();
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let feedbackRun: Promise<void> | null = null;

  const complete = (ended: readonly Ended[]) => {
    for (const e of ended) {
      outbox.complete(e.message.idempotencyKey, e.outcome);
      if (e.why) attempts.failed(e.message.idempotencyKey, e.why);
    }
    if (ports.feedback) attempts.enqueue(ended.flatMap((e) => feedbackOf(e, now())));
  };

  const report = (ended: readonly Ended[]) => {
    for (const e of ended) {
      if (e.outcome.status !== 'failed' || e.detail !== undefined) metrics.reachSent(e.message.channel, e.outcome.status);
      if (e.outcome.status === 'failed' && e.detail === 'transient') metrics.reachRetried(e.message.channel);
    }
  };

  /** Hands queued outcomes to the feedback port until the queue is empty; a failure leaves them for the next round. */
  const drainFeedback = (): Promise<void> => {
    const feedback = ports.feedback;
    if (!feedback) return Promise.resolve();
    if (feedbackRun) return feedbackRun;
    const run = (async () => {
      try {
        for (let q = attempts.queued(FEEDBACK_BATCH); q.outcomes.length > 0; q = attempts.queued(FEEDBACK_BATCH)) {
          await feedback.record(q.outcomes);
          attempts.dequeue(q.upTo);
        }
      } catch (err) {
        logger.warn({ err: errorText(err) }, 'reach: reporting outcomes failed; the next round reports them again');
      }
    })();
    // Cleared once the run has settled, never from inside it: a run over an empty queue finishes
    // before it is assigned, and clearing it there would leave the finished run in place for good,
    // so that no later round reported anything.
    feedbackRun = run;
    void run.then(() => {
      if (feedbackRun === run) feedbackRun = null;
    });
    return run;
  };

  const runOnce = async (): Promise<number> => {
    const at = now();
    const claimed = sending.length === 0 ? [] : outbox.claim(config.batch, at, new Date(at.getTime() + config.leaseMs), sending);
    if (claimed.length === 0) {
      await drainFeedback();
      return 0;
    }
    const plans = await planBatch(ports, claimed);
    const sends = plans.filter((p): p is Extract<Plan, { kind: 'send' }> => p.kind === 'send');
    const before = plans.filter((p) => p.kind !== 'send').map((p) => endBefore(p, now()));
    const counts = db.transaction(() => {
      complete(before);
      return attempts.handOver(
        sends.map((s) => ({ key: s.message.idempotencyKey, channel: s.message.channel })),
        now(),
      );
    })();
    report(before);
    const { ended, unsent } = await sendAll(sends, counts);
    db.transaction(() => {
      complete(ended);
      attempts.takeBack(unsent);
    })();
    if (unsent.length > 0) outbox.release(unsent);
    report(ended);
    await drainFeedback();
    return claimed.length;
  };

  /** Sends with each channel's concurrency and rate limit, and the dispatcher's own concurrency over all; at stop, what has not gone yet stays unsent. */
  const sendAll = async (sends: readonly Extract<Plan, { kind: 'send' }>[], counts: ReadonlyMap<string, number>) => {
    const ended: Ended[] = [];
    const unsent: string[] = [];
    const busy = new Map<Channel, number>();
    const queue = [...sends];
    let waiting: (() => void)[] = [];
    const free = (s: (typeof queue)[number]) => (busy.get(s.message.channel) ?? 0) < s.channel.settings.concurrency;
    const worker = async () => {
      while (queue.length > 0) {
        if (stopping) {
          for (const s of queue.splice(0)) unsent.push(s.message.idempotencyKey);
          return;
        }
        const i = queue.findIndex(free);
        if (i < 0) {
          // Every queued message's channel is at its concurrency: a send in flight wakes this worker when it ends.
          await new Promise<void>((resolve) => waiting.push(resolve));
          continue;
        }
        const s = queue.splice(i, 1)[0];
        const channel = s.message.channel;
        busy.set(channel, (busy.get(channel) ?? 0) + 1);
        try {
          await s.channel.limiter.acquire(sleep);
          if (stopping) unsent.push(s.message.idempotencyKey);
          else ended.push(await sendOne(s, counts.get(s.message.idempotencyKey) ?? 1));
        } finally {
          busy.set(channel, (busy.get(channel) ?? 1) - 1);
          const woken = waiting;
          waiting = [];
          for (const w of woken) w();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, sends.length) }, worker));
    return { ended, unsent };
  };

  const sendOne = async (s: Extract<Plan, { kind: 'send' }>, attempt: number): Promise<Ended> => {
    const { message } = s;
    let result: Awaited<ReturnType<typeof s.channel.adapter.send>>;
    try {
      result = await s.channel.adapter.send(s.rendered, abort.signal);
    } catch (err) {
      // An adapter never throws for what a provider does; a bug here must not lose the message.
      logger.error({ err: errorText(err), channel: message.channel }, 'reach: a channel adapter threw; the message is retried');
      result = { status: 'transient', reason: 'the channel adapter failed' };
    }
    if (result.status === 'sent') return { message, outcome: { status: 'sent', ...(result.providerId ? { providerId: result.providerId } : {}) } };
    if (result.status === 'permanent') return { message, outcome: { status: 'dead', reason: result.reason }, why: 'permanent', detail: 'permanent' };
    const next = s.channel.retry.after(attempt, result.retryAfterMs);
    if (!next.retry) {
      return { message, outcome: { status: 'dead', reason: `gave up after ${attempt} attempts: ${result.reason}` }, why: 'transient', detail: 'max_attempts' };
    }
    const retryAt = new Date(now().getTime() + next.delayMs).toISOString();
    return { message, outcome: { status: 'failed', reason: result.reason, retryAt }, why: 'transient', detail: 'transient' };
  };

  const loop = async () => {
    while (!stopping) {
      let claimed = 0;
      try {
        claimed = await runOnce();
      } catch (err) {
        logger.error({ err: errorText(err) }, 'reach: a dispatch round failed; its messages are claimed again when their lease ends');
      }
      if (claimed === 0 && !stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  };

  return {
    runOnce,
    start() {
      if (running) return;
      stopping = false;
      abort = controller();
      running = loop();
    },
    async stop() {
      if (!running) return;
      stopping = true;
      wake?.();
      // Sends in flight get `drainMs` to finish; then they are aborted (recorded as transient failures, retried later).
      const timer = setTimeout(() => abort.abort(), config.drainMs);
      try {
        await running;
        await feedbackRun;
      } finally {
        clearTimeout(timer);
        running = null;
      }
    },
  };

  /** The outcome of a message that ends before any provider sees it. */
  function endBefore(p: Exclude<Plan, { kind: 'send' }>, at: Date): Ended {
    const { message } = p;
    if (p.kind === 'suppress') return { message, outcome: { status: 'suppressed', reason: p.reason }, detail: p.reason };
    if (p.kind === 'dead') return { message, outcome: { status: 'dead', reason: p.reason }, why: p.why, detail: p.why };
    const hold = (reason: string): Ended => ({ message, outcome: { status: 'failed', reason, retryAt: new Date(at.getTime() + HOLD_MS).toISOString() } });
    if (p.kind === 'hold') {
      logger.warn({ channel: message.channel, dataset: message.customer.dataset, journey: message.journeyId }, `reach: ${p.reason}; the message waits`);
      return hold(p.reason);
    }
    try {
      // A savepoint: a local channel that throws leaves nothing half-written in the round's transaction.
      const r = db.transaction(() =>
        p.channel.deliver({
          key: message.idempotencyKey,
          channel: p.channel.channel,
          customer: message.customer,
          journey: { id: message.journeyId, version: message.journeyVersion, node: message.nodeId },
          ...(p.subject === undefined ? {} : { subject: p.subject }),
          text: p.text,
          params: p.params,
          at,
        }),
      )();
      if (r.status === 'sent') return { message, outcome: { status: 'sent', providerId: r.providerId } };
      return { message, outcome: { status: 'dead', reason: r.reason }, why: 'permanent', detail: 'permanent' };
    } catch (err) {
      logger.error({ err: errorText(err), channel: message.channel }, 'reach: a local channel failed; the message waits');
      return hold('the local channel failed');
    }
  }
}

/** What the feedback port hears of an ended message: codes only, never provider text. */
function feedbackOf(e: Ended, at: Date): ReachOutcome[] {
  const base = { key: e.message.idempotencyKey, at };
  const s = e.outcome.status;
  if (s === 'failed' && e.detail === undefined) return []; // held: nothing happened yet
  return [{ ...base, outcome: s, ...(e.detail ? { detail: e.detail } : {}) }];
}
