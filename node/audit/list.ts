/** Reads entries for the API, oldest first, paged by seq (stable while the log grows). */
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { rowToEntry, type AuditEntry, type AuditRow } from './chain.js';
import type { AuditCheckpoint } from './checkpoint.js';
import { AUDIT_FILTER_SQL, normaliseFilter, type AuditFilter } from './export.js';

/** Paging, and the export's filter (time, action, actor, agreement). */
export interface ListAuditOptions extends AuditFilter {
  /** At most this many entries (1–1000, default 100). */
  limit?: number;
  /** Only entries after this seq (default 0: from the start). Pass the last seq seen for the next page. */
  afterSeq?: number;
}

const LIST_LIMIT_MAX = 1000;

/** @example listAudit(db, { afterSeq: 200, limit: 50, action: 'run.completed', actor: 'token:ops-1' }) */
export function listAudit(db: Db, options: ListAuditOptions = {}): AuditEntry[] {
  const { limit = 100, afterSeq = 0, ...filter } = options;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
    throw new MofangError('REQUEST_INVALID', `limit: must be an integer from 1 to ${LIST_LIMIT_MAX}`, { field: 'limit', limit: LIST_LIMIT_MAX });
  }
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new MofangError('REQUEST_INVALID', 'afterSeq: must be a non-negative integer', { field: 'afterSeq' });
  }
  const rows = db
    .prepare<unknown[], AuditRow>(`SELECT * FROM audit_log WHERE seq > @afterSeq AND ${AUDIT_FILTER_SQL} ORDER BY seq LIMIT @limit`)
    .all({ afterSeq, limit, ...normaliseFilter(filter) });
  return rows.map(rowToEntry);
}

/**
 * The newest entries about one subject with one of `actions`, newest first: the history of one
 * thing (a dataset's imports). The (action, seq) index keeps it to those actions' entries.
 *
 * @example latestAuditAbout(db, 'customers', ['dataset.imported', 'dataset.import_failed'], 20)
 */
export function latestAuditAbout(db: Db, subject: string, actions: readonly string[], limit: number): AuditEntry[] {
  return db
    .prepare<[string, string, number], AuditRow>(
      'SELECT * FROM audit_log WHERE action IN (SELECT value FROM json_each(?)) AND subject = ? ORDER BY seq DESC LIMIT ?',
    )
    .all(JSON.stringify(actions), subject, limit)
    .map(rowToEntry);
}

/** The checkpoints we hold of `peerNodeId`'s log, newest first: what that peer (or its auditor) asks us for. */
export function peerCheckpointsOf(db: Db, peerNodeId: string, limit = -1): AuditCheckpoint[] {
  return db
    .prepare<[string, number], { seq: number; hash: string; at: string; signature: string }>(
      'SELECT seq, hash, at, signature FROM peer_checkpoints WHERE peer_node_id = ? ORDER BY seq DESC LIMIT ?',
    )
    .all(peerNodeId, limit)
    .map((row) => ({ nodeId: peerNodeId, ...row }));
}

/** How many entries of each action the log holds, for summaries (demo, health views). */
export function countAuditByAction(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT action, count(*) AS n FROM audit_log GROUP BY action ORDER BY min(seq)').all() as { action: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.action, r.n]));
}

/** Every action the log holds an entry of, sorted. */
export function auditActions(db: Db): string[] {
  return db.prepare('SELECT DISTINCT action FROM audit_log ORDER BY action').pluck().all() as string[];
}
