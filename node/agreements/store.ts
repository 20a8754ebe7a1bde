/**
 * Agreement storage and lifecycle. The state machine (see docs/agreements.md):
 *
 *   proposer node:  (none) --saveProposal-->    proposed --recordAcceptance--> accepted
 *   acceptor node:  (none) --receiveProposal--> pending  --acceptAgreement-->  accepted
 *   either node:    proposed | pending | accepted --revokeAgreement / recordRevocation--> revoked (terminal)
 *
 * Each transition runs in one IMMEDIATE transaction that also appends its audit entry, so the
 * stored state and the audit log cannot diverge. A transition the peer must hear of (our
 * acceptance, our signed revocation) also queues its delivery in that transaction (outbox.ts). The network transport is the caller's: it sends
 * what these functions return and passes in what the peer sent, with the peer's mTLS certificate.
 */
import type { Db } from '../store/db.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import { type AgreementTerms, type PartyRole, agreementHash, otherParty, validateTerms } from './model.js';
import {
  type SignedAgreement,
  type TermsSignature,
  type TermsSigner,
  type VerifyFn,
  isSignatureShape,
  nodeIdOfCert,
  signRevocation,
  signTerms,
  verifyRevocationSignature,
  verifyTermsSignature,
} from './signing.js';
import { dropPendingAcceptance, enqueueDelivery } from './outbox.js';

export type AgreementStatus = 'proposed' | 'pending' | 'accepted' | 'revoked';

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string;
  details?: Record<string, unknown>;
  /** Fields quoting outsider text, redacted rather than refused (node/audit/outsider-fields.ts). */
  outsider?: readonly string[];
}

/** The audit log, or anything with its `append`. Must be synchronous to share our transaction. */
export interface AuditSink {
  append(entry: AuditEntry): unknown;
}

