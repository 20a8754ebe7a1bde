/**
 * A customer's calendar: which local day, ISO week and month an instant falls in, in an IANA time
 * zone, and when a local wall-clock time happens. Frequency caps count per *local* period (a
 * customer in Shanghai starts a new day at 16:00 UTC), not per rolling 24 hours.
 *
 * Days are numbered from 1970-01-01 in the local calendar (day 0), so a period is a range of day
 * numbers and needs no string keys. Offsets come from `Intl` and are cached per zone and quarter
 * hour: every zone's transitions fall on a quarter hour, and a batch of sends asks about the same
 * few instants again and again (`formatToParts` costs microseconds; the cache, nanoseconds).
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 15 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
/** Bounds each zone's cache: a long-running node meets ever new quarter hours. */
const MAX_CACHED_OFFSETS = 4096;

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (Shanghai: +8 h). */
function offsetMs(zone: string, ms: number): number {
  let cache = offsets.get(zone);
  if (!cache) offsets.set(zone, (cache = new Map()));
  const key = Math.floor(ms / QUARTER_HOUR_MS);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const at = key * QUARTER_HOUR_MS;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const offset = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - at;
  if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
  cache.set(key, offset);
  return offset;
}

/** The local wall-clock time of instant `ms`, as milliseconds since 1970-01-01T00:00 local. */
export function toLocal(zone: string, ms: number): number {
  return ms + offsetMs(zone, ms);
}

/** The local day number (days since 1970-01-01 in the zone's calendar) of instant `ms`. */
export function localDay(zone: string, ms: number): number {
  return Math.floor(toLocal(zone, ms) / DAY_MS);
}

/**
 * The first instant whose local time is `local` or later. A wall time that happens twice (clocks
 * going back) gives the first; one that does not happen (clocks going forward) gives the
 * transition itself, the first instant after the gap — so "midnight" on a day whose midnight is
 * skipped is when that day begins.
 */
export function fromLocal(zone: string, local: number): number {
  const before = local - offsetMs(zone, local - DAY_MS);
  const after = local - offsetMs(zone, local + DAY_MS);
  const exact = [before, after].filter((t) => toLocal(zone, t) === local);
  if (exact.length > 0) return Math.min(...exact);
  // A gap: the transition lies between the two candidates. Search it to the minute.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (toLocal(zone, mid) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The first instant of local day `day`. */
export function startOfDay(zone: string, day: number): number {
  return fromLocal(zone, day * DAY_MS);
}

/** The first day of the ISO week (Monday) holding `day`. 1970-01-01 was a Thursday. */
export function weekStart(day: number): number {
  return day - ((((day + 3) % 7) + 7) % 7);
}

/** The first day of the calendar month holding `day`. */
export function monthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

/** The first day of the calendar month after the one holding `day`. */
export function nextMonthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The day number of `YYYY-MM-DD`, or null when no such date exists (2026-02-30). */
export function dayOf(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayText(ms / DAY_MS) === text ? ms / DAY_MS : null;
}
