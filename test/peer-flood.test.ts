/**
 * A flood of calls from an unpinned certificate keeps the audit log and the disk bounded: the
 * calls are rate-limited per source before any work, and refusals are audited in summary. Real
 * gRPC server code with mutual TLS on loopback, the telco node's real handlers and audit log, and
 * a throwaway self-signed client certificate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type Identity } from '../node/identity/index.js';
import { PeerClient } from '../node/peer/client.js';
import { REFUSAL_REASONS, startPeerServer, type PeerServer } from '../node/peer/server.js';
import { PROTOCOL_VERSION } from '../node/peer/wire.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

const FLOOD = 10_000;

describe('a flood of refused calls', () => {
  let nodes: TwoNodes;
  let mallory: Identity;
  let server: PeerServer;

  const clientAs = (identity: Identity) => new PeerClient({
    peer: { ...nodes.bank.peers.byName('telco'), address: `127.0.0.1:${server.port}` },
    keyPem: identity.keyPem, certPem: identity.certPem, limits: nodes.bank.config.limits, onPinMismatch: () => {},
  });
  const refusals = () => nodes.telco.listAudit({ limit: 1000, action: 'peer.refused' });

  beforeAll(async () => {
    nodes = await startTwoNodes();
    mallory = await createIdentity(join(mkdtempSync(join(tmpdir(), 'mallory-')), 'identity'), 'mallory');
    // The telco's own server code and handlers, with a window longer than the test and no refill,
    // so what is counted does not depend on how fast the machine is.
    server = await startPeerServer({
      listen: '127.0.0.1:0', keyPem: nodes.telco.identity.keyPem, certPem: nodes.telco.identity.certPem, peers: nodes.telco.peers,
      limits: nodes.telco.config.limits, handlers: nodes.telco.peerHandlers(),
      callLimits: { unpinned: { burst: 10, perSecond: 0 } }, refusalWindowMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await server?.close();
    await nodes?.stop();
  });

  it(`writes two audit entries for ${FLOOD} refused calls, counts them all, and keeps serving pinned peers`, async () => {
    const before = refusals().length;
    const client = clientAs(mallory);
    const codes = new Map<string, number>();
    try {
      for (let sent = 0; sent < FLOOD; sent += 100) {
        const errors = await Promise.all(Array.from({ length: 100 }, () => client.getCheckpoint().then(() => 'ANSWERED', (e: { code: string }) => e.code)));
        for (const code of errors) codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    } finally {
      client.close();
    }
    // The burst is told why; everything after it is turned away before any work.
    expect(Object.fromEntries(codes)).toEqual({ PEER_NOT_PINNED: 10, PEER_RATE_LIMITED: FLOOD - 10 });
    expect(server.counters()).toEqual({ refusedCalls: { [REFUSAL_REASONS.noCertificate]: FLOOD }, rateLimitedCalls: FLOOD - 10 });

    // The first refusal at once, the rest when the window closes: two entries, not ten thousand.
    expect(refusals().length - before).toBe(1);
    server.flushRefusals();
    const entries = refusals().slice(before);
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.details.count)).toEqual([1, FLOOD - 1]);
    expect(entries[1].details).toMatchObject({
      reason: REFUSAL_REASONS.noCertificate, rateLimited: FLOOD - 10, methods: { GetCheckpoint: FLOOD - 1 }, address: '127.0.0.1', direction: 'inbound',
    });

    const bank = clientAs(nodes.bank.identity);
    try {
      const res = await bank.handshake({ nodeId: nodes.bank.identity.nodeId, nodeName: 'bank', protocolVersion: PROTOCOL_VERSION, suites: [nodes.bank.group.suite], software: 'test' });
      expect(res.nodeId).toBe(nodes.telco.identity.nodeId);
    } finally {
      bank.close();
    }
  });
});
