/**
 * Signed checkpoints: "node N's audit log has entry `seq` with hash `hash`", signed by N at `at`.
 * The head anchor file is our own latest checkpoint; run receipts carry one to the peer, which
 * stores it (peer_checkpoints). A checkpoint held elsewhere pins a prefix of the log: the log can
 * grow, but never lose or change that prefix without the holder noticing.
 */
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import { GENESIS_HASH } from './chain.js';

export interface AuditCheckpoint {
  /** Node id of the log's owner ('sha256:' + certificate fingerprint). */
  nodeId: string;
  /** Seq of the last entry covered (0 for an empty log). */
  seq: number;
  /** Hash of that entry (64 zeros for an empty log). */
  hash: string;
  /** When the owner signed it (toISOString form). */
  at: string;
  /** Base64 of the owner's 64-byte P1363 signature over `checkpointPayload(...)`. */
  signature: string;
}

const CHECKPOINT_CONTEXT = 'mofang/audit-checkpoint/v1';

function checkpointPayload(cp: Omit<AuditCheckpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ context: CHECKPOINT_CONTEXT, nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at }), 'utf8');
}

export function signCheckpoint(identity: Identity, head: { seq: number; hash: string }, at: Date): AuditCheckpoint {
  const body = { nodeId: identity.nodeId, seq: head.seq, hash: head.hash, at: at.toISOString() };
  return { ...body, signature: identity.sign(checkpointPayload(body)).toString('base64') };
}

export function checkpointSignatureValid(verify: (data: Uint8Array, sig: Uint8Array) => boolean, cp: AuditCheckpoint): boolean {
  return verify(checkpointPayload(cp), Buffer.from(cp.signature, 'base64'));
}

const NODE_ID = /^sha256:[0-9a-f]{64}$/;
const HASH_HEX = /^[0-9a-f]{64}$/;
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// 64 bytes in canonical base64: 86 characters and '=='.
const SIGNATURE_B64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

/**
 * Validates the shape of a checkpoint received from outside (a peer, a file); names the field.
 * Throws `code` (PEER_MESSAGE_INVALID for peers).
 */
export function parseCheckpoint(value: unknown, field: string, code: 'PEER_MESSAGE_INVALID' | 'REQUEST_INVALID'): AuditCheckpoint {
  const fail = (name: string, rule: string): never => {
    throw new MofangError(code, `${field}.${name}: ${rule}`, { field: `${field}.${name}` });
  };
  if (typeof value !== 'object' || value === null) throw new MofangError(code, `${field}: must be an object`, { field });
  const cp = value as Record<string, unknown>;
  if (typeof cp.nodeId !== 'string' || !NODE_ID.test(cp.nodeId)) fail('nodeId', "must be 'sha256:' + 64 lowercase hex digits");
  if (!Number.isSafeInteger(cp.seq) || (cp.seq as number) < 0) fail('seq', 'must be a non-negative integer');
  if (typeof cp.hash !== 'string' || !HASH_HEX.test(cp.hash)) fail('hash', 'must be 64 lowercase hex digits');
  if (cp.seq === 0 && cp.hash !== GENESIS_HASH) fail('hash', 'must be 64 zeros when seq is 0');
  if (typeof cp.at !== 'string' || !ISO_INSTANT.test(cp.at)) fail('at', 'must be a UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)');
  if (typeof cp.signature !== 'string' || !SIGNATURE_B64.test(cp.signature)) fail('signature', 'must be base64 of 64 bytes');
  return { nodeId: cp.nodeId as string, seq: cp.seq as number, hash: cp.hash as string, at: cp.at as string, signature: cp.signature as string };
}

/** A view of the log for checking anchors against it. */
export interface LogView {
  lastSeq: number;
  /** The stored hash of entry `seq`, or undefined if there is no such row. */
  hashAt(seq: number): string | undefined;
}

/**
 * What a (signature-checked) checkpoint says about the log: null if the log still holds the
 * vouched-for prefix, else the first seq that is missing or differs.
 */
export function checkpointContradiction(cp: { seq: number; hash: string }, log: LogView, source: string): { seq: number; reason: string } | null {
  if (cp.seq > log.lastSeq) {
    return { seq: log.lastSeq + 1, reason: `log ends at seq ${log.lastSeq} but ${source} vouches for seq ${cp.seq}: entries were cut` };
  }
  const stored = cp.seq === 0 ? GENESIS_HASH : log.hashAt(cp.seq);
  if (stored === undefined) return { seq: cp.seq, reason: `entry is missing but ${source} vouches for it` };
  if (stored !== cp.hash) return { seq: cp.seq, reason: `entry hash differs from the one ${source} vouches for: the log was rewritten` };
  return null;
}
