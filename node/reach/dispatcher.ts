/**
 * The reach dispatcher: drains the journey outbox through the channels (docs/reach.md, The
 * dispatcher). A round claims a batch of due messages with a lease, plans them (consent, contact,
 * rendering: dispatch-plan.ts), records what ends before sending and counts an attempt for each
 * message about to go — one transaction — and queues those for sending (send-queue.ts). Results
 * are recorded as sends end, many in one transaction. While a channel has less than a batch
 * queued, the next round is claimed and planned as the last one still sends, so the provider never
 * waits on our database and a slow reply holds up only its own message.
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
import { sendQueue } from './send-queue.js';

/** A message whose dataset lacks the contact column, or whose local channel failed, is looked at again after this. */
const HOLD_MS = 60_000;
/** Send results wait at most this long to be recorded with others in one transaction. */
const FLUSH_MS = 50;
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
  /** One round: ends what must never be sent, claims a batch, sends it, records the results; resolves to the number of messages it ended or claimed. */
  runOnce(): Promise<number>;
  /** Runs rounds until stopped, claiming while a channel has room in its queue, waiting `pollMs` whenever nothing was due. */
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

type SendPlan = Extract<Plan, { kind: 'send' }>;
/** A planned message in the send queue, with the attempt it is. */
interface Send {
  plan: SendPlan;
  attempt: number;
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
  /** Results of sends that ended, not yet recorded. */
  let results: Ended[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  /** Channels whose queue was full when the loop last claimed: it claims again once one of them has room. */
  let full: readonly Channel[] = [];

  const queue = sendQueue<Send>({
    concurrency: config.concurrency,
    sleep,
    send: async (s) => ended(await sendOne(s.plan, s.attempt)),
    taken(channel, left) {
      if (left < config.batch && full.includes(channel)) wake?.();
    },
  });

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
    // Cleared in `.finally`, which always runs after this assignment: a run that ends at once (an
    // empty queue) must not leave its settled promise behind, or no later round would report anything.
    feedbackRun ??= (async () => {
      try {
        for (let q = attempts.queued(FEEDBACK_BATCH); q.outcomes.length > 0; q = attempts.queued(FEEDBACK_BATCH)) {
          await feedback.record(q.outcomes);
          attempts.dequeue(q.upTo);
        }
      } catch (err) {
        logger.warn({ err: errorText(err) }, 'reach: reporting outcomes failed; the next round reports them again');
      }
    })().finally(() => {
      feedbackRun = null;
    });
    return feedbackRun;
  };

  /**
   * A send's result waits here until a batch of them (or FLUSH_MS) can be recorded in one
   * transaction: a transaction per message would cost a commit each.
   */
  const ended = (e: Ended) => {
    results.push(e);
    if (results.length >= config.batch) flush();
    else flushTimer ??= setTimeout(flush, FLUSH_MS);
  };

