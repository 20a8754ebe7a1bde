/**
 * The dispatcher's sending side: planned messages wait here per channel and go out as slots free
 * up — at most `concurrency` in flight over all channels and each channel's own `concurrency`,
 * each after a token from its channel's bucket. A send starts the moment a slot frees, whatever
 * the other messages of its batch are doing: one slow reply holds one slot, never a whole batch.
 * A channel waiting for a token sleeps alone; the others keep sending.
 */
import type { Channel } from '../journeys/components.js';

/** What a queued message needs from its channel: how many may be in flight, and its rate limit. */
interface QueueChannel {
  settings: { concurrency: number };
  limiter: { take(): number };
}

interface SendQueue<J> {
  /** Queues messages of one channel in the order given. */
  push(channel: Channel, jobs: readonly J[], on: QueueChannel): void;
  /** Messages of the channel queued and not yet started. */
  queued(channel: Channel): number;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
  /** Starts nothing more (at stop); sends in flight go on. */
  close(): void;
  /** Starts sending again after `close`. */
  open(): void;
  /** Takes every message not yet started out of the queue. */
  drop(): J[];
}

interface SendQueueOptions<J> {
  /** Sends in flight over all channels. */
  concurrency: number;
  /** Sends one message and records its result; never rejects. */
  send: (job: J) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  /** Told each time a message of `channel` starts, with how many of that channel are still queued. */
  taken?: (channel: Channel, left: number) => void;
}

interface Lane<J> {
  jobs: J[];
  head: number;
  busy: number;
  waiting: boolean;
  on: QueueChannel;
}

/** @example const queue = sendQueue({ concurrency: 64, send: (job) => adapter.send(job.rendered), sleep }); queue.push('sms', jobs, smsChannel); await queue.idle(); */
export function sendQueue<J>(o: SendQueueOptions<J>): SendQueue<J> {
  const lanes = new Map<Channel, Lane<J>>();
  let inFlight = 0;
  let closed = false;
  let idlers: (() => void)[] = [];

  const queuedIn = (lane: Lane<J> | undefined) => (lane ? lane.jobs.length - lane.head : 0);
  const isIdle = () => inFlight === 0 && [...lanes.values()].every((l) => queuedIn(l) === 0);
  const settle = () => {
    if (idlers.length === 0 || !isIdle()) return;
    const woken = idlers;
    idlers = [];
    for (const w of woken) w();
  };

  const take = (channel: Channel, lane: Lane<J>): J => {
    const job = lane.jobs[lane.head++];
    // Compacts now and then, so a long-lived lane does not keep every job it ever held.
    if (lane.head > 1024 && lane.head * 2 > lane.jobs.length) {
      lane.jobs = lane.jobs.slice(lane.head);
      lane.head = 0;
    }
    o.taken?.(channel, queuedIn(lane));
    return job;
  };

  const start = (lane: Lane<J>, job: J) => {
    inFlight++;
    lane.busy++;
    o.send(job).finally(() => {
      inFlight--;
      lane.busy--;
      pump();
      settle();
    });
  };

  /** Starts what may start, one message per channel in turn, until no slot or token is left. */
  const pump = () => {
    for (let started = true; started && !closed; ) {
      started = false;
      for (const [channel, lane] of lanes) {
        if (inFlight >= o.concurrency) return;
        if (lane.waiting || lane.busy >= lane.on.settings.concurrency || queuedIn(lane) === 0) continue;
        const wait = lane.on.limiter.take();
        if (wait > 0) {
          lane.waiting = true;
          void o.sleep(wait).then(() => {
            lane.waiting = false;
            pump();
          });
          continue;
        }
        start(lane, take(channel, lane));
        started = true;
      }
    }
  };

  return {
    push(channel, jobs, on) {
      let lane = lanes.get(channel);
      if (!lane) lanes.set(channel, (lane = { jobs: [], head: 0, busy: 0, waiting: false, on }));
      for (const j of jobs) lane.jobs.push(j);
      pump();
    },
    queued: (channel) => queuedIn(lanes.get(channel)),
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => idlers.push(resolve));
    },
    close() {
      closed = true;
    },
    open() {
      closed = false;
      pump();
    },
    drop() {
      const dropped: J[] = [];
      for (const lane of lanes.values()) {
        dropped.push(...lane.jobs.slice(lane.head));
        lane.jobs = [];
        lane.head = 0;
      }
      settle();
      return dropped;
    },
  };
}
