/**
 * What this node does when a pinned peer calls it. Every request is validated before use; every
 * state change and every refusal is audited with the peer's node id.
 */
import { getAgreement, receiveProposal, recordAcceptance, recordRevocation } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import type { MofangNode } from '../node.js';
import { packageVersion } from '../paths.js';
import { runResponder } from '../session/psi-responder.js';
import type { Link } from '../session/link.js';
import type { Peer } from './directory.js';
import type { RefusalSummary } from './refusals.js';
import type { PeerHandlers as Handlers } from './server.js';
import {
  PROTOCOL_VERSION,
  type AgreementAcceptance,
  type AgreementAck,
  type AgreementProposal,
  type AgreementRevocation,
  type CheckpointMsg,
  type HandshakeRequest,
  type HandshakeResponse,
  type SignatureMsg,
} from '../wire/messages.js';

const MAX_TERMS_JSON = 64 * 1024;
const MAX_REASON = 500;

function requireSignature(sig: SignatureMsg | null, field: string): SignatureMsg {
  if (!sig || typeof sig.signer !== 'string' || !Buffer.isBuffer(sig.signature) || sig.signature.length === 0 || sig.signature.length > 256) {
    throw new MofangError('PEER_MESSAGE_INVALID', `${field}: a signature is required`);
  }
  return sig;
}

/** An agreement id from a peer is its text until found: made safe before it is looked up or echoed. */
const peerAgreementId = (id: unknown): string => untrustedText(id, 64);

const toTermsSignature = (sig: SignatureMsg) => ({ signer: sig.signer, signature: sig.signature.toString('base64'), at: sig.at });

export class PeerHandlers implements Handlers {
  constructor(private readonly node: MofangNode) {}

  private actor(peer: Peer): string {
    return `peer:${peer.name}`;
  }

  handshake = (peer: Peer, req: HandshakeRequest): HandshakeResponse => {
    const refuse = (reason: string) => {
      this.node.audit.append({
        actor: this.actor(peer),
        action: 'peer.handshake_refused',
        subject: peer.nodeId,
        details: { peer: peer.name, reason, direction: 'inbound' },
      });
      return new MofangError('PEER_VERSION_MISMATCH', reason);
    };
    if (req.protocolVersion !== PROTOCOL_VERSION)
      throw refuse(`protocol version ${req.protocolVersion} is not supported; this node speaks ${PROTOCOL_VERSION}`);
    if (req.nodeId !== peer.nodeId) throw refuse('the node id sent does not match the certificate presented');
    if (!Array.isArray(req.suites) || !req.suites.includes(this.node.group.suite)) throw refuse(`no common suite; this node needs ${this.node.group.suite}`);
    // The peer is back: whatever acceptance or revocation we still owe it is due now.
    this.node.agreementDelivery.peerReachable(peer.nodeId);
    return {
      nodeId: this.node.identity.nodeId,
      nodeName: this.node.config.node.name,
      protocolVersion: PROTOCOL_VERSION,
      suite: this.node.group.suite,
      software: `mofang/${packageVersion()}`,
    };
  };

  proposeAgreement = (peer: Peer, req: AgreementProposal): AgreementAck => {
    if (typeof req.termsJson !== 'string' || req.termsJson.length > MAX_TERMS_JSON) {
      throw new MofangError('PEER_MESSAGE_INVALID', `termsJson: must be a JSON document of at most ${MAX_TERMS_JSON} bytes`);
    }
    let terms: unknown;
    try {
      terms = JSON.parse(req.termsJson);
    } catch {
      throw new MofangError('PEER_MESSAGE_INVALID', 'termsJson: not valid JSON');
    }
    const sig = requireSignature(req.proposerSignature, 'proposerSignature');
    const stored = receiveProposal(this.node.agreementContext, { terms: terms as never, proposerSignature: toTermsSignature(sig) }, peer.certPem);
    return { agreementId: stored.id, status: stored.status };
  };

  acceptAgreement = (peer: Peer, req: AgreementAcceptance): AgreementAck => {
    const sig = requireSignature(req.acceptorSignature, 'acceptorSignature');
    const agreementId = peerAgreementId(req.agreementId);
    const current = getAgreement(this.node.db, agreementId);
    if (current.peerNodeId !== peer.nodeId) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreementId} is not with this peer`);
    if (req.termsHash !== current.termsHash) throw new MofangError('PEER_MESSAGE_INVALID', 'termsHash: the peer accepted different terms');
    const stored = recordAcceptance(this.node.agreementContext, agreementId, toTermsSignature(sig), peer.certPem);
    return { agreementId: stored.id, status: stored.status };
  };

  revokeAgreement = (peer: Peer, req: AgreementRevocation): AgreementAck => {
    const sig = requireSignature(req.revokerSignature, 'revokerSignature');
    if (typeof req.reason !== 'string' || req.reason.length === 0 || req.reason.length > MAX_REASON) {
      throw new MofangError('PEER_MESSAGE_INVALID', `reason: must be 1 to ${MAX_REASON} characters`);
    }
    const agreementId = peerAgreementId(req.agreementId);
    const current = getAgreement(this.node.db, agreementId);
    if (current.peerNodeId !== peer.nodeId) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreementId} is not with this peer`);
    const stored = recordRevocation(this.node.agreementContext, agreementId, req.reason, toTermsSignature(sig), peer.certPem);
    return { agreementId: stored.id, status: stored.status };
  };

  getCheckpoint = (peer: Peer): CheckpointMsg => {
    const cp = this.node.audit.latestPeerCheckpoint(peer.nodeId);
    if (!cp) return { nodeId: peer.nodeId, seq: 0, hash: '', at: '', signature: Buffer.alloc(0) };
    return { nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, signature: Buffer.from(cp.signature, 'base64') };
  };

  run = (peer: Peer, link: Link): Promise<void> => runResponder(this.node.sessionEnv(peer), link);

  refused = (s: RefusalSummary): void => {
    const peer = s.fingerprint ? this.node.peers.byNodeId(s.fingerprint) : undefined;
    const details = {
      reason: s.reason,
      count: s.count,
      rateLimited: s.rateLimited,
      methods: s.methods,
      address: s.host,
      firstAt: s.firstAt,
      lastAt: s.lastAt,
      direction: 'inbound',
    };
    this.node.logger.warn({ fingerprint: s.fingerprint, address: s.host, reason: s.reason, count: s.count }, 'refused inbound calls or connections');
    try {
      this.node.audit.append({ actor: peer ? this.actor(peer) : 'peer:unknown', action: 'peer.refused', subject: s.fingerprint ?? undefined, details });
    } catch (err) {
      // Runs on the call path and from a timer: a failing audit log must not take the server down.
      this.node.logger.error({ err, address: s.host }, 'could not audit refused calls');
    }
  };
}
