import { describe, expect, it } from 'vitest';
import { tokenBucket } from './rate-limit.js';

describe('tokenBucket', () => {
  it('lets a burst through, then paces at the rate', () => {
    let now = 0;
    const bucket = tokenBucket({ ratePerSecond: 10, burst: 3, now: () => now });
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(100);
    now += 50;
    expect(bucket.take()).toBe(50);
    now += 50;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(100);
  });

  it('a quiet spell refills no more than the burst', () => {
    let now = 0;
    const bucket = tokenBucket({ ratePerSecond: 100, burst: 5, now: () => now });
    for (let i = 0; i < 5; i++) bucket.take();
    now += 60_000;
    const taken = Array.from({ length: 7 }, () => bucket.take());
    expect(taken.filter((w) => w === 0)).toHaveLength(5);
  });

  it('over a long run, polled every millisecond, the takes keep to the rate', () => {
    let now = 0;
    const bucket = tokenBucket({ ratePerSecond: 3, burst: 2, now: () => now });
    let sent = 0;
    for (let ms = 0; ms <= 10_100; ms++) {
      now = ms;
      if (bucket.take() === 0) sent++;
    }
    expect(sent).toBe(32); // the burst of 2 at once, then one every 333⅓ ms for 10 s
  });

  it('acquire waits the time the bucket names, with the sleep it is given', async () => {
    let now = 0;
    const bucket = tokenBucket({ ratePerSecond: 4, burst: 1, now: () => now });
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      now += ms;
    };
    await bucket.acquire(sleep);
    await bucket.acquire(sleep);
    await bucket.acquire(sleep);
    expect(slept).toEqual([250, 250]);
  });

  it('refuses a rate or burst that cannot work', () => {
    expect(() => tokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'rate' } }));
    expect(() => tokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(expect.objectContaining({ details: { field: 'burst' } }));
  });
});
