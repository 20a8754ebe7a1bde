/**
 * The rows of the analytics benchmark: each runs one analysis model through the node's own model
 * code (node/analytics/) on the generated store and returns a one-line summary of its result, so a
 * reader can see the query did real work. The parameters fit the generated data (bench/event-data.ts):
 * its frequent names, a 30-day window inside the 90 days, its `channel` and `amount` properties.
 */
import type { EventReader } from '../node/events/store.js';
import type { EventDataOptions } from './event-data.js';

export interface AnalyticsRow {
  key: string;
  label: string;
  /** The target for this row at 10⁸ events, seconds; null where it sets none. */
  targetS: number | null;
  run(reader: EventReader): Promise<string>;
  /** Why the row cannot run in this build (its model is not in this tree); the bench prints it. */
  unavailable?: string;
}

export function analyticsRows(_o: EventDataOptions): AnalyticsRow[] {
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
    pending('path', 'path, depth 3', 10, 'the path model (branch models-b) is not merged'),
    pending('attribution', 'attribution', 10, 'the attribution model (branch models-b) is not merged'),
    pending('segment', 'segment: profile + behaviour rule', 10, 'behaviour conditions in segments (branch behaviour) are not merged'),
  ];
}
