/**
 * When a customer may be sent a message: outside quiet hours and holidays in their calendar, and
 * below every cap of the message's channel and of all channels together, per local day, ISO week
 * and month. Pure functions of the rules, the customer's zone and their counted sends.
 */
import type { Channel } from '../components.js';
import { DAY_MS, dayText, fromLocal, localDay, MINUTE_MS, monthStart, nextMonthStart, startOfDay, toLocal, weekStart } from './calendar.js';
import { PERIODS, type Caps, type FrequencyRules, type Period } from './rules.js';
import type { CustomerSends } from './ledger.js';

/** What holds a message back at an instant, and the instant it stops doing so. */
export interface Block {
  reason: 'cap' | 'quiet_hours' | 'holiday';
  detail: string;
  /** Epoch ms. */
  end: number;
}

/**
 * A free slot is searched this many steps ahead at most: each step moves past a holiday, a quiet
 * window or a capped period, and holidays are at most 731 days, so a real configuration never
 * comes near it.
 */
const MAX_STEPS = 5000;

/** The days [first, end) of the period holding `day`. */
function periodOf(period: Period, day: number): [number, number] {
  if (period === 'day') return [day, day + 1];
  if (period === 'week') return [weekStart(day), weekStart(day) + 7];
  return [monthStart(day), nextMonthStart(day)];
}

/** The first day any cap of a message at local day `day` counts from: its week's or its month's start. */
export function countedFrom(day: number): number {
  return Math.min(weekStart(day), monthStart(day));
}

function counted(sends: CustomerSends, channel: Channel | null, from: number, end: number): number {
  let n = 0;
  for (const [day, byChannel] of sends) {
    if (day < from || day >= end) continue;
    if (channel) n += byChannel.get(channel) ?? 0;
    else for (const c of byChannel.values()) n += c;
  }
  return n;
}

/** The quiet hours or holiday holding instant `t` back, if any. */
export function windowAt(rules: FrequencyRules, zone: string, t: number): Block | null {
  const local = toLocal(zone, t);
  const day = Math.floor(local / DAY_MS);
  if (rules.holidays.has(day)) return { reason: 'holiday', detail: `holiday ${dayText(day)} (${zone})`, end: startOfDay(zone, day + 1) };
  const quiet = rules.quietHours;
  if (!quiet) return null;
  const minute = Math.floor((local - day * DAY_MS) / MINUTE_MS);
  const inside = quiet.from < quiet.to ? minute >= quiet.from && minute < quiet.to : minute >= quiet.from || minute < quiet.to;
  if (!inside) return null;
  const endDay = minute < quiet.to ? day : day + 1;
  return { reason: 'quiet_hours', detail: `quiet hours ${quiet.text} (${zone})`, end: fromLocal(zone, endDay * DAY_MS + quiet.to * MINUTE_MS) };
}

/** The cap a message on `channel` at instant `t` would exceed, if any; `end` is when every full period holding `t` is over. */
export function capAt(rules: FrequencyRules, zone: string, sends: CustomerSends, channel: Channel, t: number): Block | null {
  if (!rules.capped) return null;
  const day = localDay(zone, t);
  let first: string | null = null;
  let endDay = day;
  const check = (caps: Caps | undefined, scope: Channel | null) => {
    for (const period of PERIODS) {
      const cap = caps?.[period];
      if (cap === undefined) continue;
      const [from, end] = periodOf(period, day);
      if (counted(sends, scope, from, end) < cap) continue;
      first ??= `${scope ?? 'total'} ${period} cap ${cap} reached (${period} from ${dayText(from)}, ${zone})`;
      endDay = Math.max(endDay, end);
    }
  };
  check(rules.channelCaps.get(channel), channel);
  check(rules.totalCaps, null);
  return first === null ? null : { reason: 'cap', detail: first, end: startOfDay(zone, endDay) };
}

/**
 * The first instant from `t` on outside quiet hours and holidays and, when `withCaps`, below every
 * cap — or null when none lies within the search bound.
 */
export function nextFree(rules: FrequencyRules, zone: string, sends: CustomerSends, channel: Channel, t: number, withCaps: boolean): number | null {
  let at = t;
  for (let step = 0; step < MAX_STEPS; step++) {
    const block = windowAt(rules, zone, at) ?? (withCaps ? capAt(rules, zone, sends, channel, at) : null);
    if (!block) return at;
    at = block.end;
  }
  return null;
}
