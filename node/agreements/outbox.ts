/**
 * The agreement delivery outbox: which acceptances and revocations the peer has not yet
 * acknowledged, how often we tried, and when to try next. Rows are written by store.ts inside the
 * transaction of the state change they announce (`enqueueDelivery`); the deliverer
 * (deliverer.ts) reads due rows and records each outcome here, with its audit entry, in one
 * transaction.
 */
import type { Db } from '../store/db.js';
import { untrustedText } from '../text/untrusted.js';
import type { AuditSink } from './store.js';

export type DeliveryAction = 'accept' | 'revoke';
type DeliveryState = 'pending' | 'delivered' | 'refused';

/** What `agreements show`, list and the HTTP API report about telling the peer. */
export interface DeliveryView {
  action: DeliveryAction;
  state: DeliveryState;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  lastErrorCode: string | null;
  deliveredAt: string | null;
}

export interface OutboxRow {
  agreementId: string;
  action: DeliveryAction;
  peerNodeId: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string | null;
}

/** Exponential backoff: the first retry after `baseMs`, doubling, never beyond `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 2_000, maxMs: 5 * 60_000 });

/**
 * The delay before the next attempt after `attempts` failed ones, with "equal jitter" (half fixed,
 * half random) so that nodes which lost a partner at the same moment do not all retry in step.
 *
 * @example retryDelayMs(3, DEFAULT_BACKOFF, Math.random) // between 4 s and 8 s
 */
export function retryDelayMs(attempts: number, backoff: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Queues the announcement of a local transition; call inside that transition's transaction. */
export function enqueueDelivery(db: Db, agreementId: string, peerNodeId: string, action: DeliveryAction, now: Date): void {
  const at = now.toISOString();
  db.prepare(
    `INSERT INTO agreement_outbox (agreement_id, action, peer_node_id, state, attempts, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)
     ON CONFLICT (agreement_id, action) DO UPDATE SET state = 'pending', next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`,
  ).run(agreementId, action, peerNodeId, at, at, at);
}

/**
 * Once the agreement is revoked (by either side), an undelivered acceptance has nothing left to
 * say: the peer only needs to hear the end, and would refuse the acceptance of a revoked agreement.
 */
export function dropPendingAcceptance(db: Db, agreementId: string): void {
  db.prepare(`DELETE FROM agreement_outbox WHERE agreement_id = ? AND action = 'accept' AND state = 'pending'`).run(agreementId);
}

/** Pending rows whose next attempt is due, oldest first. */
export function dueDeliveries(db: Db, now: Date, limit = 50): OutboxRow[] {
  const rows = db
    .prepare(`SELECT * FROM agreement_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, agreement_id LIMIT ?`)
    .all(now.toISOString(), limit) as Row[];
  return rows.map(fromRow);
}

/** The peers something is still waiting for, and the earliest due time overall (for the timer). */
export function pendingSummary(db: Db): { peers: string[]; earliest: string | null } {
  const peers = (db.prepare(`SELECT DISTINCT peer_node_id AS p FROM agreement_outbox WHERE state = 'pending'`).all() as { p: string }[]).map((r) => r.p);
  const { e } = db.prepare(`SELECT MIN(next_attempt_at) AS e FROM agreement_outbox WHERE state = 'pending'`).get() as { e: string | null };
  return { peers, earliest: e };
}

/** The peer is reachable again: everything waiting for it is due now. */
export function hastenDeliveries(db: Db, peerNodeId: string, now: Date): number {
  return db
    .prepare(`UPDATE agreement_outbox SET next_attempt_at = ? WHERE state = 'pending' AND peer_node_id = ? AND next_attempt_at > ?`)
    .run(now.toISOString(), peerNodeId, now.toISOString()).changes;
}

export function getDelivery(db: Db, agreementId: string, action: DeliveryAction): OutboxRow | undefined {
  const row = db.prepare('SELECT * FROM agreement_outbox WHERE agreement_id = ? AND action = ?').get(agreementId, action) as Row | undefined;
  return row && fromRow(row);
}

/** The delivery to show for an agreement: its revocation if one was sent, else its acceptance. */
export function deliveryView(db: Db, agreementId: string): DeliveryView | undefined {
  const row = db
    .prepare(`SELECT * FROM agreement_outbox WHERE agreement_id = ? ORDER BY CASE action WHEN 'revoke' THEN 0 ELSE 1 END LIMIT 1`)
    .get(agreementId) as Row | undefined;
  if (!row) return undefined;
  return {
    action: row.action,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    lastErrorCode: row.last_error_code,
    deliveredAt: row.delivered_at,
  };
}

/** The peer acknowledged: one transaction for the row and its audit entry. Repeats are no-ops. */
export function recordDelivered(db: Db, audit: AuditSink, row: OutboxRow, peerStatus: string, now: Date): void {
  db.transaction(() => {
    const at = now.toISOString();
    const changed = db
      .prepare(
        `UPDATE agreement_outbox SET state = 'delivered', attempts = attempts + 1, next_attempt_at = NULL, delivered_at = ?, updated_at = ?
         WHERE agreement_id = ? AND action = ? AND state = 'pending'`,
      )
      .run(at, at, row.agreementId, row.action).changes;
    if (changed === 0) return; // another process delivered it first, or a revocation superseded it
    audit.append({
      actor: 'system:delivery',
      action: 'agreement.delivered',
      subject: row.agreementId,
      details: { delivery: row.action, peerNodeId: row.peerNodeId, attempts: row.attempts + 1, peerStatus: untrustedText(peerStatus, 32) },
    });
  }).immediate();
}

/**
 * A failed attempt. `nextAttemptAt` null means the peer refused for good (the row becomes
 * `refused`); otherwise it stays pending until then. The peer's message is outsider text.
 */
export function recordFailure(db: Db, audit: AuditSink, row: OutboxRow, error: { code: string; message: string }, nextAttemptAt: Date | null, now: Date): void {
  db.transaction(() => {
    const at = now.toISOString();
    const reason = untrustedText(error.message);
    const changed = db
      .prepare(
        `UPDATE agreement_outbox SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_error_code = ?, last_error = ?, updated_at = ?
         WHERE agreement_id = ? AND action = ? AND state = 'pending'`,
      )
      .run(
        nextAttemptAt ? 'pending' : 'refused',
        nextAttemptAt?.toISOString() ?? null,
        untrustedText(error.code, 64),
        reason,
        at,
        row.agreementId,
        row.action,
      ).changes;
    if (changed === 0) return;
    audit.append({
      actor: 'system:delivery',
      action: nextAttemptAt ? 'agreement.delivery_failed' : 'agreement.delivery_refused',
      subject: row.agreementId,
      details: {
        delivery: row.action,
        peerNodeId: row.peerNodeId,
        attempts: row.attempts + 1,
        code: untrustedText(error.code, 64),
        reason,
        nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
      },
    });
  }).immediate();
}

// ---------------------------------------------------------------------------------------------

interface Row {
  agreement_id: string;
  action: DeliveryAction;
  peer_node_id: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: string | null;
  last_error_code: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

function fromRow(r: Row): OutboxRow {
  return { agreementId: r.agreement_id, action: r.action, peerNodeId: r.peer_node_id, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at };
}
