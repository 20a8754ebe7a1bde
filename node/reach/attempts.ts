/**
 * How often each message was handed to its provider (`reach_attempts`), and the outcomes waiting
 * for the feedback port (`reach_feedback_queue`). An attempt is counted before the send, in its
 * own committed transaction, so a node that crashes while sending still counts it: a message that
 * brings the node down every time ends dead instead of being sent for ever.
 */
import type { Db } from '../store/db.js';
import type { ReachOutcome } from './feedback.js';

export type FailureClass = 'transient' | 'permanent' | 'timeout' | 'variable_missing' | 'template_invalid';

/** @example const attempts = attemptStore(db); const counts = attempts.handOver([{ key, channel: 'sms' }], new Date()); */
export function attemptStore(db: Db) {
  const upsert = db.prepare(
    `INSERT INTO reach_attempts (idempotency_key, channel, attempts, first_at, last_at) VALUES (?, ?, 1, ?, ?)
     ON CONFLICT DO UPDATE SET attempts = attempts + 1, last_at = excluded.last_at RETURNING attempts`,
  );
  const undo = db.prepare('UPDATE reach_attempts SET attempts = attempts - 1 WHERE idempotency_key = ? AND attempts > 0');
  const failed = db.prepare('UPDATE reach_attempts SET last_error = ? WHERE idempotency_key = ?');
  const reset = db.prepare('DELETE FROM reach_attempts WHERE idempotency_key = ?');
  const enqueue = db.prepare('INSERT INTO reach_feedback_queue (idempotency_key, outcome, detail, at) VALUES (?, ?, ?, ?)');
  const queued = db.prepare('SELECT id, idempotency_key, outcome, detail, at FROM reach_feedback_queue ORDER BY id LIMIT ?');
  const dequeue = db.prepare('DELETE FROM reach_feedback_queue WHERE id <= ?');
  return {
    /** Counts one more attempt of each message (in the caller's transaction); the counts after it, by key. */
    handOver(messages: readonly { key: string; channel: string }[], at: Date): Map<string, number> {
      const when = at.toISOString();
      return new Map(messages.map((m) => [m.key, (upsert.get(m.key, m.channel, when, when) as { attempts: number }).attempts]));
    },
    /** Takes back attempts of messages that were never sent (released at stop). */
    takeBack(keys: readonly string[]): void {
      for (const key of keys) undo.run(key);
    },
    failed(key: string, why: FailureClass): void {
      failed.run(why, key);
    },
    /** A re-driven message starts counting again. */
    reset(keys: readonly string[]): void {
      for (const key of keys) reset.run(key);
    },
    enqueue(outcomes: readonly ReachOutcome[]): void {
      for (const o of outcomes) enqueue.run(o.key, o.outcome, o.detail ?? null, o.at.toISOString());
    },
    /** The oldest queued outcomes, and the id up to which they reach. */
    queued(limit: number): { upTo: number; outcomes: ReachOutcome[] } {
      const rows = queued.all(limit) as { id: number; idempotency_key: string; outcome: ReachOutcome['outcome']; detail: string | null; at: string }[];
      return {
        upTo: rows.at(-1)?.id ?? 0,
        outcomes: rows.map((r) => ({ key: r.idempotency_key, outcome: r.outcome, at: new Date(r.at), ...(r.detail ? { detail: r.detail } : {}) })),
      };
    },
    dequeue(upTo: number): void {
      dequeue.run(upTo);
    },
  };
}
