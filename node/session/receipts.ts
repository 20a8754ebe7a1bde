/**
 * Signed receipts of a run. After a joint run each party signs the transcript hash together with
 * a checkpoint of its own audit head, and stores the other's receipt: each node then holds
 * evidence of what the other saw, and an anchor of the other's audit log that its owner cannot
 * rewrite.
 */
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import { verifySignature, type Identity } from '../identity/identity.js';
import type { AuditLog } from '../audit/log.js';
import type { CheckpointMsg, ReceiptMsg } from '../wire/messages.js';
import type { Db } from '../store/db.js';

function receiptBody(runId: string, transcriptHash: string, head: CheckpointMsg): string {
  return canonicalJson({
    runId,
    transcriptHash,
    head: { nodeId: head.nodeId, seq: head.seq, hash: head.hash, at: head.at, signature: head.signature.toString('base64') },
  });
}

export function makeReceipt(identity: Identity, audit: AuditLog, runId: string, transcriptHash: string): ReceiptMsg {
  const cp = audit.signedCheckpoint();
  const head: CheckpointMsg = { nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, signature: Buffer.from(cp.signature, 'base64') };
  const at = new Date().toISOString();
  const signature = identity.sign(Buffer.from(receiptBody(runId, transcriptHash, head)));
  return { runId, transcriptHash, head, signature: { signer: identity.nodeId, signature, at } };
}

/** Verifies the peer's receipt against what we saw, then stores it and the checkpoint it carries. */
export function acceptReceipt(
  db: Db,
  audit: AuditLog,
  peer: { nodeId: string; certPem: string },
  expected: { runId: string; transcriptHash: string },
  receipt: ReceiptMsg,
): void {
  const head = receipt.head;
  const sig = receipt.signature;
  if (!head || !sig) throw new MofangError('PEER_MESSAGE_INVALID', 'receipt: head and signature are required');
  if (receipt.runId !== expected.runId) throw new MofangError('PEER_MESSAGE_INVALID', 'receipt.runId: does not match this run');
  if (receipt.transcriptHash !== expected.transcriptHash) {
    throw new MofangError('PEER_MESSAGE_INVALID', 'receipt.transcriptHash: the peer saw a different transcript');
  }
  if (sig.signer !== peer.nodeId || head.nodeId !== peer.nodeId) {
    throw new MofangError('PEER_SIGNATURE_INVALID', 'receipt: signed by another node than the peer');
  }
  const body = receiptBody(receipt.runId, receipt.transcriptHash, head);
  if (!verifySignature(peer.certPem, Buffer.from(body), sig.signature)) {
    throw new MofangError('PEER_SIGNATURE_INVALID', 'receipt: signature does not verify');
  }
  db.transaction(() => {
    db.prepare('INSERT OR REPLACE INTO receipts (run_id, signer, body, signature, received_at) VALUES (?, ?, ?, ?, ?)').run(
      receipt.runId,
      sig.signer,
      body,
      sig.signature.toString('base64'),
      new Date().toISOString(),
    );
    audit.recordPeerCheckpoint(peer.certPem, {
      nodeId: head.nodeId,
      seq: head.seq,
      hash: head.hash,
      at: head.at,
      signature: head.signature.toString('base64'),
    });
  })();
}
