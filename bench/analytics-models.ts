/**
 * The rows of the analytics benchmark: each runs one analysis model through the node's own model
 * code (node/analytics/) on the generated store and returns a one-line summary of its result, so a
 * reader can see the query did real work. The parameters fit the generated data (bench/event-data.ts):
 * its frequent names, its `channel` and `amount` properties; every model reads the whole period.
 */
import { attribution } from '../node/analytics/attribution.js';
import type { Scope } from '../node/analytics/draft-scope.js';
import { interval } from '../node/analytics/interval.js';
import { ltv } from '../node/analytics/ltv.js';
import { path } from '../node/analytics/path.js';
import { EVENTS_TABLE } from '../node/events/schema.js';
import type { EventReader } from '../node/events/store.js';
import { period, type EventDataOptions } from './event-data.js';
import type { SegmentBench } from './segment-row.js';

export interface AnalyticsRow {
  key: string;
  label: string;
  /** The target for this row at 10⁸ events, seconds; null where it sets none. */
  targetS: number | null;
  run(reader: EventReader): Promise<string>;
  /** Why the row cannot run in this build (its model is not in this tree); the bench prints it. */
  unavailable?: string;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number | null) => (x == null ? '-' : `${(100 * x).toFixed(1)} %`);

export function analyticsRows(o: EventDataOptions, segment: SegmentBench): AnalyticsRow[] {
  const { to } = period(o);
  const scope: Scope = { events: EVENTS_TABLE, timeZone: 'UTC', end: to };
  const pending = (key: string, label: string, targetS: number | null, reason: string): AnalyticsRow => ({
    key,
    label,
    targetS,
    run: () => Promise.reject(new Error(reason)),
    unavailable: reason,
  });
  return [
    pending('event', 'event analysis, 1 breakdown', 2, 'the event model (branch models-a) is not merged'),
    pending('funnel', '4-step funnel', 5, 'the funnel model (branch models-a) is not merged'),
    pending('retention', '30-day retention', 5, 'the retention model (branch models-a) is not merged'),
    {
      key: 'path',
      label: 'path, depth 3',
      targetS: 10,
      async run(reader) {
        const r = await path(reader, scope, { anchor: 'app_open', direction: 'after', depth: 3, top: 5 });
        const anchor = r.nodes.find((x) => x.step === 0);
        return `${n(anchor?.customers ?? 0)} customers from app_open, ${r.nodes.length} nodes, ${r.links.length} links`;
      },
    },
    {
      key: 'attribution',
      label: 'attribution',
      targetS: 10,
      async run(reader) {
        const r = await attribution(reader, scope, {
          goal: 'purchase',
          valueProperty: 'amount',
          touches: ['banner_click', 'push_open', 'sms_click', 'email_open'],
          model: 'position',
        });
        return `${n(r.goals)} purchases (value ${n(r.value)}), direct ${pct(r.direct.share)}, ${r.credits.length} touches credited (position-based, 30-day window)`;
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
      async run(reader) {
        const r = await interval(reader, scope, { from: 'add_to_cart', to: 'purchase' });
        return `${n(r.pairs)} add_to_cart → purchase pairs of ${n(r.customers)} customers, median ${n(r.median ?? 0)} s, ${r.histogram.length} buckets`;
      },
    },
    {
      key: 'ltv',
      label: 'LTV',
      targetS: null,
      async run(reader) {
        const r = await ltv(reader, scope, { start: 'app_open', valueEvent: 'purchase', valueProperty: 'amount', unit: 'week', periods: 8 });
        return `${r.cohorts.length} weekly cohorts (${n(r.all.customers)} customers) by first app_open, week-8 value per customer ${n(r.all.perCustomer.at(-1) ?? 0)}`;
      },
    },
  ];
}
