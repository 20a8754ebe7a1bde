/**
 * The hash chain. Entry n commits to entry n-1 through `prev_hash`, so changing, removing or
 * reordering any entry breaks every link after it; the node's signature over each hash means the
 * chain cannot be recomputed without the node key.
 *
 *   hash(n) = sha256hex(prev_hash + '\n' + canonicalJson({ seq, at, actor, action, subject, details }))
 *   prev_hash(1) = 64 zeros
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../encoding/canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

/** One audit_log row exactly as stored (details is canonical JSON text). */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: string;
  prev_hash: string;
  hash: string;
  /** Base64 of the 64-byte P1363 signature over `entrySignaturePayload(hash)`. */
  signature: string;
}

/** An audit entry as the API returns it. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  signature: string;
}

export interface EntryContent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

export function entryHash(prevHash: string, content: EntryContent): string {
  const { seq, at, actor, action, subject, details } = content;
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ seq, at, actor, action, subject, details })}`, 'utf8')
    .digest('hex');
}

// Domain separation: the node key also signs agreements, receipts and checkpoints; a signature
// made for an audit entry must never verify as one of those.
const ENTRY_CONTEXT = 'mofang/audit-entry/v1';

/** The exact bytes the node signs for an entry. */
export function entrySignaturePayload(hash: string): Buffer {
  return Buffer.from(canonicalJson({ context: ENTRY_CONTEXT, hash }), 'utf8');
}

export function rowToEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
    signature: row.signature,
  };
}

export const AUDIT_COLUMNS = ['seq', 'at', 'actor', 'action', 'subject', 'details', 'prev_hash', 'hash', 'signature'] as const;
