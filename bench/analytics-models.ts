/**
 * The rows of the analytics benchmark: each runs one analysis model through the node's own model
 * code (node/analytics/) on the generated store and returns a one-line summary of its result, so a
 * reader can see the query did real work. The parameters fit the generated data (bench/event-data.ts):
 * its frequent names, its `channel` and `amount` properties; every model reads the whole period.
 */
import { analyticsService } from '../node/analytics/service.js';
import type { EventStore } from '../node/events/store.js';
import { period, type EventDataOptions } from './event-data.js';
import type { SegmentBench } from './segment-row.js';

export interface AnalyticsRow {
  key: string;
  label: string;
  /** The target for this row at 10⁸ events, seconds; null where it sets none. */
  targetS: number | null;
  run(): Promise<string>;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number | null) => (x == null ? '-' : `${(100 * x).toFixed(1)} %`);

export function analyticsRows(o: EventDataOptions, store: EventStore, segment: SegmentBench): AnalyticsRow[] {
  const { from, to } = period(o);
  // Every model through the service the HTTP API and the CLI call (parameter checks, defaults, scope).
  const analytics = analyticsService({
    reader: () => store.reader(),
    segmentCustomers: () => Promise.reject(new Error('the bench restricts no model to a segment')),
    timeZone: 'UTC',
    maxRangeDays: 400,
    timeoutMs: 0,
    now: () => new Date(to),
    logger: { info: () => {} },
  });
  const actor = { id: 'cli:bench', role: 'operator' } as const;
  const firstDay = from.slice(0, 10);
  const lastDay = new Date(Date.parse(to) - 86_400_000).toISOString().slice(0, 10);
  const scalars = async (model: string, params: Record<string, unknown>) => (await analytics.run(model, params, actor)).scalars;
  return [
    {
      key: 'event',
      label: 'event analysis, 1 breakdown',
      targetS: 2,
      async run() {
        // The most frequent name over the last 45 days by day, split by channel, with the 45 days before.
        const middle = new Date(Date.parse(to) - 45 * 86_400_000).toISOString().slice(0, 10);
        const r = await scalars('event', { event: 'page_view', from: middle, to: lastDay, granularity: 'day', breakdowns: ['channel'], compare: true });
        return `page_view by day and channel, last 45 days: ${n(r.total)} events, ${n(r.customers)} customers, change ${(r.totalChange ?? 0).toFixed(1)} % vs the 45 days before`;
      },
    },
    {
      key: 'funnel',
      label: '4-step funnel',
      targetS: 5,
      async run() {
        const steps = ['app_open', 'product_view', 'add_to_cart', 'purchase'].map((event) => ({ event }));
        const r = await scalars('funnel', { steps, from: firstDay, to: lastDay, windowSeconds: 30 * 86_400, order: 'loose' });
        return `app_open → product_view → add_to_cart → purchase within 30 days: ${n(r.entered)} entered, ${n(r.converted)} converted`;
      },
    },
    {
      key: 'retention',
      label: '30-day retention',
      targetS: 5,
      async run() {
        const r = await scalars('retention', {
          start: { event: 'login' },
          return: { event: 'app_open' },
          from: firstDay,
          to: lastDay,
          granularity: 'day',
          periods: 30,
        });
        return `daily cohorts by first login, return by app_open, day 1 … 30: cohort size ${n(r.cohortSize)}, day 1 ${pct(r.day1 ?? null)}, day 30 ${pct(r.day30 ?? null)}`;
      },
    },
    {
      key: 'path',
      label: 'path, depth 3',
      targetS: 10,
      async run() {
        const r = await analytics.run('path', { anchor: { event: 'app_open' }, from: firstDay, to: lastDay, direction: 'after', depth: 3, top: 5 }, actor);
        const result = r.result as { nodes: unknown[]; links: unknown[] };
        return `${n(r.scalars.customers)} customers from their first app_open, ${result.nodes.length} nodes, ${result.links.length} links`;
      },
    },
    {
      key: 'attribution',
      label: 'attribution',
      targetS: 10,
      async run() {
        const touches = ['banner_click', 'push_open', 'sms_click', 'email_open'].map((event) => ({ event }));
        const r = await scalars('attribution', {
          goal: { event: 'purchase' },
          valueProperty: 'amount',
          touches,
          model: 'position',
          from: firstDay,
          to: lastDay,
        });
        return `${n(r.goals)} purchases (value ${n(r.value)}), direct ${pct(r.directShare ?? null)} (position-based, 30-day window)`;
      },
    },
    {
      key: 'segment',
      label: 'segment: profile + behaviour rule',
      targetS: 10,
      async run() {
        const members = await segment.createMixed();
        return `${n(members)} members: tier gold/platinum and ≥ 2 purchases in the last 30 days (of ${n(o.customers)} profiles)`;
      },
    },
    {
      key: 'interval',
      label: 'interval',
      targetS: null,
      async run() {
        const r = await scalars('interval', { initial: { event: 'add_to_cart' }, target: { event: 'purchase' }, from: firstDay, to: lastDay });
        return `${n(r.pairs)} add_to_cart → purchase pairs of ${n(r.customers)} customers, median ${n(r.median ?? 0)} s`;
      },
    },
    {
      key: 'ltv',
      label: 'LTV',
      targetS: null,
      async run() {
        const r = await scalars('ltv', {
          start: { event: 'app_open' },
          value: { event: 'purchase' },
          valueProperty: 'amount',
          from: firstDay,
          to: lastDay,
          granularity: 'week',
          periods: 8,
        });
        return `weekly cohorts of ${n(r.customers)} customers by first app_open, purchase amount per customer by week 8: ${n(r.period7 ?? 0)}`;
      },
    },
    {
      key: 'distribution',
      label: 'distribution',
      targetS: null,
      async run() {
        const r = await scalars('distribution', { event: 'page_view', from: firstDay, to: lastDay });
        return `${n(r.customers)} customers bucketed by page_view count, median ${n(r.median ?? 0)}`;
      },
    },
  ];
}
