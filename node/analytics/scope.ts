/**
 * What a model run is restricted to, beyond its own parameters: the node's time zone, its limits,
 * and optionally the members of a saved segment.
 *
 * Segment members travel as one JSON parameter (`from_json($n, '["VARCHAR"]')`), not as a list of
 * parameters or a temporary table: measured on this machine with 10⁶ members over 10⁷ events,
 * binding a DuckDB LIST of 10⁶ strings took 8.9 s before the query started, appending them to a
 * temporary table 1.2 s plus 2.0 s for the query, and the JSON parameter 4.4 s in all with no
 * extra statement or connection state (docs/analytics.md, Segment restriction).
 */
import type { Actor } from '../audit/actor.js';
import type { QueryParams } from './query.js';

export interface ModelScope {
  /** IANA time zone days, weeks and months are counted in (`events.timeZone`). */
  timeZone: string;
  /** Normalised customer ids to restrict to (a segment's members); null: every customer. */
  customers: readonly string[] | null;
  /** Longest date range a model accepts, in days (`analytics.maxRangeDays`). */
  maxRangeDays: number;
  /** Now, for periods that have not ended yet. */
  now: Date;
}

/** The members of a saved segment as normalised ids, checked for use on events (the wiring provides it). */
export type SegmentCustomers = (name: string, actor: Actor) => Promise<readonly string[]>;

/** `customer_id` within the scope's customers; `TRUE` when unrestricted. */
export function scopeSql(q: QueryParams, scope: ModelScope, column = 'customer_id'): string {
  if (scope.customers === null) return 'TRUE';
  return `${column} IN (SELECT unnest(from_json(${q.add(JSON.stringify(scope.customers))}, '["VARCHAR"]')))`;
}
