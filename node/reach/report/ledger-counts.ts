/**
 * The feedback ledger counted for a campaign report: per node, channel and outcome (with the
 * suppression reason, failure class or task outcome in `detail`), and per entry when outcomes are
 * split by A/B group. Reads `reach_outcomes` only: no customer identifier is involved.
 */
import type { Db } from '../../store/db.js';
import type { ReachOutcomeName } from '../feedback.js';

export interface OutcomeCount {
  node: string;
  channel: string;
  outcome: ReachOutcomeName;
  detail: string | null;
  count: number;
  /** Sum of the outcomes' values (task outcomes' deals). */
  value: number;
}

export interface EntryOutcome extends OutcomeCount {
  entry: number;
}

/** @example outcomeCounts(db, 7) // [{ node: 'offer', channel: 'sms', outcome: 'sent', detail: null, count: 120, value: 0 }, …] */
export function outcomeCounts(db: Db, journey: number): OutcomeCount[] {
  return db
    .prepare(
      `SELECT node, channel, outcome, detail, count(*) AS count, coalesce(sum(value), 0) AS value FROM reach_outcomes
        WHERE journey = ? GROUP BY node, channel, outcome, detail ORDER BY node, channel, outcome, detail`,
    )
    .all(journey) as OutcomeCount[];
}

/** Per entry, for a journey with A/B groups (the engine knows each entry's group). */
export function entryOutcomes(db: Db, journey: number): EntryOutcome[] {
  return db
    .prepare(
      `SELECT entry, node, channel, outcome, detail, count(*) AS count, coalesce(sum(value), 0) AS value FROM reach_outcomes
        WHERE journey = ? GROUP BY entry, node, channel, outcome, detail`,
    )
    .all(journey) as EntryOutcome[];
}

/** The sent messages of a journey by key: where attribution's credits (keyed by message) belong. */
export function sentMessages(db: Db, journey: number): Map<string, { node: string; channel: string; entry: number }> {
  const rows = db.prepare("SELECT key, node, channel, entry FROM reach_outcomes WHERE journey = ? AND outcome = 'sent'").all(journey) as {
    key: string;
    node: string;
    channel: string;
    entry: number;
  }[];
  return new Map(rows.map((r) => [r.key, { node: r.node, channel: r.channel, entry: r.entry }]));
}
