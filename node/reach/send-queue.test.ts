/**
 * The dispatcher's send queue: what starts when, under the dispatcher's and each channel's
 * concurrency and each channel's rate limit, and what a stop leaves unsent.
 */
import { describe, expect, it } from 'vitest';
import { sendQueue } from './send-queue.js';

/** Sends that end when the test says so, and the order they started in. */
function heldSends() {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  return {
    started,
    send: (job: string) =>
      new Promise<void>((resolve) => {
        started.push(job);
        pending.set(job, resolve);
      }),
    end(job: string) {
      pending.get(job)?.();
      pending.delete(job);
    },
  };
}

const open = (concurrency: number, wait: () => number = () => 0) => ({ settings: { concurrency }, limiter: { take: wait } });
const tick = () => new Promise((r) => setImmediate(r));

describe('the send queue', () => {
  it("starts a message as soon as any slot frees, within the dispatcher's and each channel's concurrency", async () => {
    const s = heldSends();
    const queue = sendQueue({ concurrency: 3, send: s.send, sleep: async () => {} });
    queue.push('sms', ['s1', 's2', 's3'], open(2));
    queue.push('webhook', ['w1', 'w2'], open(5));
    expect(s.started).toEqual(['s1', 's2', 'w1']);
    s.end('w1');
    await tick();
    expect(s.started).toEqual(['s1', 's2', 'w1', 'w2']); // sms is at its own limit of 2
    s.end('s2');
    await tick();
    expect(s.started).toEqual(['s1', 's2', 'w1', 'w2', 's3']); // s1 still held: it holds only its own slot
    expect(queue.queued('sms')).toBe(0);
  });

  it('lets a channel wait for its rate limit alone: the other channels keep sending', async () => {
    const s = heldSends();
    const sleeps: number[] = [];
    let wake = () => {};
    let tokens = 1;
    const queue = sendQueue({
      concurrency: 10,
      send: s.send,
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise<void>((r) => (wake = r));
      },
    });
    queue.push(
      'sms',
      ['s1', 's2'],
      open(10, () => (tokens-- > 0 ? 0 : 250)),
    );
    queue.push('webhook', ['w1', 'w2'], open(10));
    expect(s.started).toEqual(['s1', 'w1', 'w2']);
    expect(sleeps).toEqual([250]);
    tokens = 1;
    wake();
    await tick();
    expect(s.started).toEqual(['s1', 'w1', 'w2', 's2']);
  });

  it('after close starts nothing more; drop hands back what never started, and idle waits for the sends in flight', async () => {
    const s = heldSends();
    const queue = sendQueue({ concurrency: 1, send: s.send, sleep: async () => {} });
    queue.push('sms', ['s1', 's2', 's3'], open(1));
    queue.close();
    expect(queue.drop()).toEqual(['s2', 's3']);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    s.end('s1');
    await tick();
    expect(idle).toBe(true);
    expect(s.started).toEqual(['s1']);
  });
});
