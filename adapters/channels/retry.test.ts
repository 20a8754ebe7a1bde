import { describe, expect, it } from 'vitest';
import { retryPolicy } from './retry.js';

describe('retryPolicy', () => {
  const options = { baseMs: 1000, capMs: 30_000, maxAttempts: 5 };

  it('full jitter: the delay is drawn from 0 up to base · 2^(attempt−1), capped', () => {
    const highest = retryPolicy(options, () => 0.999999);
    expect([1, 2, 3, 4].map((a) => highest.after(a))).toEqual([
      { retry: true, delayMs: 999 },
      { retry: true, delayMs: 1999 },
      { retry: true, delayMs: 3999 },
      { retry: true, delayMs: 7999 },
    ]);
    expect(retryPolicy(options, () => 0).after(3)).toEqual({ retry: true, delayMs: 0 });
    expect(retryPolicy(options, () => 0.5).after(3)).toEqual({ retry: true, delayMs: 2000 });
  });

  it('the cap bounds every delay, even far past the point where 2^n overflows', () => {
    const policy = retryPolicy({ baseMs: 1000, capMs: 30_000, maxAttempts: 5000 }, () => 0.999999);
    expect(policy.after(10)).toEqual({ retry: true, delayMs: 29_999 });
    expect(policy.after(4000)).toEqual({ retry: true, delayMs: 29_999 });
  });

  it("the provider's Retry-After is a floor", () => {
    expect(retryPolicy(options, () => 0).after(1, 7000)).toEqual({ retry: true, delayMs: 7000 });
    expect(retryPolicy(options, () => 0.999999).after(4, 10)).toEqual({ retry: true, delayMs: 7999 });
  });

  it('after the last attempt the message is dead', () => {
    const policy = retryPolicy(options);
    expect(policy.after(4).retry).toBe(true);
    expect(policy.after(5)).toEqual({ retry: false });
    expect(retryPolicy({ ...options, maxAttempts: 1 }).after(1)).toEqual({ retry: false });
  });

  it('refuses settings that cannot work, naming the field', () => {
    expect(() => retryPolicy({ ...options, maxAttempts: 0 })).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'maxAttempts' } }),
    );
    expect(() => retryPolicy({ ...options, baseMs: 0.5 })).toThrow(expect.objectContaining({ details: { field: 'baseMs' } }));
  });
});
