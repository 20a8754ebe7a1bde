/**
 * Test double: the analysis models computed naively in memory, straight from their documented
 * semantics (docs/analytics.md), for the property tests that compare them with the SQL models.
 * Time zones are fixed offsets here (the zones the tests use have no daylight saving).
 */
import type { TestEvent } from './event-store.js';

const OFFSET_HOURS: Record<string, number> = { UTC: 0, 'Asia/Shanghai': 8 };
const DAY = 86_400_000;

export interface NaiveEvent extends TestEvent {
  id: string;
}

/** The local calendar day of a UTC time. */
function localDay(time: string, timeZone: string): string {
  return new Date(Date.parse(time) + OFFSET_HOURS[timeZone] * 3_600_000).toISOString().slice(0, 10);
}

const dayDiff = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / DAY);
const addDays = (d: string, n: number) => new Date(Date.parse(d) + n * DAY).toISOString().slice(0, 10);
const inRange = (day: string, from: string, to: string) => day >= from && day <= to;
const amountOf = (e: TestEvent) => (typeof e.properties?.amount === 'number' ? e.properties.amount : null);
const byTimeThenId = (a: NaiveEvent, b: NaiveEvent) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function measure(events: readonly TestEvent[]) {
  const amounts = events.map(amountOf).filter((a): a is number => a !== null);
  return { count: events.length, customers: new Set(events.map((e) => e.customer)).size, sum: amounts.length ? amounts.reduce((s, a) => s + a, 0) : null };
}

/** Event analysis by day: per day, per `plan` value, and the totals of the range and the previous period. */
export function naiveEvent(events: readonly NaiveEvent[], p: { event: string; from: string; to: string }, timeZone: string) {
  const selected = events.filter((e) => e.name === p.event);
  const days = dayDiff(p.from, p.to) + 1;
  const current = selected.filter((e) => inRange(localDay(e.time, timeZone), p.from, p.to));
  const previous = selected.filter((e) => inRange(localDay(e.time, timeZone), addDays(p.from, -days), addDays(p.from, -1)));
  const series = [...new Set(current.map((e) => localDay(e.time, timeZone)))].sort().map((bucket) => ({
    bucket,
    ...measure(current.filter((e) => localDay(e.time, timeZone) === bucket)),
  }));
  const plans = [...new Set(current.map((e) => (e.properties?.plan as string | undefined) ?? null))];
  const groups = plans.map((plan) => ({ plan, ...measure(current.filter((e) => ((e.properties?.plan as string | undefined) ?? null) === plan)) }));
  return { series, groups, current: measure(current), previous: measure(previous) };
}

/** Customers reaching each step, per the documented funnel semantics. */
export function naiveFunnel(
  events: readonly NaiveEvent[],
  p: { steps: string[]; from: string; to: string; windowSeconds: number; strict: boolean },
  timeZone: string,
): number[] {
  const reached = p.steps.map(() => 0);
  const customers = [...new Set(events.map((e) => e.customer))];
  for (const c of customers) {
    const funnelEvents = events.filter((e) => e.customer === c && p.steps.includes(e.name)).sort(byTimeThenId);
    const entry = funnelEvents.findIndex((e) => e.name === p.steps[0] && inRange(localDay(e.time, timeZone), p.from, p.to));
    if (entry < 0) continue;
    // Funnel events before the range do not count (the range starts the funnel).
    const deadline = Date.parse(funnelEvents[entry].time) + p.windowSeconds * 1000;
    reached[0]++;
    let at = entry;
    for (let k = 1; k < p.steps.length; k++) {
      let next = -1;
      if (p.strict) {
        const candidate = funnelEvents[at + 1];
        if (candidate && candidate.name === p.steps[k] && Date.parse(candidate.time) <= deadline) next = at + 1;
      } else {
        next = funnelEvents.findIndex((e, i) => i > at && e.name === p.steps[k] && Date.parse(e.time) <= deadline);
      }
      if (next < 0) break;
      reached[k]++;
      at = next;
    }
  }
  return reached;
}

/** Day-N retention: per cohort day, its size and the customers returning on day N (0…periods). */
export function naiveRetention(
  events: readonly NaiveEvent[],
  p: { start: string; return: string; from: string; to: string; periods: number },
  timeZone: string,
): { cohort: string; size: number; returned: number[] }[] {
  const firstStart = new Map<string, NaiveEvent>();
  for (const e of [...events].sort(byTimeThenId)) {
    if (e.name === p.start && inRange(localDay(e.time, timeZone), p.from, p.to) && !firstStart.has(e.customer)) firstStart.set(e.customer, e);
  }
  const cohorts = new Map<string, { size: number; returned: Set<string>[] }>();
  for (const [c, start] of firstStart) {
    const day = localDay(start.time, timeZone);
    const cohort = cohorts.get(day) ?? { size: 0, returned: Array.from({ length: p.periods + 1 }, () => new Set<string>()) };
    cohort.size++;
    for (const e of events) {
      if (e.customer !== c || e.name !== p.return || Date.parse(e.time) < Date.parse(start.time)) continue;
      const n = dayDiff(day, localDay(e.time, timeZone));
      if (n >= 0 && n <= p.periods) cohort.returned[n].add(c);
    }
    cohorts.set(day, cohort);
  }
  return [...cohorts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cohort, v]) => ({ cohort, size: v.size, returned: v.returned.map((s) => s.size) }));
}

/** Customers per bucket of their event count: below bounds[0], then [bᵢ, bᵢ₊₁). */
export function naiveDistribution(events: readonly NaiveEvent[], p: { event: string; from: string; to: string; bounds: number[] }, timeZone: string): number[] {
  const counts = new Map<string, number>();
  for (const e of events)
    if (e.name === p.event && inRange(localDay(e.time, timeZone), p.from, p.to)) counts.set(e.customer, (counts.get(e.customer) ?? 0) + 1);
  const buckets = Array.from({ length: p.bounds.length + 1 }, () => 0);
  for (const n of counts.values()) buckets[p.bounds.filter((b) => n >= b).length]++;
  return buckets;
}