export interface AgreementContext {
  db: Db;
  /** This node's id; decides which side of an agreement we are on. */
  localNodeId: string;
  audit: AuditSink;
  /** Verifies peer signatures (the identity module's `verifySignature`). */
  verify: VerifyFn;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

export interface StoredAgreement {
  id: string;
  terms: AgreementTerms;
  termsHash: string;
  localParty: PartyRole;
  peerNodeId: string;
  status: AgreementStatus;
  proposerSignature: TermsSignature;
  acceptorSignature?: TermsSignature;
  /** Node id of the party that revoked. */
  revokedBy?: string;
  revokedReason?: string;
  /** The revoker's signature over the terms hash and reason (see signRevocation); absent if revoked by bare node id. */
  revocationSignature?: TermsSignature;
  /** The floors of its own policy the acceptor overrode to accept (on the proposer: as the acceptor said). */
  acceptorPolicyOverride?: string[];
  createdAt: string;
  updatedAt: string;
}

const MAX_REASON = 500;

const overrideJson = (issues: readonly string[]): string | null => (issues.length > 0 ? JSON.stringify(issues) : null);

/**
 * Stores a proposal this node made and signed; status `proposed`. Re-saving identical terms
 * returns the stored agreement; different terms under the same id are refused.
 *
 * @example saveProposal(ctx, { terms, proposerSignature: signTerms(terms, identity) })
 */
export function saveProposal(ctx: AgreementContext, signed: SignedAgreement): StoredAgreement {
  const terms = validateTerms(signed.terms, clock(ctx));
  if (terms.parties.proposer.nodeId !== ctx.localNodeId) {
    throw new MofangError('AGREEMENT_INVALID', 'parties.proposer.nodeId: must be this node to save a proposal');
  }
  if (!isSignatureShape(signed.proposerSignature) || signed.proposerSignature.signer !== ctx.localNodeId) {
    throw new MofangError('AGREEMENT_INVALID', 'proposerSignature: must be this node’s signature (use signTerms)');
  }
  if (signed.acceptorSignature !== undefined) {
    throw new MofangError('AGREEMENT_INVALID', 'acceptorSignature: a new proposal cannot already be accepted');
  }
  return insertProposal(ctx, terms, signed.proposerSignature, 'proposer');
}

/**
 * Stores a proposal received from the peer; status `pending` until an operator accepts it.
 * Checks the terms, that the peer (by its mTLS certificate) is the proposer, that this node is the
 * acceptor, and the proposer's signature. An identical re-send returns the stored agreement.
 *
 * @example receiveProposal(ctx, JSON.parse(message), peerCertPem)
 */
export function receiveProposal(ctx: AgreementContext, signed: SignedAgreement, fromPeerCertPem: string): StoredAgreement {
  if (typeof signed !== 'object' || signed === null) throw new MofangError('AGREEMENT_INVALID', 'proposal: must be an object');
  const terms = validateTerms(signed.terms, clock(ctx));
  if (terms.parties.acceptor.nodeId !== ctx.localNodeId) {
    throw new MofangError('AGREEMENT_INVALID', `parties.acceptor.nodeId: is not this node (${ctx.localNodeId})`);
  }
  // A peer may only propose in its own name: the proposer must be whoever is on the connection.
  if (terms.parties.proposer.nodeId !== nodeIdOfCert(fromPeerCertPem)) {
    throw new MofangError('AGREEMENT_INVALID', 'parties.proposer.nodeId: is not the peer that sent the proposal');
  }
  if (signed.acceptorSignature !== undefined) {
    throw new MofangError('AGREEMENT_INVALID', 'acceptorSignature: a proposal cannot already be accepted');
  }
  const party = verifyTermsSignature(terms, signed.proposerSignature, fromPeerCertPem, ctx.verify);
  if (party !== 'proposer') {
    throw new MofangError('PEER_SIGNATURE_INVALID', `agreement ${terms.id}: proposerSignature is not signed by the proposer`);
  }
  return insertProposal(ctx, terms, signed.proposerSignature, 'acceptor');
}

/**
 * Accepts a `pending` proposal on this (acceptor) node, signing the terms. Returns the acceptor
 * signature for the transport to send back to the proposer.
 *
 * @example const acceptorSignature = acceptAgreement(ctx, id, identity);
 */
export function acceptAgreement(ctx: AgreementContext, id: string, signer: TermsSigner, policyOverride: readonly string[] = []): TermsSignature {
  if (signer.nodeId !== ctx.localNodeId) {
    throw new MofangError('OPERATION_NOT_ALLOWED', `signer: ${signer.nodeId} is not this node (${ctx.localNodeId})`);
  }
  return transaction(ctx, () => {
    const a = getAgreement(ctx.db, id);
    requireState(a, ['pending'], 'accept');
    const now = clock(ctx);
    // Accepting expired terms would produce an agreement that can never be used; say so now.
    if (Date.parse(a.terms.expiresAt) <= now.getTime()) {
      throw new MofangError('AGREEMENT_EXPIRED', `agreement ${id} expired at ${a.terms.expiresAt}; it cannot be accepted`, {
        expiresAt: a.terms.expiresAt,
      });
    }
    const signature = signTerms(a.terms, signer, now);
    ctx.db
      .prepare(`UPDATE agreements SET status = 'accepted', acceptor_signature = ?, acceptor_policy_override = ?, updated_at = ? WHERE id = ?`)
      .run(canonicalJson(signature), overrideJson(policyOverride), now.toISOString(), id);
    enqueueDelivery(ctx.db, id, a.peerNodeId, 'accept', now);
    appendAudit(ctx, {
      actor: ctx.localNodeId,
      action: 'agreement.accepted',
      subject: id,
      details: { ...transitionDetails(a, 'accepted'), delivery: 'pending' },
    });
    return signature;
  });
}

/**
 * On the proposer node: records the peer's acceptance of a `proposed` agreement after verifying
 * its signature against the peer's certificate. An identical re-send is a no-op.
 *
 * @example recordAcceptance(ctx, id, message.acceptorSignature, peerCertPem)
 */
export function recordAcceptance(
  ctx: AgreementContext,
  id: string,
  acceptorSignature: TermsSignature,
  peerCertPem: string,
  acceptorPolicyOverride: readonly string[] = [],
): StoredAgreement {
  if (!isSignatureShape(acceptorSignature)) {
    throw new MofangError('PEER_SIGNATURE_INVALID', `agreement ${id}: acceptorSignature must be { signer, signature (base64), at }`);
  }
  return transaction(ctx, () => {
    const a = getAgreement(ctx.db, id);
    if (a.status === 'accepted' && a.acceptorSignature && canonicalJson(a.acceptorSignature) === canonicalJson(acceptorSignature)) {
      return a; // the peer re-sent its acceptance (e.g. after a timeout)
    }
    requireState(a, ['proposed'], 'record the acceptance of');
    const party = verifyTermsSignature(a.terms, acceptorSignature, peerCertPem, ctx.verify);
    if (party !== 'acceptor') {
      throw new MofangError('PEER_SIGNATURE_INVALID', `agreement ${id}: acceptorSignature is not signed by the acceptor`);
    }
    const now = clock(ctx).toISOString();
    ctx.db
      .prepare(`UPDATE agreements SET status = 'accepted', acceptor_signature = ?, acceptor_policy_override = ?, updated_at = ? WHERE id = ?`)
      .run(canonicalJson(acceptorSignature), overrideJson(acceptorPolicyOverride), now, id);
    appendAudit(ctx, {
      actor: a.peerNodeId,
      action: 'agreement.accepted',
      subject: id,
      details: { ...transitionDetails(a, 'accepted'), ...(acceptorPolicyOverride.length > 0 ? { acceptorPolicyOverride } : {}) },
      outsider: ['acceptorPolicyOverride'],
    });
    return getAgreement(ctx.db, id);
  });
}

/**
 * Revokes an agreement from any non-revoked state. Revocation is terminal. `reason` is shown to
 * both sides: never put identifiers in it.
 *
 * `by` is either this node's signer — preferred: the revocation is signed, and the returned
 * agreement's `revocationSignature` is what the peer's `recordRevocation` needs — or the bare node
 * id of the revoking party (this node, or the peer when the caller has itself verified the peer's
 * revocation message); a bare id records an unsigned revocation.
 *
 * @example const { revocationSignature } = revokeAgreement(ctx, id, identity, 'campaign ended');
 */
export function revokeAgreement(ctx: AgreementContext, id: string, by: TermsSigner | string, reason: string): StoredAgreement {
  const byNodeId = typeof by === 'string' ? by : by.nodeId;
  if (typeof by !== 'string' && by.nodeId !== ctx.localNodeId) {
    throw new MofangError('OPERATION_NOT_ALLOWED', `signer: ${by.nodeId} is not this node (${ctx.localNodeId})`);
  }
  const why = checkReason(typeof reason === 'string' ? reason.trim() : reason);
  return transaction(ctx, () => {
    const a = getAgreement(ctx.db, id);
    if (byNodeId !== ctx.localNodeId && byNodeId !== a.peerNodeId) {
      throw new MofangError('OPERATION_NOT_ALLOWED', `by: ${byNodeId} is not a party to agreement ${id}`);
    }
    requireState(a, ['proposed', 'pending', 'accepted'], 'revoke');
    const signature = typeof by === 'string' ? undefined : signRevocation(a.terms, why, by, clock(ctx));
    // Only a signed revocation can be delivered: the peer verifies it before it ends the agreement.
    if (signature) enqueueDelivery(ctx.db, id, a.peerNodeId, 'revoke', clock(ctx));
    return markRevoked(ctx, a, byNodeId, why, signature);
  });
}

/**
 * Records the peer's revocation after verifying its signature against the peer's certificate. A
 * re-sent identical revocation is a no-op; if both sides revoked, the first one recorded stands.
 *
 * @example recordRevocation(ctx, msg.agreementId, msg.reason, msg.revokerSignature, peerCertPem)
 */
export function recordRevocation(ctx: AgreementContext, id: string, reason: string, revocationSignature: TermsSignature, peerCertPem: string): StoredAgreement {
  const why = checkReason(reason);
  return transaction(ctx, () => {
    const a = getAgreement(ctx.db, id);
    if (a.status === 'revoked' && a.revocationSignature?.signature === revocationSignature?.signature) return a;
    const party = verifyRevocationSignature(a.terms, why, revocationSignature, peerCertPem, ctx.verify);
    if (party === a.localParty) {
      throw new MofangError('PEER_SIGNATURE_INVALID', `agreement ${id}: the revocation is signed by this node, not the peer`);
    }
    // Both sides revoked, and the messages crossed: the first one recorded stands, and the peer's
    // (verified) revocation is acknowledged rather than refused, so its delivery can complete.
    if (a.status === 'revoked') return a;
    return markRevoked(ctx, a, revocationSignature.signer, why, revocationSignature);
  });
}

/** @example getAgreement(db, id).status */
export function getAgreement(db: Db, id: string): StoredAgreement {
  const row = db.prepare('SELECT * FROM agreements WHERE id = ?').get(id) as AgreementRow | undefined;
  if (!row) throw new MofangError('AGREEMENT_NOT_FOUND', `no agreement ${id}`);
  return fromRow(row);
}

/** Newest first. @example listAgreements(db, { status: 'pending' }) */
export function listAgreements(db: Db, filter: { status?: AgreementStatus } = {}): StoredAgreement[] {
  const rows = (
    filter.status === undefined
      ? db.prepare('SELECT * FROM agreements ORDER BY created_at DESC, id').all()
      : db.prepare('SELECT * FROM agreements WHERE status = ? ORDER BY created_at DESC, id').all(filter.status)
  ) as AgreementRow[];
  return rows.map(fromRow);
}

// ---------------------------------------------------------------------------------------------

interface AgreementRow {
  id: string;
  terms: string;
  terms_hash: string;
  local_party: PartyRole;
  peer_node_id: string;
  status: AgreementStatus;
  proposer_signature: string;
  acceptor_signature: string | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  revocation_signature: string | null;
  acceptor_policy_override: string | null;
  created_at: string;
  updated_at: string;
}

const STATE_MEANING: Record<AgreementStatus, string> = {
  proposed: "proposed (waiting for the peer's acceptance)",
  pending: 'pending (waiting for our review)',
  accepted: 'accepted',
  revoked: 'revoked',
};

export function describeStatus(status: AgreementStatus): string {
  return STATE_MEANING[status];
}

function insertProposal(ctx: AgreementContext, terms: AgreementTerms, sig: TermsSignature, localParty: PartyRole): StoredAgreement {
  const termsHash = agreementHash(terms);
  return transaction(ctx, () => {
    const existing = ctx.db.prepare('SELECT * FROM agreements WHERE id = ?').get(terms.id) as AgreementRow | undefined;
    if (existing) {
      // Same terms from the same side: a retry, not a new proposal (signatures may differ: ECDSA is randomised).
      if (existing.terms_hash === termsHash && existing.local_party === localParty) return fromRow(existing);
      throw new MofangError('AGREEMENT_CONFLICT', `agreement ${terms.id} already exists with different terms`, {
        storedHash: existing.terms_hash,
        receivedHash: termsHash,
      });
    }
    const status: AgreementStatus = localParty === 'proposer' ? 'proposed' : 'pending';
    const peerNodeId = terms.parties[otherParty(localParty)].nodeId;
    const now = clock(ctx).toISOString();
    ctx.db
      .prepare(
        `INSERT INTO agreements (id, terms, terms_hash, local_party, peer_node_id, status, proposer_signature, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(terms.id, canonicalJson(terms), termsHash, localParty, peerNodeId, status, canonicalJson(sig), now, now);
    appendAudit(ctx, {
      actor: terms.parties.proposer.nodeId,
      action: localParty === 'proposer' ? 'agreement.proposed' : 'agreement.received',
      subject: terms.id,
      details: { termsHash, from: null, to: status, peerNodeId },
    });
    return getAgreement(ctx.db, terms.id);
  });
}

function markRevoked(ctx: AgreementContext, a: StoredAgreement, by: string, reason: string, sig?: TermsSignature): StoredAgreement {
  ctx.db
    .prepare(`UPDATE agreements SET status = 'revoked', revoked_by = ?, revoked_reason = ?, revocation_signature = ?, updated_at = ? WHERE id = ?`)
    .run(by, reason, sig ? canonicalJson(sig) : null, clock(ctx).toISOString(), a.id);
  dropPendingAcceptance(ctx.db, a.id);
  appendAudit(ctx, {
    actor: by,
    action: 'agreement.revoked',
    subject: a.id,
    // The reason may be the peer's: its revocation must be recorded whatever it wrote (stored as
    // signed elsewhere, for re-verification; redacted here by the audit's outsider handling).
    details: { ...transitionDetails(a, 'revoked'), reason, signed: sig !== undefined },
    outsider: ['reason'],
  });
  return getAgreement(ctx.db, a.id);
}

function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON || /[\u0000-\u001f]/.test(reason)) {
    throw new MofangError('AGREEMENT_INVALID', `reason: must be 1–${MAX_REASON} characters without control characters`, { limit: MAX_REASON });
  }
  return reason;
}

function requireState(a: StoredAgreement, allowed: AgreementStatus[], action: string): void {
  if (allowed.includes(a.status)) return;
  const by = a.status === 'revoked' ? ` by ${a.revokedBy}` : '';
  throw new MofangError('AGREEMENT_STATE', `cannot ${action} agreement ${a.id}: it is ${STATE_MEANING[a.status]}${by}`, {
    status: a.status,
    allowed,
  });
}

function transitionDetails(a: StoredAgreement, to: AgreementStatus): Record<string, unknown> {
  return { termsHash: a.termsHash, from: a.status, to, peerNodeId: a.peerNodeId };
}

function transaction<T>(ctx: AgreementContext, fn: () => T): T {
  // IMMEDIATE takes the write lock before reading, so two writers cannot both pass the state check.
  return ctx.db.transaction(fn).immediate();
}

function appendAudit(ctx: AgreementContext, entry: AuditEntry): void {
  const result = ctx.audit.append(entry);
  // A promise would settle after COMMIT, outside our transaction: state and audit could diverge.
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new MofangError('INTERNAL', 'audit.append must be synchronous to share the agreement transaction');
  }
}

function clock(ctx: AgreementContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

function fromRow(row: AgreementRow): StoredAgreement {
  const terms = JSON.parse(row.terms) as AgreementTerms;
  // Cheap integrity check: policy decisions read these terms, so refuse to use a row whose terms
  // no longer match the hash both parties signed.
  if (agreementHash(terms) !== row.terms_hash) {
    throw new MofangError('INTERNAL', `agreement ${row.id}: stored terms do not match their hash`);
  }
  return {
    id: row.id,
    terms,
    termsHash: row.terms_hash,
    localParty: row.local_party,
    peerNodeId: row.peer_node_id,
    status: row.status,
    proposerSignature: JSON.parse(row.proposer_signature) as TermsSignature,
    ...(row.acceptor_signature !== null ? { acceptorSignature: JSON.parse(row.acceptor_signature) as TermsSignature } : {}),
    ...(row.revoked_by !== null ? { revokedBy: row.revoked_by } : {}),
    ...(row.revoked_reason !== null ? { revokedReason: row.revoked_reason } : {}),
    ...(row.revocation_signature !== null ? { revocationSignature: JSON.parse(row.revocation_signature) as TermsSignature } : {}),
    ...(row.acceptor_policy_override !== null ? { acceptorPolicyOverride: JSON.parse(row.acceptor_policy_override) as string[] } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
