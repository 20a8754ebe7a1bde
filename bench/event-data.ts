/**
 * Synthetic customer events for the analytics benchmark, generated inside DuckDB with SQL (range()
 * and hash-based pseudo-random draws, so the same options always give the same rows) and written
 * through the node's own event store and schema.
 *
 * Shape, chosen to look like an app's event stream rather than uniform noise:
 * - names: a Zipf-like skew (name k is drawn as ⌊names · u³⌋): the first names take most of the
 *   traffic, most names are rare. The frequent names are the ones a bank's app emits (page views,
 *   app opens, searches); the funnel, retention, path and attribution rows use named ones;
 * - customers: ⌊customers · u^1.5⌋, so some customers are far more active than others and the
 *   number of distinct customers stays ≤ `customers`;
 * - time: the row number spread over the period with a jitter, so rows arrive roughly in time
 *   order, as they do from ingestion; `received_at` a few seconds later;
 * - properties: `channel` (skewed over five), `product_id` (skewed over 1,000) on every event,
 *   `amount` on the events that carry a value (purchase, transfer, loan_apply, deposit).
 */
import { EVENTS_TABLE } from '../node/events/schema.js';
import type { EventStore } from '../node/events/store.js';

export interface EventDataOptions {
  events: number;
  customers: number;
  days: number;
  names: number;
  /** The end of the period (exclusive), UTC. */
  end: string;
}

export const DEFAULT_END = '2026-04-01T00:00:00Z';

/** The named events, most frequent first; beyond them the names are `event_<k>`. */
const NAMED = [
  'page_view',
  'app_open',
  'search',
  'product_view',
  'login',
  'add_to_cart',
  'banner_click',
  'push_open',
  'checkout',
  'purchase',
  'sms_click',
  'email_open',
  'transfer',
  'deposit',
  'loan_apply',
] as const;
/** Events with a monetary `amount` property. */
export const VALUED = ['purchase', 'transfer', 'loan_apply', 'deposit'];
/** Values of the `channel` property, most frequent first. */
export const CHANNELS = ['app', 'web', 'wechat', 'branch', 'phone'];

/** The `names` event names the generator uses, in order of decreasing frequency. */
export function eventNames(names: number): string[] {
  return Array.from({ length: names }, (_, k) => NAMED[k] ?? `event_${String(k).padStart(2, '0')}`);
}

/** The period's first instant (inclusive) and end (exclusive), ISO. */
export function period(o: Pick<EventDataOptions, 'days' | 'end'>): { from: string; to: string } {
  const to = Date.parse(o.end);
  return { from: new Date(to - o.days * 86_400_000).toISOString(), to: new Date(to).toISOString() };
}

/** A SQL list literal of strings this module made (never user text). */
const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/**
 * Appends rows [from, to) of the data set to the store's event table. Draws are keyed by the row
 * number, so chunks written separately equal one big insert.
 */
export async function insertEvents(store: EventStore, o: EventDataOptions, from: number, to: number): Promise<void> {
  if (!(o.names >= 1 && o.customers >= 1 && o.days > 0 && to >= from)) throw new Error('event data: names, customers and days must be positive');
  const startUs = Date.parse(period(o).from) * 1000;
  const spanUs = o.days * 86_400_000_000;
  // h(k): 64 pseudo-random bits for this row and purpose k; u(k): a uniform draw in [0, 1). One
  // integer per draw (hash(i, k) would combine two hashes, correlating the draws of one row), and
  // DOUBLE arithmetic throughout (a literal like 1.0 is a DECIMAL, ~50× slower here).
  const h = (k: number) => `hash(i * 8 + ${k})`;
  const u = (k: number) => `(${h(k)} * 5.421010862427522e-20)`;
  await store.connection.run(
    `INSERT INTO ${EVENTS_TABLE}
     SELECT event_id, customer_id, name, make_timestamp(time_us), make_timestamp(time_us + 50000 + floor(${u(6)} * 5e6)::BIGINT),
            (CASE WHEN list_contains(${list(VALUED)}, name)
              THEN '{"channel":"' || channel || '","product_id":"' || product_id || '","amount":' || amount || '}'
              ELSE '{"channel":"' || channel || '","product_id":"' || product_id || '"}' END)::JSON
     FROM (
       SELECT i,
              'e' || ${h(0)} || '-' || i AS event_id,
              'c' || floor($2::DOUBLE * pow(${u(1)}, 1.5))::BIGINT AS customer_id,
              ${list(eventNames(o.names))}[1 + floor($3::DOUBLE * pow(${u(2)}, 3))::INTEGER] AS name,
              $4::BIGINT + floor((i + ${u(3)}) * ($5::DOUBLE / $1::DOUBLE))::BIGINT AS time_us,
              ${list(CHANNELS)}[1 + floor(5 * pow(${u(4)}, 2))::INTEGER] AS channel,
              'p' || floor(1000 * pow(${u(5)}, 2))::INTEGER AS product_id,
              round(1 + 999 * pow(${u(7)}, 3), 2)::DECIMAL(10, 2) AS amount
       FROM range($6::BIGINT, $7::BIGINT) AS r(i)
     )`,
    [o.events, o.customers, o.names, startUs, spanUs, from, to],
  );
}

/**
 * Generates the whole data set in chunks (progress after each), then checkpoints so the file's
 * size on disk is final.
 */
export async function generateEvents(store: EventStore, o: EventDataOptions, progress: (done: number) => void = () => {}): Promise<void> {
  const chunk = 10_000_000;
  for (let from = 0; from < o.events; from += chunk) {
    const to = Math.min(o.events, from + chunk);
    await insertEvents(store, o, from, to);
    progress(to);
  }
  await store.connection.run('CHECKPOINT');
}
