/**
 * Verifies the audit log from the database file alone (plus the head anchor and any checkpoints
 * held by peers). Relies on nothing the database enforces: a tamperer may have dropped the
 * append-only triggers and edited rows with raw SQL.
 *
 * Per entry, in seq order: seq has no gap, prev_hash is the previous entry's hash, the content
 * re-hashes to `hash`, the node signed `hash`, time does not run backwards. No row may sit
 * outside the chain (seq 0 or below, which the walk from seq 1 would never read). Then the tail:
 * the head anchor file and each checkpoint must name an entry that is still there, unchanged.
 * Last the table itself: every append-only trigger of the schema must be present — a dropped
 * trigger is a failure, not a note, since only someone bypassing the node can drop one.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { canonicalJson } from '../encoding/canonical-json.js';
import { fingerprintOf, signatureVerifier } from '../identity/identity.js';
import type { Db } from '../store/db.js';
import { entryHash, entrySignaturePayload, GENESIS_HASH, type AuditRow } from './chain.js';
import { checkpointContradiction, checkpointSignatureValid, ISO_INSTANT, parseCheckpoint, type AuditCheckpoint, type LogView } from './checkpoint.js';
import { headFileContradiction, readHeadFile } from './head-anchor.js';
import { AUDIT_SCHEMA_V1 } from './schema.js';

/** The append-only triggers the schema creates, read from it so the two cannot drift apart. */
const TRIGGERS = [...AUDIT_SCHEMA_V1.matchAll(/CREATE TRIGGER (\w+)/g)].map((m) => m[1]);

export interface VerifyOptions {
  /** The head anchor file the node writes (`<dataDir>/audit-head.json`). */
  headFile: string;
  /**
   * Checkpoints of THIS log that others hold (from peers' peer_checkpoints); each pins a prefix.
   * `source` (e.g. 'peer partner-b') labels it in the report.
   */
  checkpoints?: (AuditCheckpoint & { source?: string })[];
}

export interface VerifyReport {
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** The last entry in the database. */
  head?: { seq: number; hash: string };
  /**
   * The lowest seq shown to be changed, missing or out of place; for a cut tail, the first
   * missing seq. Seq 0 with a reason naming a trigger: the entries are sound but the table is not.
   */
  firstBad?: { seq: number; reason: string };
  /** What was checked, in words, for the compliance report. */
  checked: string[];
}

type Problem = { seq: number; reason: string };

const PAGE = 1000;

/**
 * A given checkpoint that is malformed, or not signed by this node, proves nothing about the log:
 * it is listed as ignored in `checked` (a peer cannot make verification fail by sending garbage).
 *
 * @example const report = await verifyAudit(db, identity.certPem, { headFile, checkpoints: fromPeers });
 */
