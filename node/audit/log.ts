/**
 * The node's audit log: append-only, hash-chained, each entry signed by the node key.
 *
 * Transactions: `append` runs in an IMMEDIATE transaction, or in a savepoint when the caller is
 * already inside one, so an audited action and its entry commit or roll back together. The head
 * anchor file is only written from committed state: after `append` when it committed on its own,
 * otherwise by the next `flushHead()` / `signedCheckpoint()` / top-level `append` (a lagging
 * anchor is safe; one naming an entry that rolled back would be a false alarm). See docs/audit.md.
 */
import type { Statement, Transaction } from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import { fingerprintOf, signatureVerifier, type Identity } from '../identity/identity.js';
import type { Db } from '../store/db.js';
import { entryHash, entrySignaturePayload, GENESIS_HASH, rowToEntry, type AuditEntry, type AuditRow } from './chain.js';
import { checkpointSignatureValid, parseCheckpoint, signCheckpoint, type AuditCheckpoint, type LogView } from './checkpoint.js';
import { headFileContradiction, readHeadFile, writeHeadFile } from './head-anchor.js';
import { peerCheckpointsOf } from './list.js';
import { sanitizeOutsiderFields } from './outsider-fields.js';
import { assertNoRawIdentifiers } from './privacy-guard.js';

export interface AuditLogOptions {
  /** The signed head anchor, outside SQLite: `<dataDir>/audit-head.json`. */
  headFile: string;
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** Told the action of each appended entry (metrics); must not throw. */
  onAppend?: (action: string) => void;
}

export interface AppendInput {
  /** Who acted: an API token's name, 'cli', or 'system' for the node itself. */
  actor: string;
  /** What happened, dotted lower case: 'dataset.imported', 'run.started'. */
  action: string;
  /** The id of what it happened to (dataset, agreement, run, peer node id). Never personal data. */
  subject?: string | null;
  /** Non-sensitive facts (counts, ids, codes, hashes) as a JSON object. Never personal data. */
  details?: Record<string, unknown>;
  /**
   * Which fields hold text from outside the node ('subject' or top-level keys of `details`): a
   * peer's message, an id it sent, an error message quoting it. They are capped, stripped and
   * redacted instead of refused (outsider-fields.ts); every other field that looks like a
   * personal identifier still makes the append throw AUDIT_RAW_IDENTIFIER.
   */
  outsider?: readonly string[];
}

const LIMITS = { actor: 200, action: 100, subject: 200, detailsBytes: 16 * 1024 } as const;
const ACTION = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*$/;

export class AuditLog {
  readonly headFile: string;
  private readonly now: () => Date;
  private readonly onAppend: (action: string) => void;
  private readonly verify: (data: Uint8Array, sig: Uint8Array) => boolean;
  private readonly lastStmt: Statement<[], Pick<AuditRow, 'seq' | 'hash' | 'at'>>;
  private readonly hashAtStmt: Statement<[number], { hash: string }>;
  private readonly insertStmt: Statement<AuditRow>;
  private readonly appendTx: Transaction<(input: Required<Omit<AppendInput, 'outsider'>>, anchored: boolean) => AuditEntry>;
  private readonly appendAllTx: Transaction<(inputs: Required<Omit<AppendInput, 'outsider'>>[]) => AuditEntry[]>;
  private readonly writeHeadTx: Transaction<(anchored: boolean) => AuditCheckpoint>;

