/**
 * The span of time around an instant in which a time zone keeps one UTC offset. Converting each of
 * 10⁸ event times with ICU's `timezone()` costs several full scans; inside such a span (no DST
 * change, no change of law — all of China since 1991) the local time is the UTC time plus a
 * constant, which costs next to nothing. Outside it the models still ask ICU.
 */
export interface SteadyOffset {
  /** The first instant with this offset (or the search limit). */
  from: Date;
  /** The first instant after `from` with another offset (or the search limit). */
  to: Date;
  offsetSeconds: number;
}

const DAY_MS = 86_400_000;
/** How far the search looks each way: beyond any event a model reads in practice. */
const SEARCH_DAYS = 366 * 30;
const cache = new Map<string, SteadyOffset>();

/** @example steadyOffsetAround('Asia/Shanghai', new Date()).offsetSeconds // 28800 */
export function steadyOffsetAround(timeZone: string, at: Date): SteadyOffset {
  const cached = cache.get(timeZone);
  if (cached && cached.from <= at && at < cached.to) return cached;
  const offsetAt = offsetReader(timeZone);
  const t = at.getTime();
  const offset = offsetAt(t);
  const edge = (direction: 1 | -1): number => {
    // Day steps find the first day with another offset; bisection then finds the instant.
    for (let day = 1; day <= SEARCH_DAYS; day++) {
      const probe = t + direction * day * DAY_MS;
      if (offsetAt(probe) !== offset) {
        let same = probe - direction * DAY_MS;
        let other = probe;
        while (Math.abs(other - same) > 1) {
          const mid = Math.floor((same + other) / 2);
          if (offsetAt(mid) === offset) same = mid;
          else other = mid;
        }
        return direction === 1 ? other : same;
      }
    }
    return t + direction * SEARCH_DAYS * DAY_MS;
  };
  const steady = { from: new Date(edge(-1)), to: new Date(edge(1)), offsetSeconds: offset / 1000 };
  cache.set(timeZone, steady);
  return steady;
}

/** The zone's offset from UTC, in ms, at a UTC instant (Intl, so the same tz database as ICU). */
function offsetReader(timeZone: string): (utcMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (utcMs) => {
    const at = Math.floor(utcMs / 1000) * 1000;
    const p = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - at;
  };
}
