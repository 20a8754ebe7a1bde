/**
 * Where an outbox message came from and whom it is for, looked up by its key: what reach feedback
 * copies into its ledger (journey, version, node, entry, channel) and the customer its events are
 * written for. The customer stays on the node (it never enters the ledger, a log or the audit).
 */
import type { Db } from '../../store/db.js';
import type { Channel } from '../channels.js';

export interface OutboxOrigin {
  journey: number;
  version: number;
  node: string;
  entry: number;
  channel: Channel;
  customer: { dataset: string; customerId: string };
}

/** @example const origin = outboxOrigin(db)('j7.v2.noffer.e4711'); // null for a key the engine never wrote */
export function outboxOrigin(db: Db): (key: string) => OutboxOrigin | null {
  const select = db.prepare('SELECT journey, version, node, entry, channel, dataset, customer_id FROM journey_outbox WHERE idempotency_key = ?');
  return (key) => {
    const r = select.get(key) as
      | { journey: number; version: number; node: string; entry: number; channel: Channel; dataset: string; customer_id: string }
      | undefined;
    return r
      ? {
          journey: r.journey,
          version: r.version,
          node: r.node,
          entry: r.entry,
          channel: r.channel,
          customer: { dataset: r.dataset, customerId: r.customer_id },
        }
      : null;
  };
}