  /** Records the results waiting; if that fails they wait for the next flush (their messages stay claimed meanwhile). */
  const flush = (unsent: readonly string[] = []): void => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (results.length === 0 && unsent.length === 0) return;
    const batch = results;
    results = [];
    try {
      db.transaction(() => {
        complete(batch);
        attempts.takeBack(unsent);
      })();
    } catch (err) {
      // Never thrown from here (a timer calls this): the messages stay claimed, and at stop a lease that runs out sends them again with the same key.
      logger.error({ err: errorText(err) }, 'reach: recording send results failed; tried again shortly');
      if (stopping) return;
      results = [...batch, ...results];
      flushTimer ??= setTimeout(flush, FLUSH_MS);
      return;
    }
    report(batch);
    void drainFeedback();
  };

  /**
   * Ends, unsent, the queued messages of stopped journeys and those a pause held past `pauseExpiryMs` (a claim skips
   * paused and stopped journeys): suppressed `journey_stopped` or `expired`, so the reports show them. Returns how many.
   */
  const endWithheld = (at: Date): number => {
    const ended = db.transaction(() => {
      const e = outbox
        .withheld(config.batch, at, new Date(at.getTime() - config.pauseExpiryMs))
        .map(({ message, reason }): Ended => ({ message, outcome: { status: 'suppressed', reason }, detail: reason }));
      complete(e);
      return e;
    })();
    report(ended);
    if (ended.length > 0) void drainFeedback();
    return ended.length;
  };

  /**
   * Ends what must never be sent (`endWithheld`), claims a batch on `channels`, plans it, records what ends before sending and counts an attempt
   * for each message about to go (one transaction), and queues those; the number ended or claimed.
   */
  const claimRound = async (channels: readonly Channel[]): Promise<number> => {
    const at = now();
    const withheld = endWithheld(at);
    const claimed = outbox.claim(config.batch, at, new Date(at.getTime() + config.leaseMs), channels);
    if (claimed.length === 0) return withheld;
    const plans = await planBatch(ports, claimed);
    const sends = plans.filter((p): p is SendPlan => p.kind === 'send');
    const before = plans.filter((p) => p.kind !== 'send').map((p) => endBefore(p, now()));
    const counts = db.transaction(() => {
      complete(before);
      return attempts.handOver(
        sends.map((s) => ({ key: s.message.idempotencyKey, channel: s.message.channel })),
        now(),
      );
    })();
    report(before);
    // What ended before sending (suppressions, the node's own channels) has no send to flush it.
    if (before.length > 0) void drainFeedback();
    const byChannel = new Map<Channel, Send[]>();
    for (const plan of sends) {
      const list = byChannel.get(plan.message.channel) ?? [];
      list.push({ plan, attempt: counts.get(plan.message.idempotencyKey) ?? 1 });
      byChannel.set(plan.message.channel, list);
    }
    for (const [channel, list] of byChannel) queue.push(channel, list, list[0].plan.channel);
    return withheld + claimed.length;
  };

  const runOnce = async (): Promise<number> => {
    const claimed = sending.length === 0 ? 0 : await claimRound(sending);
    if (claimed > 0) {
      await queue.idle();
      flush();
    }
    await drainFeedback();
    return claimed;
  };

  const sendOne = async (s: SendPlan, attempt: number): Promise<Ended> => {
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

  /** Waits `ms` (forever when null), or less when woken: by stop, or by room on a full channel. */
  const pause = (ms: number | null) =>
    new Promise<void>((resolve) => {
      const timer = ms === null ? undefined : setTimeout(() => wake?.(), ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  /**
   * Claims while a channel has room — fewer than a batch queued — so the next batch is planned
   * while the last one is still sending; waits `pollMs` when nothing was due.
   */
  const loop = async () => {
    while (!stopping) {
      full = sending.filter((c) => queue.queued(c) >= config.batch);
      const room = sending.filter((c) => !full.includes(c));
      let claimed = 0;
      try {
        if (room.length > 0) claimed = await claimRound(room);
      } catch (err) {
        logger.error({ err: errorText(err) }, 'reach: a dispatch round failed; its messages are claimed again when their lease ends');
      }
      if (stopping) break;
      // Lets replies and timers in before the next claim, which runs without yielding.
      if (claimed > 0 || full.some((c) => queue.queued(c) < config.batch)) await new Promise<void>((resolve) => setImmediate(resolve));
      else await pause(room.length > 0 ? config.pollMs : null);
    }
  };

  return {
    runOnce,
    start() {
      if (running) return;
      stopping = false;
      abort = controller();
      queue.open();
      running = loop();
    },
    async stop() {
      if (!running) return;
      stopping = true;
      queue.close();
      wake?.();
      // Sends in flight get `drainMs` to finish; then they are aborted (recorded as transient failures, retried later).
      const timer = setTimeout(() => abort.abort(), config.drainMs);
      try {
        await running;
        const unsent = queue.drop().map((s) => s.plan.message.idempotencyKey);
        await queue.idle();
        flush(unsent);
        if (unsent.length > 0) outbox.release(unsent);
        await drainFeedback();
      } finally {
        clearTimeout(timer);
        running = null;
        queue.open(); // for a `runOnce` after the stop
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
