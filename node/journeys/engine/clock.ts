/**
 * Wall-clock arithmetic in a customer's time zone: when a delay ends, whether a time window is
 * open and when it opens next. Local time comes from frequency control's calendar (Intl
 * underneath), so a delay, a window and a daily cap agree on a customer's day.
 */
import type { ComponentParams } from '../components.js';
import { DAY_MS, fromLocal, MINUTE_MS, toLocal } from '../frequency/calendar.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

interface LocalParts {
  date: string;
  /** Minutes since local midnight. */
  minute: number;
  /** 0 = Monday. */
  weekday: number;
}

/** The local calendar date, minute of the day and weekday of an instant in `timeZone`. */
function localParts(at: Date, timeZone: string): LocalParts {
  const local = toLocal(timeZone, at.getTime());
  const day = Math.floor(local / DAY_MS);
  const midnight = new Date(day * DAY_MS);
  return { date: midnight.toISOString().slice(0, 10), minute: Math.floor((local - day * DAY_MS) / MINUTE_MS), weekday: (midnight.getUTCDay() + 6) % 7 };
}

/** The instant the clock in `timeZone` shows `date` at `minute`; a time skipped by summer time is the moment the clocks jump (as frequency control reads it). */
function zonedInstant(date: string, minute: number, timeZone: string): Date {
  return new Date(fromLocal(timeZone, Date.parse(`${date}T00:00:00Z`) + minute * MINUTE_MS));
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
export const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The next instant after `now` at which the clock in `timeZone` shows `minute`. */
export function nextTimeOfDay(now: Date, minute: number, timeZone: string): Date {
  const today = localParts(now, timeZone).date;
  for (let d = 0; d < 3; d++) {
    const at = zonedInstant(addDays(today, d), minute, timeZone);
    if (at > now) return at;
  }
  return zonedInstant(addDays(today, 3), minute, timeZone);
}

type TimeWindow = ComponentParams['time_window'];

/** Whether customers pass the window at `at`: inside the hours (open mode) or outside them (quiet mode), never on a holiday. */
export function windowOpen(w: TimeWindow, at: Date, timeZone: string): boolean {
  const p = localParts(at, timeZone);
  if (w.holidays?.includes(p.date)) return false;
  const onDay = (days: readonly string[] | undefined, weekday: number) => !days || days.includes(WEEKDAYS[weekday]);
  const inside = w.hours.some((h) => {
    const from = minuteOf(h.from);
    const to = minuteOf(h.to);
    if (from < to) return onDay(h.days, p.weekday) && p.minute >= from && p.minute < to;
    return (onDay(h.days, p.weekday) && p.minute >= from) || (onDay(h.days, (p.weekday + 6) % 7) && p.minute < to);
  });
  return w.mode === 'open' ? inside : !inside;
}

/** When the window next opens after `now` (the window only changes at midnight and at the hours' edges); null when not within a year and a week. */
export function nextOpening(w: TimeWindow, now: Date, timeZone: string): Date | null {
  const today = localParts(now, timeZone).date;
  const edges = [0, ...w.hours.flatMap((h) => [minuteOf(h.from), minuteOf(h.to)])].sort((a, b) => a - b);
  for (let d = 0; d <= 373; d++) {
    const date = addDays(today, d);
    for (const minute of edges) {
      const at = zonedInstant(date, minute, timeZone);
      if (at > now && windowOpen(w, at, timeZone)) return at;
    }
  }
  return null;
}
