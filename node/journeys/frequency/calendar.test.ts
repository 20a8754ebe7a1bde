import { describe, expect, it } from 'vitest';
import { dayOf, dayText, fromLocal, localDay, monthStart, nextMonthStart, startOfDay, weekStart } from './calendar.js';

const day = (text: string) => dayOf(text)!;
const utc = (ms: number) => new Date(ms).toISOString();

describe('the customer calendar', () => {
  it('numbers local days: the same instant is 7 December in New York and 8 December in Shanghai', () => {
    const t = Date.parse('2026-12-08T01:00:00Z');
    expect(dayText(localDay('America/New_York', t))).toBe('2026-12-07');
    expect(dayText(localDay('Asia/Shanghai', t))).toBe('2026-12-08');
  });

  it('ISO weeks start on Monday, also across a year end', () => {
    expect(dayText(weekStart(day('2027-01-01')))).toBe('2026-12-28');
    expect(dayText(weekStart(day('2026-12-28')))).toBe('2026-12-28');
    expect(dayText(weekStart(day('2026-12-27')))).toBe('2026-12-21');
    expect(dayText(weekStart(day('1970-01-01')))).toBe('1969-12-29');
  });

  it('months end on their last day, leap years included', () => {
    expect(dayText(monthStart(day('2028-02-29')))).toBe('2028-02-01');
    expect(dayText(nextMonthStart(day('2028-02-29')))).toBe('2028-03-01');
    expect(dayText(nextMonthStart(day('2026-12-31')))).toBe('2027-01-01');
    expect(dayOf('2026-02-29')).toBeNull();
    expect(dayOf('2028-02-29')).not.toBeNull();
  });

  it('finds when a local time happens: twice (clocks back) gives the first, never (clocks forward) the jump', () => {
    const local = (text: string) => Date.parse(`${text}Z`);
    expect(utc(fromLocal('America/New_York', local('2026-11-01T01:30:00')))).toBe('2026-11-01T05:30:00.000Z'); // EDT, the first 01:30
    expect(utc(fromLocal('America/New_York', local('2026-03-08T02:30:00')))).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
    expect(utc(startOfDay('America/Santiago', day('2026-09-06')))).toBe('2026-09-06T04:00:00.000Z'); // midnight skipped: 01:00 −03
    expect(utc(startOfDay('Asia/Shanghai', day('2026-12-08')))).toBe('2026-12-07T16:00:00.000Z');
  });
});
