/**
 * Naive in-memory versions of the interval, path, attribution and LTV models: loops over plain
 * arrays, written from the documented semantics (docs/analytics.md) and nothing else, so property
 * tests can hold the SQL to them on random event tables.
 */
import type { TestEvent } from './event-store.js';

interface Ev {
  id: string;
  customer: string;
  name: string;
  t: number;
  properties: Record<string, unknown>;
}

/** The events with their ids (as `eventStoreWith` gives them) and times in milliseconds. */
export function naiveEvents(events: readonly TestEvent[]): Ev[] {
  return events.map((e, i) => ({
    id: e.id ?? `e${i}`,
    customer: e.customer,
    name: e.name,
    t: Date.parse(e.time),
    properties: e.properties ?? {},
  }));
}

const byTimeThenId = (a: Ev, b: Ev) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function perCustomer(events: readonly Ev[]): Map<string, Ev[]> {
  const out = new Map<string, Ev[]>();
  for (const e of events) out.set(e.customer, [...(out.get(e.customer) ?? []), e]);
  for (const list of out.values()) list.sort(byTimeThenId);
  return out;
}

/** Linear interpolation between closest ranks (PERCENTILE.INC). */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function naiveInterval(events: readonly Ev[], from: string, to: string, maxGapSeconds?: number) {
  const gaps: { customer: string; gap: number }[] = [];
  for (const [customer, list] of perCustomer(events)) {
    // At one instant an A sorts before a B (unless it is both).
    const ab = list
      .filter((e) => e.name === from || e.name === to)
      .sort((a, b) => a.t - b.t || Number(a.name !== from) - Number(b.name !== from) || (a.id < b.id ? -1 : 1));
    ab.forEach((a, i) => {
      if (a.name !== from) return;
      const b = ab.slice(i + 1).find((e) => e.name === to);
      if (!b) return;
      const gap = (b.t - a.t) / 1000;
      if (maxGapSeconds === undefined || gap <= maxGapSeconds) gaps.push({ customer, gap });
    });
  }
  const sorted = gaps.map((g) => g.gap).sort((a, b) => a - b);
  return {
    pairs: sorted.length,
    customers: new Set(gaps.map((g) => g.customer)).size,
    mean: sorted.length === 0 ? null : sorted.reduce((s, x) => s + x, 0) / sorted.length,
    p25: percentile(sorted, 0.25),
    median: percentile(sorted, 0.5),
    p75: percentile(sorted, 0.75),
    p90: percentile(sorted, 0.9),
    /** Pairs per bucket of the given bounds: [0, b1), …, [bk, ∞). */
    histogram: (bounds: readonly number[]) => [0, ...bounds].map((lo, i) => sorted.filter((g) => g >= lo && (i === bounds.length || g < bounds[i])).length),
  };
}

export function naivePath(events: readonly Ev[], anchor: string, direction: 'after' | 'before', depth: number, top: number, sessionGapSeconds: number | null) {
  // Each customer's path: names at steps 0…depth away from the first anchor, within one session.
  const paths: string[][] = [];
  for (const list of perCustomer(events).values()) {
    const at = list.findIndex((e) => e.name === anchor);
    if (at < 0) continue;
    const walk = direction === 'after' ? list.slice(at) : list.slice(0, at + 1).reverse();
    const names = [walk[0].name];
    for (let i = 1; i < walk.length && names.length <= depth; i++) {
      if (sessionGapSeconds !== null && Math.abs(walk[i].t - walk[i - 1].t) / 1000 > sessionGapSeconds) break;
      names.push(walk[i].name);
    }
    paths.push(names);
  }
  const sign = direction === 'after' ? 1 : -1;
  const labels = paths.map((p) => [...p]);
  for (let step = 0; step <= depth; step++) {
    const counts = new Map<string, number>();
    for (const p of paths) if (p[step] !== undefined) counts.set(p[step], (counts.get(p[step]) ?? 0) + 1);
    const kept = new Set(
      [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([n]) => n),
    );
    for (const l of labels) if (l[step] !== undefined && !kept.has(l[step])) l[step] = '*';
  }
  const id = (step: number, label: string) => `${sign * step + 0}:${label}`;
  const nodes = new Map<string, number>();
  const links = new Map<string, number>();
  for (const l of labels) {
    l.forEach((label, step) => {
      nodes.set(id(step, label), (nodes.get(id(step, label)) ?? 0) + 1);
      if (step === 0) return;
      const [from, into] = sign === 1 ? [id(step - 1, l[step - 1]), id(step, label)] : [id(step, label), id(step - 1, l[step - 1])];
      links.set(`${from} ${into}`, (links.get(`${from} ${into}`) ?? 0) + 1);
    });
  }
  return { nodes, links };
}

