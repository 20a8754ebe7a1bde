import { describe, expect, it } from 'vitest';
import { tokenBuckets } from './rate-limit.js';

describe('tokenBuckets', () => {
  it('lets a source spend its burst, then refuses until time refills it', () => {
    let t = 0;
    const limiter = tokenBuckets({ burst: 3, perSecond: 2, now: () => t });
    expect([1, 2, 3, 4].map(() => limiter.take('10.0.0.1'))).toEqual([true, true, true, false]);
    t += 499;
    expect(limiter.take('10.0.0.1')).toBe(false);
    t += 1;
    expect(limiter.take('10.0.0.1')).toBe(true);
    t += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take('10.0.0.1'))).toEqual([true, true, true, false]);
  });

  it('keeps sources apart', () => {
    const limiter = tokenBuckets({ burst: 1, perSecond: 0, now: () => 0 });
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
  });

  it('holds at most maxSources buckets, forgetting the least recently seen', () => {
    const limiter = tokenBuckets({ burst: 1, perSecond: 0, maxSources: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c'); // forgets b, not a
    expect(limiter.size).toBe(2);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
  });
});
