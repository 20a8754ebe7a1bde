import { describe, expect, it } from 'vitest';
import { nextOpening, nextTimeOfDay, windowOpen } from './clock.js';

const at = (iso: string) => new Date(iso);

describe('wall-clock time in a customer’s zone', () => {
  it('the next 10:00 in Shanghai after 01:00 local is that morning, 02:00 UTC', () => {
    expect(nextTimeOfDay(at('2026-12-07T17:00:00Z'), 600, 'Asia/Shanghai')).toEqual(at('2026-12-08T02:00:00Z'));
  });

  it('a time skipped by summer time (New York, 8 March 2026, 02:30) is the moment the clocks jump', () => {
    expect(nextTimeOfDay(at('2026-03-08T05:00:00Z'), 150, 'America/New_York')).toEqual(at('2026-03-08T07:00:00Z'));
  });

  it('a time that happens twice (New York, 1 November 2026, 01:30) is its first occurrence', () => {
    expect(nextTimeOfDay(at('2026-11-01T04:00:00Z'), 90, 'America/New_York')).toEqual(at('2026-11-01T05:30:00Z'));
  });

  it('quiet hours 21:00–08:00 hold at 22:00 local and open at 08:00 the next morning', () => {
    const quiet = { mode: 'quiet' as const, hours: [{ from: '21:00', to: '08:00' }], outside: 'hold' as const };
    expect(windowOpen(quiet, at('2026-12-07T14:00:00Z'), 'Asia/Shanghai')).toBe(false);
    expect(nextOpening(quiet, at('2026-12-07T14:00:00Z'), 'Asia/Shanghai')).toEqual(at('2026-12-08T00:00:00Z'));
  });
});