export type NaiveAttributionModel = 'first' | 'last' | 'linear' | 'time_decay' | 'position';

export function naiveAttribution(
  events: readonly Ev[],
  p: {
    goal: string;
    valueProperty?: string;
    touches: string[];
    model: NaiveAttributionModel;
    windowSeconds: number;
    halfLifeSeconds: number;
    byProperty?: string;
  },
) {
  const credits = new Map<string | null, { conversions: number; value: number }>();
  /** Each goal's credits summed: 1 for a touched goal. */
  const perGoal: number[] = [];
  let goals = 0;
  let direct = 0;
  let value = 0;
  let directValue = 0;
  for (const list of perCustomer(events).values()) {
    for (const g of list.filter((e) => e.name === p.goal)) {
      goals++;
      const raw = p.valueProperty === undefined ? undefined : g.properties[p.valueProperty];
      const v = typeof raw === 'number' ? raw : 0;
      value += v;
      const touches = list.filter((e) => p.touches.includes(e.name) && e.t <= g.t && e.t >= g.t - p.windowSeconds * 1000);
      if (touches.length === 0) {
        direct++;
        directValue += v;
        continue;
      }
      const n = touches.length;
      const latest = Math.max(...touches.map((t) => t.t));
      const weights = touches.map((t, i) => {
        switch (p.model) {
          case 'first':
            return i === 0 ? 1 : 0;
          case 'last':
            return i === n - 1 ? 1 : 0;
          case 'linear':
            return 1;
          case 'time_decay':
            // Relative to the latest touch, so a short half-life cannot underflow every weight to 0
            // (the shares are the same).
            return 0.5 ** ((latest - t.t) / 1000 / p.halfLifeSeconds);
          case 'position':
            return n === 1 ? 1 : n === 2 ? 0.5 : i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2);
        }
      });
      const total = weights.reduce((s, w) => s + w, 0);
      let sum = 0;
      touches.forEach((t, i) => {
        const share = weights[i] / total;
        sum += share;
        if (share === 0) return;
        const key = p.byProperty === undefined ? t.name : t.properties[p.byProperty] === undefined ? null : String(t.properties[p.byProperty]);
        const c = credits.get(key) ?? { conversions: 0, value: 0 };
        c.conversions += share;
        c.value += share * v;
        credits.set(key, c);
      });
      perGoal.push(sum);
    }
  }
  return { goals, value, direct: { goals: direct, value: directValue }, credits, perGoal };
}

/** `YYYY-MM-DD` of an instant's wall-clock date in `timeZone`. */
function localDate(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const DAY = 86_400_000;

/** The unit's index counted from 1970 (days; Monday-first weeks; months) of a local date. */
function unitIndex(date: string, unit: 'day' | 'week' | 'month'): number {
  const [y, m] = date.split('-').map(Number);
  const day = Date.parse(`${date}T00:00:00Z`) / DAY;
  if (unit === 'day') return day;
  if (unit === 'week') return Math.floor((day + 3) / 7); // 1970-01-01 was a Thursday
  return y * 12 + (m - 1);
}

function unitStart(index: number, unit: 'day' | 'week' | 'month'): string {
  if (unit === 'day') return new Date(index * DAY).toISOString().slice(0, 10);
  if (unit === 'week') return new Date((index * 7 - 3) * DAY).toISOString().slice(0, 10);
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

export function naiveLtv(
  events: readonly Ev[],
  p: { start: string; valueEvent: string; valueProperty: string; unit: 'day' | 'week' | 'month'; periods: number },
  timeZone: string,
  endMs: number,
) {
  const cohorts = new Map<number, { customers: number; byPeriod: number[] }>();
  for (const list of perCustomer(events).values()) {
    const start = list.find((e) => e.name === p.start);
    if (!start) continue;
    const cohort = unitIndex(localDate(start.t, timeZone), p.unit);
    const c = cohorts.get(cohort) ?? { customers: 0, byPeriod: new Array<number>(p.periods).fill(0) };
    c.customers++;
    for (const v of list) {
      if (v.name !== p.valueEvent || v.t < start.t) continue;
      const period = unitIndex(localDate(v.t, timeZone), p.unit) - cohort;
      const raw = v.properties[p.valueProperty];
      if (period < p.periods) c.byPeriod[period] += typeof raw === 'number' ? raw : 0;
    }
    cohorts.set(cohort, c);
  }
  const reachedBy = unitIndex(localDate(endMs, timeZone), p.unit);
  return [...cohorts]
    .sort((a, b) => a[0] - b[0])
    .map(([index, c]) => {
      let running = 0;
      return {
        cohort: unitStart(index, p.unit),
        customers: c.customers,
        cumulative: c.byPeriod.map((v, k) => {
          running += v;
          return index + k <= reachedBy ? running : null;
        }),
      };
    });
}
