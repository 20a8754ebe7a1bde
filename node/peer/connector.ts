/**
 * Talking to pinned peers from this node: `connect` (a handshake that checks protocol, suite and
 * node id before anything else is said, and audits a pin mismatch or a refused handshake),
 * `probe` (the unaudited handshake behind the health view) and the peer of an agreement.
 */
import type { AuditCheckpoint } from '../audit/checkpoint.js';
import type { AuditLog } from '../audit/log.js';
import type { NodeConfig } from '../config/schema.js';
import { MofangError } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import type { Logger } from '../log/logger.js';
import { packageVersion } from '../paths.js';
import type { PeerClient } from './client.js';
import type { Peer, PeerDirectory } from './directory.js';
import { PROTOCOL_VERSION } from '../wire/messages.js';

/**
 * gRPC (≈ 70 modules) is imported by the first peer call: a CLI command that only submits a job
 * for the running node, or reads, never loads it.
 */
const peerClientModule = () => import('./client.js');

/** A health probe waits at most this long for each peer (monitoring calls /v1/health often). */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** Opens a client to a pinned peer after a successful handshake; the caller closes it. */
export type Connect = (peerName: string, actor: string) => Promise<{ peer: Peer; client: PeerClient }>;

export interface HealthView {
  status: 'ok';
  nodeId: string;
  name: string;
  version: string;
  uptimeSeconds: number;
  /** Each pinned peer and whether it answered a handshake just now (probed concurrently, short timeout). */
  peers: { name: string; nodeId: string; address: string; reachable: boolean; error?: string }[];
}

export interface ConnectorPorts {
  identity: Identity;
  nodeName: string;
  /** The group suite this node runs protocols in. */
  suite: string;
  limits: NodeConfig['limits'];
  peers: PeerDirectory;
  audit: Pick<AuditLog, 'append'>;
  logger: Logger;
  /** When this node started (ms since the epoch), for the health view's uptime. */
  startedAt: number;
  /** A handshake succeeded: whatever acceptance or revocation we owe the peer is due now. */
  peerReachable(peerNodeId: string): void;
}

export interface PeerConnector {
  connect: Connect;
  /** The pinned counter-party of an agreement; PEER_UNKNOWN if its pin was removed. */
  peerOfAgreement(a: { id: string; peerNodeId: string }): Peer;
  /** Identity, uptime and peer reachability: for token holders only (it names every partner). */
  health(): Promise<HealthView>;
  /** The latest checkpoint of our audit log that each reachable peer holds; unreachable peers are logged and skipped. */
  checkpointsHeldByPeers(): Promise<(AuditCheckpoint & { source: string })[]>;
}

/**
 * @example
 * const peers = peerConnector({ identity, nodeName, suite, limits, peers: directory, audit, logger, startedAt, peerReachable });
 * const { client } = await peers.connect('telco', 'cli:alice'); client.close();
 */
export function peerConnector(ports: ConnectorPorts): PeerConnector {
  const { identity, suite } = ports;
  const hello = () => ({
    nodeId: identity.nodeId,
    nodeName: ports.nodeName,
    protocolVersion: PROTOCOL_VERSION,
    suites: [suite],
    software: `mofang/${packageVersion()}`,
  });

  const connect: Connect = async (peerName, actor) => {
    const peer = ports.peers.byName(peerName);
    const { PeerClient } = await peerClientModule();
    const client = new PeerClient({
      peer,
      keyPem: identity.keyPem,
      certPem: identity.certPem,
      limits: ports.limits,
      onPinMismatch: (presented) =>
        ports.audit.append({
          actor,
          action: 'peer.refused',
          subject: peer.nodeId,
          details: { peer: peer.name, reason: 'server certificate not pinned', presented, direction: 'outbound' },
        }),
    });
    try {
      const res = await client.handshake(hello());
      if (res.protocolVersion !== PROTOCOL_VERSION || res.nodeId !== peer.nodeId || res.suite !== suite) {
        throw new MofangError(
          'PEER_VERSION_MISMATCH',
          `peer ${peer.name} answered protocol ${res.protocolVersion}, suite ${res.suite || 'none'}; this node needs protocol ${PROTOCOL_VERSION}, suite ${suite}`,
        );
      }
      ports.peerReachable(peer.nodeId);
      return { peer, client };
    } catch (err) {
      client.close();
      const e = err instanceof MofangError ? err : new MofangError('PEER_UNREACHABLE', String(err));
      if (e.code === 'PEER_VERSION_MISMATCH') {
        ports.audit.append({
          actor,
          action: 'peer.handshake_refused',
          subject: peer.nodeId,
          details: { peer: peer.name, code: e.code, reason: e.message, direction: 'outbound' },
        });
      }
      throw e;
    }
  };

  /**
   * One handshake with a short deadline. Not audited, unlike `connect`: monitoring polls health,
   * and a peer that is down must not flood the log; a pin mismatch is still logged as a warning.
   */
  const probe = async (peer: Peer): Promise<{ reachable: boolean; error?: string }> => {
    const { PeerClient } = await peerClientModule();
    const client = new PeerClient({
      peer,
      keyPem: identity.keyPem,
      certPem: identity.certPem,
      limits: { ...ports.limits, peerTimeoutMs: Math.min(HEALTH_PROBE_TIMEOUT_MS, ports.limits.peerTimeoutMs) },
      onPinMismatch: () => ports.logger.warn({ peer: peer.name }, 'health probe: the peer presented a certificate other than the pinned one'),
    });
    try {
      const res = await client.handshake(hello());
      return res.nodeId === peer.nodeId ? { reachable: true } : { reachable: false, error: 'PEER_NOT_PINNED' };
    } catch (err) {
      return { reachable: false, error: err instanceof MofangError ? err.code : 'PEER_UNREACHABLE' };
    } finally {
      client.close();
    }
  };

  return {
    connect,
    peerOfAgreement(a) {
      const peer = ports.peers.byNodeId(a.peerNodeId);
      if (!peer) throw new MofangError('PEER_UNKNOWN', `the counter-party of agreement ${a.id} (${a.peerNodeId}) is not pinned in this node's configuration`);
      return peer;
    },
    async health() {
      const peers = await Promise.all(ports.peers.list().map(async (p) => ({ name: p.name, nodeId: p.nodeId, address: p.address, ...(await probe(p)) })));
      return {
        status: 'ok',
        nodeId: identity.nodeId,
        name: ports.nodeName,
        version: packageVersion(),
        uptimeSeconds: Math.round((Date.now() - ports.startedAt) / 1000),
        peers,
      };
    },
    async checkpointsHeldByPeers() {
      const out = [];
      for (const p of ports.peers.list()) {
        try {
          const { client } = await connect(p.name, 'system:verify');
          try {
            const cp = await client.getCheckpoint();
            if (cp.seq > 0)
              out.push({ nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, signature: cp.signature.toString('base64'), source: `peer ${p.name}` });
          } finally {
            client.close();
          }
        } catch (err) {
          ports.logger.warn({ peer: p.name, err: (err as Error).message }, 'could not fetch the audit checkpoint the peer holds');
        }
      }
      return out;
    },
  };
}
