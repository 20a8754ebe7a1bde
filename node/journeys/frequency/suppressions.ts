/**
 * Every suppression and wait the gate decides, with its reason and the rule that applied — the
 * rows the reach reports count ("suppressed by reason"). A row names the journey, version, node,
 * entry and channel, never the customer: `detail` quotes the rule (a cap, the quiet hours, a
 * holiday date, the channel's consent model), not the person.
 */
import type { Db } from '../../store/db.js';
import type { SuppressionReason } from './gate.js';

export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['cap', 'quiet_hours', 'holiday', 'no_consent', 'opted_out'];

export interface SuppressionRecord {
  journeyId: number;
  journeyVersion: number;
  nodeId: string;
  entryId: number;
  channel: string;
  outcome: 'suppress' | 'wait';
  reason: SuppressionReason;
  detail: string;
  at: Date;
  until: Date | null;
}

/** Records one suppression or wait; a prepared statement for the gate's hot path. */
export function suppressionWriter(db: Db): (r: SuppressionRecord) => void {
  const insert = db.prepare(
    `INSERT INTO frequency_suppressions (journey_id, journey_version, node_id, entry_id, channel, outcome, reason, detail, at, until)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (r) =>
    insert.run(
      r.journeyId,
      r.journeyVersion,
      r.nodeId,
      r.entryId,
      r.channel,
      r.outcome,
      r.reason,
      r.detail,
      r.at.toISOString(),
      r.until?.toISOString() ?? null,
    );
}

export interface SuppressionFilter {
  journeyId?: number;
  /** Inclusive, by the time the engine wanted to send. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** Per reason: attempts suppressed (the customer moved on) and waits (asked again later; one attempt may wait several times). */
export type SuppressionCounts = Record<SuppressionReason, { suppressed: number; waited: number }>;

/**
 * @example suppressionCounts(db, { journeyId: 7, from: new Date('2026-12-01') }).cap.suppressed
 */
export function suppressionCounts(db: Db, filter: SuppressionFilter = {}): SuppressionCounts {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    where.push(condition);
    params.push(value);
  };
  if (filter.journeyId !== undefined) add('journey_id = ?', filter.journeyId);
  if (filter.from) add('at >= ?', filter.from.toISOString());
  if (filter.to) add('at < ?', filter.to.toISOString());
  const rows = db
    .prepare(`SELECT reason, outcome, count(*) FROM frequency_suppressions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY reason, outcome`)
    .raw()
    .all(...params) as [SuppressionReason, 'suppress' | 'wait', number][];
  const counts = Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, { suppressed: 0, waited: 0 }])) as SuppressionCounts;
  for (const [reason, outcome, n] of rows) counts[reason][outcome === 'suppress' ? 'suppressed' : 'waited'] = n;
  return counts;
}

/** Deletes records older than `keepDays`; returns how many. */
export function pruneSuppressions(db: Db, now: Date, keepDays: number): number {
  return db.prepare('DELETE FROM frequency_suppressions WHERE at < ?').run(new Date(now.getTime() - keepDays * 86_400_000).toISOString()).changes;
}
