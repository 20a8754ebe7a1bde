/**
 * What the tracker tells the host app when it drops events. Every drop is reported once through
 * `onError` and counted in `stats().dropped`; customer ids are never part of a report, so a host
 * that logs them logs no identifier.
 */

/** Why events were dropped. */
export type DropReason =
  /** The queue was full: the oldest queued event made room for a new one. */
  | 'queue-full'
  /** `track` got an event that cannot be sent (no name, a bad time, properties that are not JSON). */
  | 'invalid'
  /** The node refused this one event (unknown name, wrong property type…): resending cannot help. */
  | 'rejected'
  /** The node refused the whole request (401/403 token, 4xx): resending cannot help. */
  | 'refused'
  /** Transient failures went on past `maxRetries`. */
  | 'gave-up'
  /** `track` after `close()`, or events still waiting for `identify` when the tracker closed. */
  | 'closed';

export interface DeliveryError {
  reason: DropReason;
  /** For people: what happened, with the node's own reason where it gave one. */
  message: string;
  /** The dropped events, by event id. */
  eventIds: string[];
  /** The HTTP status of the refusing or last failed response, if there was one. */
  status?: number;
  /** The node's error code (docs/errors.md) for a refused request. */
  code?: string;
  /** For a rejected event: the field the node named (`name`, `time`, `properties.amount`…). */
  field?: string;
}

/** Counters since the tracker was created. */
export interface TrackerStats {
  /** Events held in memory, waiting for a batch (including those waiting for `identify`). */
  queued: number;
  /** Events in requests that have not been answered or given up yet (retries included). */
  inFlight: number;
  /** Events the node acknowledged as durable: accepted + duplicates + quarantined + paused. */
  delivered: number;
  /** The node's counts, summed over its responses. */
  accepted: number;
  duplicates: number;
  quarantined: number;
  paused: number;
  /** Requests sent again after a transient failure. */
  retries: number;
  dropped: Record<DropReason, number>;
}
