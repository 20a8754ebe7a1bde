/** The pinned peers from the configuration, with their certificates loaded and checked. */
import { readFileSync } from 'node:fs';
import type { PeerConfig } from '../config/schema.js';
import { MofangError } from '../errors.js';
import { fingerprintOfPem } from './fingerprint.js';

export interface Peer {
  name: string;
  address: string;
  /** The pinned certificate fingerprint, which is also the peer's node id. */
  nodeId: string;
  certPem: string;
}

export class PeerDirectory {
  private constructor(private readonly peers: Peer[]) {}

  /** Loads every peer certificate and refuses a config whose pin does not match the file. */
  static fromConfig(peers: PeerConfig[]): PeerDirectory {
    return new PeerDirectory(
      peers.map((p, i) => {
        let certPem: string;
        let actual: string;
        try {
          certPem = readFileSync(p.certificate, 'utf8');
          actual = fingerprintOfPem(certPem);
        } catch (err) {
          throw new MofangError('CONFIG_INVALID', `peers[${i}].certificate: cannot read a PEM certificate at ${p.certificate} (${(err as Error).message})`, {
            field: `peers[${i}].certificate`,
          });
        }
        if (actual !== p.fingerprint) {
          throw new MofangError('CONFIG_INVALID', `peers[${i}].fingerprint: the certificate file has fingerprint ${actual}, not the pinned ${p.fingerprint}`, {
            field: `peers[${i}].fingerprint`,
          });
        }
        return { name: p.name, address: p.address, nodeId: p.fingerprint, certPem };
      }),
    );
  }

  list(): readonly Peer[] {
    return this.peers;
  }

  byName(name: string): Peer {
    const peer = this.peers.find((p) => p.name === name);
    if (!peer)
      throw new MofangError('PEER_UNKNOWN', `no peer named "${name}" in the configuration (known: ${this.peers.map((p) => p.name).join(', ') || 'none'})`);
    return peer;
  }

  byNodeId(nodeId: string): Peer | undefined {
    return this.peers.find((p) => p.nodeId === nodeId);
  }
}
