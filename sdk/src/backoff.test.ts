import { describe, expect, it } from 'vitest';
import { backoffDelay, RETRY_AFTER_LIMIT_MS, retryAfterMs, retryDelay } from './backoff.js';

const backoff = { initialMs: 100, maxMs: 1000, jitter: 0.5 };

describe('backoff', () => {
  it('doubles from initialMs up to maxMs', () => {
    expect([0, 1, 2, 3, 4, 60].map((retry) => backoffDelay(retry, backoff, 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws the jitter share at random below the delay', () => {
    expect(backoffDelay(2, backoff, 0.999)).toBe(200);
    expect(backoffDelay(2, { ...backoff, jitter: 0 }, 0.999)).toBe(400);
  });

  it('RFC 9110 §10.2.3: reads Retry-After as seconds or an HTTP date; ignores anything else', () => {
    const now = Date.parse('2026-12-07T06:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Mon, 07 Dec 2026 06:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 07 Dec 2026 05:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('waits as long as the node asks, up to a limit, and never less than the backoff', () => {
    expect(retryAfterMs('999999999', 0)).toBe(RETRY_AFTER_LIMIT_MS);
    expect(retryDelay(0, backoff, 5000, 0)).toBe(5000);
    expect(retryDelay(3, backoff, 10, 0)).toBe(800);
  });
});
