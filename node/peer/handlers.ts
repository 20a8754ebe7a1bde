/**
 * What this node does when a pinned peer calls it. Every request is validated before use; every
 * state change and every refusal is audited with the peer's node id.
 */
import type { AuditLog } from '../audit/log.js';
import { receiveProposal, recordAcceptance, recordRevocation, type AgreementContext, type StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import type { Logger } from '../log/logger.js';
import { packageVersion } from '../paths.js';
import { runResponder } from '../session/psi-responder.js';
import type { SessionEnv } from '../session/env.js';
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

const MAX_OVERRIDE_ISSUES = 32;

/** The floors the acceptor says it overrode: its text, so counted, capped and made safe before it is stored. */
function peerOverrideIssues(issues: unknown): string[] {
  if (!Array.isArray(issues) || issues.length > MAX_OVERRIDE_ISSUES) {
    throw new MofangError('PEER_MESSAGE_INVALID', `acceptorPolicyOverride: at most ${MAX_OVERRIDE_ISSUES} entries`);
  }
  return issues.map((issue) => untrustedText(issue));
}

const toTermsSignature = (sig: SignatureMsg) => ({ signer: sig.signer, signature: sig.signature.toString('base64'), at: sig.at });

/** What answering peers needs from the node, wired by the composition root. */
export interface PeerHandlerPorts {
  nodeId: string;
  nodeName: string;
  /** The group suite this node runs protocols in. */
  suite: string;
  audit: Pick<AuditLog, 'append' | 'latestPeerCheckpoint'>;
  /** Where peers' proposals, acceptances and revocations are recorded. */
  agreements: AgreementContext;
  /** The stored agreement with this id; AGREEMENT_NOT_FOUND if there is none. */
  agreement(id: string): StoredAgreement;
  /** The peer called us: whatever acceptance or revocation we owe it is due now. */
  peerReachable(peerNodeId: string): void;
  /** What a protocol session with `peer` runs on. */
  sessionEnv(peer: Peer): SessionEnv;
  /** The pinned peer with this node id (certificate fingerprint), if any. */
  peerByNodeId(nodeId: string): Peer | undefined;
  logger: Logger;
}

export class PeerHandlers implements Handlers {
  constructor(private readonly ports: PeerHandlerPorts) {}

  private actor(peer: Peer): string {
    return `peer:${peer.name}`;
  }

  handshake = (peer: Peer, req: HandshakeRequest): HandshakeResponse => {
    const refuse = (reason: string) => {
      this.ports.audit.append({
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
    if (!Array.isArray(req.suites) || !req.suites.includes(this.ports.suite)) throw refuse(`no common suite; this node needs ${this.ports.suite}`);
    // The peer is back: whatever acceptance or revocation we still owe it is due now.
    this.ports.peerReachable(peer.nodeId);
    return {
      nodeId: this.ports.nodeId,
      nodeName: this.ports.nodeName,
      protocolVersion: PROTOCOL_VERSION,
      suite: this.ports.suite,
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
    const stored = receiveProposal(this.ports.agreements, { terms: terms as never, proposerSignature: toTermsSignature(sig) }, peer.certPem);
    return { agreementId: stored.id, status: stored.status };
  };

  acceptAgreement = (peer: Peer, req: AgreementAcceptance): AgreementAck => {
    const sig = requireSignature(req.acceptorSignature, 'acceptorSignature');
    const agreementId = peerAgreementId(req.agreementId);
    const current = this.ports.agreement(agreementId);
    if (current.peerNodeId !== peer.nodeId) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreementId} is not with this peer`);
    if (req.termsHash !== current.termsHash) throw new MofangError('PEER_MESSAGE_INVALID', 'termsHash: the peer accepted different terms');
    const stored = recordAcceptance(this.ports.agreements, agreementId, toTermsSignature(sig), peer.certPem, peerOverrideIssues(req.acceptorPolicyOverride));
    return { agreementId: stored.id, status: stored.status };
  };

  revokeAgreement = (peer: Peer, req: AgreementRevocation): AgreementAck => {
    const sig = requireSignature(req.revokerSignature, 'revokerSignature');
    if (typeof req.reason !== 'string' || req.reason.length === 0 || req.reason.length > MAX_REASON) {
      throw new MofangError('PEER_MESSAGE_INVALID', `reason: must be 1 to ${MAX_REASON} characters`);
    }
    const agreementId = peerAgreementId(req.agreementId);
    const current = this.ports.agreement(agreementId);
    if (current.peerNodeId !== peer.nodeId) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreementId} is not with this peer`);
    const stored = recordRevocation(this.ports.agreements, agreementId, req.reason, toTermsSignature(sig), peer.certPem);
    return { agreementId: stored.id, status: stored.status };
  };

  getCheckpoint = (peer: Peer): CheckpointMsg => {
    const cp = this.ports.audit.latestPeerCheckpoint(peer.nodeId);
    if (!cp) return { nodeId: peer.nodeId, seq: 0, hash: '', at: '', signature: Buffer.alloc(0) };
    return { nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, signature: Buffer.from(cp.signature, 'base64') };
  };

  run = (peer: Peer, link: Link): Promise<void> => runResponder(this.ports.sessionEnv(peer), link);

  refused = (s: RefusalSummary): void => {
    const peer = s.fingerprint ? this.ports.peerByNodeId(s.fingerprint) : undefined;
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
    this.ports.logger.warn({ fingerprint: s.fingerprint, address: s.host, reason: s.reason, count: s.count }, 'refused inbound calls or connections');
    try {
      this.ports.audit.append({ actor: peer ? this.actor(peer) : 'peer:unknown', action: 'peer.refused', subject: s.fingerprint ?? undefined, details });
    } catch (err) {
      // Runs on the call path and from a timer: a failing audit log must not take the server down.
      this.ports.logger.error({ err, address: s.host }, 'could not audit refused calls');
    }
  };
}
