/**
 * Signatures over agreement terms. Each party signs the same statement — "I, party P with node id
 * N, agree at time T to the terms with hash H" — so a stored agreement carries proof that both
 * institutions accepted exactly these terms.
 *
 * Signing and verification are injected (`TermsSigner`, `VerifyFn`) so this module works with any
 * identity implementation whose node id is 'sha256:' + hex of its certificate DER.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import { type AgreementTerms, type PartyRole, agreementHash, partyOf } from './model.js';

/** Anything that can sign for a node: the node identity, or a test key. */
export interface TermsSigner {
  readonly nodeId: string;
  sign(data: Uint8Array): Uint8Array;
}

/** Verifies `signature` over `data` with the public key in `certPem`; false (or a throw) means invalid. */
export type VerifyFn = (certPem: string, data: Uint8Array, signature: Uint8Array) => boolean;

export interface TermsSignature {
  /** Node id of the signing party. */
  signer: string;
  /** Base64 of the signature over `termsSignaturePayload(...)`. */
  signature: string;
  /** When the party signed (UTC, toISOString form); part of what is signed. */
  at: string;
}

export interface SignedAgreement {
  terms: AgreementTerms;
  proposerSignature: TermsSignature;
  /** Absent until the acceptor has signed. */
  acceptorSignature?: TermsSignature;
}

// Domain separation: the node key also signs audit entries and run receipts; a signature made for
// an agreement must never verify as one of those, and an acceptance never as a revocation.
const TERMS_CONTEXT = 'mofang/agreement-signature/v1';
const REVOCATION_CONTEXT = 'mofang/agreement-revocation/v1';

/** The exact bytes a party signs to agree to the terms. */
export function termsSignaturePayload(terms: AgreementTerms, party: PartyRole, signer: string, at: string): Uint8Array {
  return Buffer.from(canonicalJson({ context: TERMS_CONTEXT, party, signer, at, termsHash: agreementHash(terms) }), 'utf8');
}

/** The exact bytes a party signs to revoke the agreement, reason included. */
function revocationPayload(terms: AgreementTerms, reason: string, party: PartyRole, signer: string, at: string): Uint8Array {
  return Buffer.from(canonicalJson({ context: REVOCATION_CONTEXT, agreementId: terms.id, termsHash: agreementHash(terms), party, signer, at, reason }), 'utf8');
}

type Payload = (party: PartyRole, signer: string, at: string) => Uint8Array;

/**
 * Signs the terms as whichever party `signer` is. Refuses to sign for a node that is not a party.
 *
 * @example const proposerSignature = signTerms(terms, identity);
 */
export function signTerms(terms: AgreementTerms, signer: TermsSigner, now: Date = new Date()): TermsSignature {
  return signAs(terms, signer, now, (p, s, at) => termsSignaturePayload(terms, p, s, at));
}

/**
 * Checks that `sig` is a valid signature over `terms` by the holder of `certPem`, and that this
 * certificate is the identity the terms name for that party. Returns which party signed.
 * Throws PEER_SIGNATURE_INVALID saying which check failed.
 *
 * @example const party = verifyTermsSignature(terms, signed.proposerSignature, peerCertPem, verify);
 */
export function verifyTermsSignature(terms: AgreementTerms, sig: TermsSignature, certPem: string, verify: VerifyFn): PartyRole {
  return verifyAs(terms, sig, certPem, verify, (p, s, at) => termsSignaturePayload(terms, p, s, at));
}

/** Signs a revocation of `terms` with `reason`. @example signRevocation(terms, 'campaign ended', identity) */
export function signRevocation(terms: AgreementTerms, reason: string, signer: TermsSigner, now: Date = new Date()): TermsSignature {
  return signAs(terms, signer, now, (p, s, at) => revocationPayload(terms, reason, p, s, at));
}

/** As verifyTermsSignature, for a revocation with `reason`. */
export function verifyRevocationSignature(terms: AgreementTerms, reason: string, sig: TermsSignature, certPem: string, verify: VerifyFn): PartyRole {
  return verifyAs(terms, sig, certPem, verify, (p, s, at) => revocationPayload(terms, reason, p, s, at));
}

function signAs(terms: AgreementTerms, signer: TermsSigner, now: Date, payload: Payload): TermsSignature {
  const party = partyOf(terms, signer.nodeId);
  if (!party) {
    throw new MofangError('OPERATION_NOT_ALLOWED', `signer: ${signer.nodeId} is not a party to agreement ${terms.id}`);
  }
  const at = now.toISOString();
  const signature = signer.sign(payload(party, signer.nodeId, at));
  return { signer: signer.nodeId, signature: Buffer.from(signature).toString('base64'), at };
}

function verifyAs(terms: AgreementTerms, sig: TermsSignature, certPem: string, verify: VerifyFn, payload: Payload): PartyRole {
  const fail = (why: string) => new MofangError('PEER_SIGNATURE_INVALID', `agreement ${terms.id}: ${why}`);
  if (!isSignatureShape(sig)) throw fail('signature: must be { signer, signature (base64), at (UTC timestamp) }');
  const party = partyOf(terms, sig.signer);
  if (!party) throw fail(`signature.signer: ${sig.signer} is not a party`);
  // Without this, any valid key could sign in the name of a party; the node id pins the cert.
  const certNodeId = nodeIdOfCert(certPem);
  if (certNodeId === undefined) throw fail('certificate: is not a readable X.509 PEM');
  if (certNodeId !== sig.signer) throw fail(`signature.signer: the certificate belongs to ${certNodeId}, not ${sig.signer}`);
  let ok = false;
  try {
    ok = verify(certPem, payload(party, sig.signer, sig.at), Buffer.from(sig.signature, 'base64'));
  } catch {
    ok = false; // a malformed signature is just an invalid one
  }
  if (!ok) throw fail(`signature: the ${party}'s signature does not verify`);
  return party;
}

/** 'sha256:' + hex of the certificate DER — the node id; undefined if the PEM is not a certificate. */
export function nodeIdOfCert(certPem: string): string | undefined {
  try {
    return `sha256:${createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex')}`;
  } catch {
    return undefined;
  }
}

/** Structural check for signatures that arrive from a peer. */
export function isSignatureShape(sig: unknown): sig is TermsSignature {
  if (typeof sig !== 'object' || sig === null) return false;
  const { signer, signature, at } = sig as Record<string, unknown>;
  if (typeof signer !== 'string' || typeof signature !== 'string' || typeof at !== 'string') return false;
  if (signature.length === 0 || signature.length > 4096) return false;
  // Strict base64: Buffer.from silently skips bad characters, so require a lossless round trip.
  if (Buffer.from(signature, 'base64').toString('base64') !== signature) return false;
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === at;
}
