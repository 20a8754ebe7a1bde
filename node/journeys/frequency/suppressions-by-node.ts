/**
 * The gate's suppressions of one journey per node, channel and reason: the campaign reports'
 * "suppressed by reason" (waits are not counted: a waiting message is still to be sent). Records
 * older than `journeys.frequency` keeps them are pruned, so old campaigns count fewer.
 */
import type { Db } from '../../store/db.js';
import type { SuppressionReason } from './gate.js';

export interface NodeSuppressions {
  node: string;
  channel: string;
  reason: SuppressionReason;
  count: number;
}

/** @example suppressionsByNode(db, 7) // [{ node: 'offer', channel: 'sms', reason: 'cap', count: 12 }] */
export function suppressionsByNode(db: Db, journeyId: number): NodeSuppressions[] {
  return db
    .prepare(
      `SELECT node_id AS node, channel, reason, count(*) AS count FROM frequency_suppressions
        WHERE journey_id = ? AND outcome = 'suppress' GROUP BY node_id, channel, reason ORDER BY node_id, channel, reason`,
    )
    .all(journeyId) as NodeSuppressions[];
}

/** Each suppression's entry and reason, for counting them per A/B group (the engine knows each entry's group). */
export function suppressionsByEntry(db: Db, journeyId: number): { entry: number; reason: SuppressionReason; count: number }[] {
  return db
    .prepare(
      "SELECT entry_id AS entry, reason, count(*) AS count FROM frequency_suppressions WHERE journey_id = ? AND outcome = 'suppress' GROUP BY entry_id, reason",
    )
    .all(journeyId) as { entry: number; reason: SuppressionReason; count: number }[];
}
