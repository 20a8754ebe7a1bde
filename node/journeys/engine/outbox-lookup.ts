/**
 * Reading the outbox from what comes back after a send: an unsubscribe link, an open pixel or a
 * click holds the outbox key; a provider's status callback holds the key or the provider's own
 * message id (kept in the row's last outcome, `{ status: 'sent', providerId }`). Migration 22 indexes
 * that id per channel, so a callback finds its row without scanning the outbox.
 */
import type { Db, Migration } from '../../store/db.js';
import type { Channel } from '../components.js';

export const OUTBOX_LOOKUP_MIGRATIONS: readonly Migration[] = [
  {
    version: 22,
    sql: `CREATE INDEX journey_outbox_provider ON journey_outbox (channel, json_extract(outcome, '$.providerId'));`,
  },
];

/** The row a message key names: whom it went to and on which channel. Stays on the node; never logged or audited. */
export interface OutboxTarget {
  key: string;
  dataset: string;
  customerId: string;
  channel: Channel;
}

export interface OutboxLookup {
  byKey(key: string): OutboxTarget | null;
  /** The message the provider knows by `providerId` on `channel`, or null. */
  byProviderId(channel: Channel, providerId: string): OutboxTarget | null;
}

/** @example outboxLookup(db).byKey('j7.v2.noffer.e4711')?.customerId */
export function outboxLookup(db: Db): OutboxLookup {
  const columns = 'idempotency_key AS key, dataset, customer_id AS customerId, channel';
  const byKey = db.prepare(`SELECT ${columns} FROM journey_outbox WHERE idempotency_key = ?`);
  // The expression is the index's, word for word, or SQLite would not use it.
  const byProvider = db.prepare(`SELECT ${columns} FROM journey_outbox WHERE channel = ? AND json_extract(outcome, '$.providerId') = ? LIMIT 1`);
  return {
    byKey: (key) => (byKey.get(key) as OutboxTarget | undefined) ?? null,
    byProviderId: (channel, providerId) => (byProvider.get(channel, providerId) as OutboxTarget | undefined) ?? null,
  };
}
