/**
 * Channel consent per customer (table `customer_consent`): the latest opt-in or opt-out with where
 * it came from and when. The gate reads one row per attempt; the consent service writes batches.
 */
import type { Db } from '../../store/db.js';
import type { Channel } from '../components.js';
import { IN_LIST, selectIn } from './select-in.js';

export const CONSENT_STATUSES = ['opted_in', 'opted_out'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export interface ConsentRow {
  channel: Channel;
  status: ConsentStatus;
  source: string;
  updatedAt: string;
  updatedBy: string;
}

/** The customers' recorded statuses, keyed `customerId + '\u0000' + channel` — the gate reads a batch's at once. */
export function consentBatchReader(db: Db): (dataset: string, customerIds: readonly string[]) => Map<string, ConsentStatus> {
  const select = selectIn(db, `SELECT customer_id, channel, status FROM customer_consent WHERE dataset = ? AND customer_id IN ${IN_LIST}`);
  return (dataset, customerIds) => new Map((select([dataset], customerIds) as [string, string, ConsentStatus][]).map(([id, c, s]) => [`${id}\u0000${c}`, s]));
}

/** A prepared point read: the customer's status on the channel, or undefined when none is recorded. */
function consentReader(db: Db): (dataset: string, customerId: string, channel: string) => ConsentStatus | undefined {
  const select = db.prepare('SELECT status FROM customer_consent WHERE dataset = ? AND customer_id = ? AND channel = ?').pluck();
  return (dataset, customerId, channel) => select.get(dataset, customerId, channel) as ConsentStatus | undefined;
}

export interface ConsentWrite {
  customerId: string;
  channel: Channel;
  status: ConsentStatus;
  source: string;
}

/** Writes the batch (a later entry for the same customer and channel wins); returns how many rows changed status. */
export function writeConsent(db: Db, dataset: string, entries: readonly ConsentWrite[], by: string, at: string): number {
  const current = consentReader(db);
  const upsert = db.prepare(
    `INSERT INTO customer_consent (dataset, customer_id, channel, status, source, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET status = excluded.status, source = excluded.source, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  let changed = 0;
  for (const e of entries) {
    if (current(dataset, e.customerId, e.channel) !== e.status) changed++;
    upsert.run(dataset, e.customerId, e.channel, e.status, e.source, at, by);
  }
  return changed;
}

/** Every channel the customer has a recorded status on. */
export function consentOf(db: Db, dataset: string, customerId: string): ConsentRow[] {
  return db
    .prepare(
      'SELECT channel, status, source, updated_at AS updatedAt, updated_by AS updatedBy FROM customer_consent WHERE dataset = ? AND customer_id = ? ORDER BY channel',
    )
    .all(dataset, customerId) as ConsentRow[];
}