export async function verifyAudit(db: Db, certPem: string, options: VerifyOptions): Promise<VerifyReport> {
  const verify = signatureVerifier(certPem);
  const nodeId = fingerprintOf(certPem);
  const checked: string[] = [];
  const problems: Problem[] = [];
  const checkpoints: { cp: AuditCheckpoint; source: string }[] = [];
  (options.checkpoints ?? []).forEach((value, i) => {
    const source = `checkpoint #${i}${typeof value?.source === 'string' ? ` from ${value.source}` : ''}`;
    try {
      const cp = parseCheckpoint(value, 'checkpoint', 'REQUEST_INVALID');
      if (cp.nodeId !== nodeId || !checkpointSignatureValid(verify, cp)) throw new Error(`not signed by ${nodeId}`);
      checkpoints.push({ cp, source: `${source} (signed ${cp.at})` });
    } catch (err) {
      checked.push(`${source}: IGNORED, not evidence (${(err as Error).message})`);
    }
  });
  // Anchor first, then the log: the anchor is written after commit, so the log can only be ahead.
  const headState = readHeadFile(options.headFile, nodeId, verify);
  const lastSeq = (db.prepare('SELECT MAX(seq) AS seq FROM audit_log').get() as { seq: number | null }).seq ?? 0;

  const walk = new ChainWalk((data, sig) => verify(data, sig));
  const page = db.prepare<[number, number, number], AuditRow>('SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
  for (let cursor = 0; ; ) {
    const rows = page.all(cursor, lastSeq, PAGE);
    for (const row of rows) walk.step(row);
    if (rows.length < PAGE) break;
    cursor = rows[rows.length - 1].seq;
    await yieldToEventLoop(); // keep the node responsive while a large log verifies
  }

  // The walk reads from seq 1 up: a row below it is outside the chain, inserted by hand.
  const stray = db.prepare<[], { seq: number }>('SELECT seq FROM audit_log WHERE seq < 1 ORDER BY seq LIMIT 1').get();
  if (stray) problems.push({ seq: stray.seq, reason: `unexpected row with seq ${stray.seq}: the log starts at seq 1 (inserted outside the node)` });

  const hashAt = db.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?');
  const log: LogView = { lastSeq: walk.head?.seq ?? 0, hashAt: (seq) => hashAt.get(seq)?.hash };
  if (walk.problem) problems.push(walk.problem);
  else checked.unshift(...walk.summary(nodeId));

  const headProblem = headFileContradiction(headState, log, options.headFile);
  if (headProblem) problems.push(headProblem);
  else if (headState.kind === 'valid') {
    const lag = log.lastSeq - headState.checkpoint.seq;
    checked.push(
      `head anchor ${options.headFile}: seq ${headState.checkpoint.seq} present and unchanged${lag > 0 ? ` (lags the log by ${lag}: appended inside a transaction, not yet flushed)` : ''}`,
    );
  } else checked.push(`head anchor ${options.headFile}: absent, log empty`);

  for (const { cp, source } of checkpoints) {
    const problem = checkpointContradiction(cp, log, source);
    if (problem) problems.push(problem);
    else checked.push(`${source}: seq ${cp.seq} present and unchanged`);
  }

  const present = new Set(db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all());
  const missing = TRIGGERS.filter((name) => !present.has(name));
  if (missing.length === 0) checked.push(`append-only triggers: present (${TRIGGERS.join(', ')})`);

  // Stable sort: at equal seq the chain's own finding (more specific) comes first. A missing
  // trigger is named only when the entries themselves are sound: a changed entry matters more.
  const firstBad =
    [...problems].sort((a, b) => a.seq - b.seq)[0] ??
    (missing.length > 0
      ? { seq: 0, reason: `append-only trigger${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing (dropped outside the node)` }
      : undefined);
  return { ok: !firstBad, entries: walk.count, ...(walk.head ? { head: walk.head } : {}), ...(firstBad ? { firstBad } : {}), checked };
}

/** Checks entries one by one in seq order; remembers the first problem. */
class ChainWalk {
  count = 0;
  head?: { seq: number; hash: string };
  problem?: Problem;
  private prevHash = GENESIS_HASH;
  private prevAt = '';

  constructor(private readonly verify: (data: Uint8Array, sig: Uint8Array) => boolean) {}

  step(row: AuditRow): void {
    this.count++;
    if (!this.problem) {
      const reason = this.check(row);
      if (reason) this.problem = { seq: row.seq, reason };
    }
    this.head = { seq: row.seq, hash: row.hash };
    this.prevHash = row.hash;
    this.prevAt = row.at;
  }

  summary(nodeId: string): string[] {
    if (this.count === 0) return ['chain: empty log'];
    return [
      `chain: ${this.count} entries, seq 1..${this.head!.seq} without gaps, each prev_hash links to the previous entry`,
      'hashes: every entry re-hashes to its stored hash',
      `signatures: every hash signed by ${nodeId}`,
      'timestamps: never decrease along the chain',
    ];
  }

  private check(row: AuditRow): string | null {
    const expected = (this.head?.seq ?? 0) + 1;
    if (row.seq !== expected) return `seq gap: expected ${expected} (entries deleted)`;
    // SQLite columns are dynamically typed: an edit can store a number or a blob in a TEXT column.
    const texts = [row.at, row.actor, row.action, row.details, row.prev_hash, row.hash, row.signature];
    if (texts.some((v) => typeof v !== 'string') || (row.subject !== null && typeof row.subject !== 'string')) {
      return 'a column holds a non-text value (entry edited)';
    }
    if (row.prev_hash !== this.prevHash) return `prev_hash does not link to entry ${expected - 1} (entries deleted, replaced or reordered)`;
    let details: Record<string, unknown>;
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
      if (canonicalJson(details) !== row.details) return 'details are not in canonical form (entry edited)';
    } catch {
      return 'details are not valid JSON (entry edited)';
    }
    const { seq, at, actor, action, subject } = row;
    if (entryHash(row.prev_hash, { seq, at, actor, action, subject, details }) !== row.hash) {
      return 'content does not match its hash (entry edited)';
    }
    const signature = Buffer.from(row.signature, 'base64');
    if (signature.toString('base64') !== row.signature || !this.verify(entrySignaturePayload(row.hash), signature)) {
      return 'signature does not verify (hash recomputed without the node key)';
    }
    if (!ISO_INSTANT.test(at)) return 'timestamp is malformed (entry edited)';
    if (at < this.prevAt) return 'timestamp is earlier than the previous entry (entries reordered)';
    return null;
  }
}