  constructor(
    private readonly db: Db,
    private readonly identity: Identity,
    options: AuditLogOptions,
  ) {
    this.headFile = options.headFile;
    this.now = options.now ?? (() => new Date());
    this.onAppend = options.onAppend ?? (() => {});
    this.verify = signatureVerifier(identity.certPem);
    this.lastStmt = db.prepare('SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.hashAtStmt = db.prepare('SELECT hash FROM audit_log WHERE seq = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash, signature)
       VALUES (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash, @signature)`,
    );
    this.appendTx = db.transaction((input: Required<Omit<AppendInput, 'outsider'>>, anchored: boolean) => {
      // Fail closed: never extend (and then re-anchor) a log whose anchor shows it was cut or
      // rewritten — the stale anchor is the evidence. `reanchor` is the explicit way out.
      if (anchored) this.assertAnchorHolds();
      return this.insert(input);
    });
    this.appendAllTx = db.transaction((inputs: Required<Omit<AppendInput, 'outsider'>>[]) => {
      this.assertAnchorHolds();
      return inputs.map((input) => this.insert(input));
    });
    // Holding the write lock orders head-file writes by commit across processes sharing the DB.
    this.writeHeadTx = db.transaction((anchored: boolean) => {
      if (anchored) this.assertAnchorHolds();
      const cp = signCheckpoint(this.identity, this.head(), this.now());
      writeHeadFile(this.headFile, cp);
      return cp;
    });
    // Anchor the empty log (seq 0) before the first entry, so that from then on a missing file
    // always means a lost or deleted anchor — never "not written yet".
    if (!existsSync(this.headFile) && this.head().seq === 0) this.writeHeadTx.immediate(false);
  }

  /**
   * Appends one entry and returns it. Throws AUDIT_TAMPERED (writing nothing) if the head anchor
   * contradicts the log, AUDIT_RAW_IDENTIFIER if subject or details look like personal data.
   *
   * @example audit.append({ actor: 'alice', action: 'agreement.accepted', subject: agreementId, details: { peer } })
   */
  append(input: AppendInput): AuditEntry {
    const entry = this.appendTx.immediate(validate(input), true);
    if (!this.db.inTransaction) this.flushHead();
    this.onAppend(entry.action);
    return entry;
  }

  /**
   * Appends several entries in one transaction, in order, and returns them: all or none. One
   * commit, one anchor check and one head-file write serve them all, which is what makes an entry
   * per ingested batch affordable when batches arrive together. Throws as `append` does.
   * `deferAnchor`: leave the head-file write (two fsyncs) to the caller's later `flushHead()`; the
   * anchor lags meanwhile, which verification accepts (docs/audit.md).
   *
   * @example audit.appendAll([{ actor: 'token:web', action: 'events.ingested', details: { accepted: 1000 } }, …])
   */
  appendAll(inputs: readonly AppendInput[], options: { deferAnchor?: boolean } = {}): AuditEntry[] {
    const entries = this.appendAllTx.immediate(inputs.map(validate));
    if (!this.db.inTransaction && !options.deferAnchor) this.flushHead();
    for (const entry of entries) this.onAppend(entry.action);
    return entries;
  }

  /** The last committed-or-pending entry's seq and hash (seq 0 and 64 zeros for an empty log). */
  head(): { seq: number; hash: string } {
    const last = this.lastStmt.get();
    return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Signs the committed head and writes it to the head anchor file. Must be called outside any
   * transaction (inside one, the head may still roll back). Throws AUDIT_TAMPERED, leaving the
   * file untouched, if the current anchor contradicts the log.
   */
  flushHead(): AuditCheckpoint {
    this.assertNotInTransaction('flushHead/signedCheckpoint');
    return this.writeHeadTx.immediate(true);
  }

  /**
   * The checkpoint a run receipt carries to the peer: our committed head, signed. Also refreshes
   * the head anchor file to the same checkpoint. Outside transactions only (see flushHead).
   */
  signedCheckpoint(): AuditCheckpoint {
    return this.flushHead();
  }

  /**
   * Verifies a checkpoint of a peer's audit log (from its receipt) and keeps it, with an audit
   * entry. The same checkpoint again is a no-op; a different hash for a seq we already hold is
   * proof that the peer rewrote its log: recorded, then AUDIT_TAMPERED.
   */
  recordPeerCheckpoint(peerCertPem: string, checkpoint: AuditCheckpoint): void {
    const cp = parseCheckpoint(checkpoint, 'checkpoint', 'PEER_MESSAGE_INVALID');
    const peerNodeId = fingerprintOf(peerCertPem);
    if (cp.nodeId !== peerNodeId) {
      throw new MofangError('PEER_SIGNATURE_INVALID', `checkpoint.nodeId: ${cp.nodeId} is not the peer ${peerNodeId}`);
    }
    if (!checkpointSignatureValid(signatureVerifier(peerCertPem), cp)) {
      throw new MofangError('PEER_SIGNATURE_INVALID', 'checkpoint.signature: does not verify with the peer certificate');
    }
    const held = this.db
      .prepare<[string, number], { hash: string }>('SELECT hash FROM peer_checkpoints WHERE peer_node_id = ? AND seq = ?')
      .get(peerNodeId, cp.seq);
    if (held?.hash === cp.hash) return;
    if (held) {
      this.append({
        actor: 'system',
        action: 'audit.peer_checkpoint_conflict',
        subject: peerNodeId,
        details: { seq: cp.seq, heldHash: held.hash, receivedHash: cp.hash, receivedAt: cp.at, receivedSignature: cp.signature },
      });
      throw new MofangError('AUDIT_TAMPERED', `peer ${peerNodeId} signed two different hashes for its audit entry ${cp.seq}`, {
        peerNodeId,
        seq: cp.seq,
      });
    }
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO peer_checkpoints (peer_node_id, seq, hash, at, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(peerNodeId, cp.seq, cp.hash, cp.at, cp.signature, this.now().toISOString());
      this.append({ actor: 'system', action: 'audit.peer_checkpoint', subject: peerNodeId, details: { seq: cp.seq, hash: cp.hash, at: cp.at } });
    })();
  }

  /** The newest checkpoint we hold of `peerNodeId`'s log: what that peer asks for when it verifies. */
  latestPeerCheckpoint(peerNodeId: string): AuditCheckpoint | undefined {
    return peerCheckpointsOf(this.db, peerNodeId, 1)[0];
  }

  /**
   * The way out after AUDIT_TAMPERED, for an operator who has investigated (e.g. a power loss
   * dropped the last commit): appends an entry recording what the old anchor said and why it is
   * replaced, then anchors the current head. Keep a copy of the old head file first.
   */
  reanchor(actor: string, reason: string): AuditEntry {
    this.assertNotInTransaction('reanchor');
    const state = readHeadFile(this.headFile, this.identity.nodeId, this.verify);
    const previous = state.kind === 'valid' ? { seq: state.checkpoint.seq, hash: state.checkpoint.hash, at: state.checkpoint.at } : state.kind;
    const entry = this.appendTx.immediate(validate({ actor, action: 'audit.reanchored', details: { reason, previous } }), false);
    this.writeHeadTx.immediate(false);
    return entry;
  }

  private insert(input: Required<Omit<AppendInput, 'outsider'>>): AuditEntry {
    const last = this.lastStmt.get();
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const now = this.now().toISOString();
    // verify checks that time never runs backwards along the chain; a clock stepped back must not trip it.
    const at = last && last.at > now ? last.at : now;
    const content = { seq, at, actor: input.actor, action: input.action, subject: input.subject, details: input.details };
    const hash = entryHash(prevHash, content);
    const signature = this.identity.sign(entrySignaturePayload(hash)).toString('base64');
    const row: AuditRow = { ...content, details: canonicalJson(input.details), prev_hash: prevHash, hash, signature };
    this.insertStmt.run(row);
    return rowToEntry(row);
  }

  private assertNotInTransaction(what: string): void {
    if (this.db.inTransaction) {
      throw new MofangError('INTERNAL', `audit: ${what} called inside a transaction, where the head may still roll back; call it after commit`);
    }
  }

  private assertAnchorHolds(): void {
    const state = readHeadFile(this.headFile, this.identity.nodeId, this.verify);
    const problem = headFileContradiction(state, this.logView(), this.headFile);
    if (problem) {
      throw new MofangError('AUDIT_TAMPERED', `audit log: ${problem.reason} (first bad seq ${problem.seq}); run mofang audit verify`, {
        seq: problem.seq,
      });
    }
  }

  private logView(): LogView {
    return { lastSeq: this.head().seq, hashAt: (seq) => this.hashAtStmt.get(seq)?.hash };
  }
}

function validate(input: AppendInput): Required<Omit<AppendInput, 'outsider'>> {
  const { actor, action } = input;
  let subject = input.subject ?? null;
  let details = input.details ?? {};
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > LIMITS.actor) {
    throw new MofangError('REQUEST_INVALID', `audit.actor: must be 1–${LIMITS.actor} characters`, { field: 'actor' });
  }
  if (typeof action !== 'string' || action.length > LIMITS.action || !ACTION.test(action)) {
    throw new MofangError('REQUEST_INVALID', `audit.action: must be dotted lower case ('run.started'), at most ${LIMITS.action} characters`, {
      field: 'action',
    });
  }
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new MofangError('REQUEST_INVALID', 'audit.details: must be a JSON object', { field: 'details' });
  }
  // Outsider text is made safe before any check, so it can never be why an entry is refused.
  ({ subject, details } = sanitizeOutsiderFields({ subject, details }, input.outsider ?? []));
  if (subject !== null && (typeof subject !== 'string' || subject.length === 0 || subject.length > LIMITS.subject)) {
    throw new MofangError('REQUEST_INVALID', `audit.subject: must be 1–${LIMITS.subject} characters`, { field: 'subject' });
  }
  let json: string;
  try {
    json = canonicalJson(details);
  } catch (err) {
    throw new MofangError('REQUEST_INVALID', `audit.details: not JSON-serialisable (${(err as Error).message})`, { field: 'details' });
  }
  if (Buffer.byteLength(json) > LIMITS.detailsBytes) {
    throw new MofangError('LIMIT_EXCEEDED', `audit.details: ${Buffer.byteLength(json)} bytes exceeds ${LIMITS.detailsBytes}`, {
      field: 'details',
      limit: LIMITS.detailsBytes,
    });
  }
  if (subject !== null) assertNoRawIdentifiers(subject, 'subject');
  assertNoRawIdentifiers(details, 'details');
  // Stored and hashed as parsed back from canonical JSON, so what verify re-hashes is what we hashed.
  return { actor, action, subject, details: JSON.parse(json) as Record<string, unknown> };
}
