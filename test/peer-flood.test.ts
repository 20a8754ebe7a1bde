/**
 * A flood of calls from an unpinned certificate, or of connections from one address, keeps the
 * audit log and the disk bounded: calls are rate-limited per source before any work, connections
 * per address before TLS, and refusals are audited in summary. Real gRPC server code with mutual
 * TLS on loopback, the telco node's real handlers and audit log, and a throwaway self-signed
 * client certificate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type Identity } from '../node/identity/index.js';
import { PeerClient } from '../node/peer/client.js';
import { CONNECTION_REFUSALS } from '../node/peer/connection-limit.js';
import { REFUSAL_REASONS, startPeerServer, type PeerServer } from '../node/peer/server.js';
import { PROTOCOL_VERSION } from '../node/wire/messages.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

const FLOOD = 10_000;

describe('a flood of refused calls or connections', () => {
  let nodes: TwoNodes;
  let mallory: Identity;
  let server: PeerServer;

  const clientAs = (identity: Identity, port = server.port) =>
    new PeerClient({
      peer: { ...nodes.bank.peers.byName('telco'), address: `127.0.0.1:${port}` },
      keyPem: identity.keyPem,
      certPem: identity.certPem,
      limits: nodes.bank.config.limits,
      onPinMismatch: () => {},
    });
  const refusals = () => nodes.telco.audit.list({ limit: 1000, action: 'peer.refused' });
  /** The pinned bank's handshake: the node id that answered. */
  const bankHandshake = async (port: number) => {
    const bank = clientAs(nodes.bank.identity, port);
    try {
      const res = await bank.handshake({
        nodeId: nodes.bank.identity.nodeId,
        nodeName: 'bank',
        protocolVersion: PROTOCOL_VERSION,
        suites: [nodes.bank.group.suite],
        software: 'test',
      });
      return res.nodeId;
    } finally {
      bank.close();
    }
  };

  beforeAll(async () => {
    nodes = await startTwoNodes();
    mallory = await createIdentity(join(mkdtempSync(join(tmpdir(), 'mallory-')), 'identity'), 'mallory');
    // The telco's own server code and handlers, with a window longer than the test and no refill,
    // so what is counted does not depend on how fast the machine is.
    server = await startPeerServer({
      listen: '127.0.0.1:0',
      keyPem: nodes.telco.identity.keyPem,
      certPem: nodes.telco.identity.certPem,
      peers: nodes.telco.peers,
      limits: nodes.telco.config.limits,
      handlers: nodes.telco.peerHandlers(),
      callLimits: { unpinned: { burst: 10, perSecond: 0 } },
      refusalWindowMs: 3_600_000,
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
        const errors = await Promise.all(
          Array.from({ length: 100 }, () =>
            client.getCheckpoint().then(
              () => 'ANSWERED',
              (e: { code: string }) => e.code,
            ),
          ),
        );
        for (const code of errors) codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    } finally {
      client.close();
    }
    // The burst is told why; everything after it is turned away before any work.
    expect(Object.fromEntries(codes)).toEqual({ PEER_NOT_PINNED: 10, PEER_RATE_LIMITED: FLOOD - 10 });
    expect(server.counters()).toEqual({ refusedCalls: { [REFUSAL_REASONS.noCertificate]: FLOOD }, rateLimitedCalls: FLOOD - 10, refusedConnections: {} });

    // The first refusal at once, the rest when the window closes: two entries, not ten thousand.
    expect(refusals().length - before).toBe(1);
    server.flushRefusals();
    const entries = refusals().slice(before);
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.details.count)).toEqual([1, FLOOD - 1]);
    expect(entries[1].details).toMatchObject({
      reason: REFUSAL_REASONS.noCertificate,
      rateLimited: FLOOD - 10,
      methods: { GetCheckpoint: FLOOD - 1 },
      address: '127.0.0.1',
      direction: 'inbound',
    });

    expect(await bankHandshake(server.port)).toBe(nodes.telco.identity.nodeId);
  });

  it('closes connections over the per-address limit before TLS, audits them in summary, and keeps serving pinned peers', async () => {
    // Another loopback address plays the stranger, so the pinned bank (127.0.0.1) is a source of its own.
    const stranger = '127.0.0.2';
    const limited = await startPeerServer({
      listen: '127.0.0.1:0',
      keyPem: nodes.telco.identity.keyPem,
      certPem: nodes.telco.identity.certPem,
      peers: nodes.telco.peers,
      limits: nodes.telco.config.limits,
      handlers: nodes.telco.peerHandlers(),
      // No refill: what is admitted does not depend on how fast the machine is.
      connectionLimits: { perAddress: 8, newBurst: 12, newPerSecond: 0 },
      refusalWindowMs: 3_600_000,
    });
    const opened: TLSSocket[] = [];
    /** A TCP connection and a TLS handshake: resolves whether TLS completed (admitted) or the server hung up first. */
    const open = () =>
      new Promise<boolean>((resolve) => {
        // localAddress reaches net.connect (the typings omit it): the stranger's own loopback address.
        const options: ConnectionOptions & { localAddress: string } = {
          host: '127.0.0.1',
          port: limited.port,
          localAddress: stranger,
          key: mallory.keyPem,
          cert: mallory.certPem,
          rejectUnauthorized: false,
          ALPNProtocols: ['h2'],
        };
        const socket = connect(options);
        opened.push(socket);
        socket.once('secureConnect', () => resolve(true));
        socket.once('error', () => resolve(false));
        socket.once('close', () => resolve(false));
      });
    const strangerEntries = () => refusals().filter((e) => e.details.address === stranger);
    try {
      const before = refusals().length;
      const first = await Promise.all(Array.from({ length: 200 }, open));
      expect(first.filter(Boolean)).toHaveLength(8);

      // While the stranger holds its eight, the pinned bank is served.
      expect(await bankHandshake(limited.port)).toBe(nodes.telco.identity.nodeId);

      // Closed connections free their places (refusals for open connections spend no new-connection
      // allowance); after them, the four of the twelve left are admitted and the rest refused as new.
      for (const socket of opened.splice(0)) socket.destroy();
      let waiting = 0;
      while (!(await open())) waiting++;
      const second = await Promise.all(Array.from({ length: 10 }, open));
      expect(second.filter(Boolean)).toHaveLength(3);

      expect(limited.counters().refusedConnections).toEqual({ [CONNECTION_REFUSALS.tooManyOpen]: 192 + waiting, [CONNECTION_REFUSALS.tooManyNew]: 7 });
      expect(limited.counters().refusedCalls).toEqual({});
      // Two entries per reason — the first refusal at once, the rest summed — not two hundred.
      expect(refusals().length - before).toBe(2);
      limited.flushRefusals();
      const entries = strangerEntries().slice(-4);
      expect(refusals().length - before).toBe(4);
      expect(entries.map((e) => [e.details.reason, e.details.count]).sort()).toEqual(
        [
          [CONNECTION_REFUSALS.tooManyNew, 1],
          [CONNECTION_REFUSALS.tooManyNew, 6],
          [CONNECTION_REFUSALS.tooManyOpen, 1],
          [CONNECTION_REFUSALS.tooManyOpen, 191 + waiting],
        ].sort(),
      );
      expect(entries.every((e) => e.details.rateLimited === e.details.count && Object.keys(e.details.methods as object).join() === 'connection')).toBe(true);

      // Afterwards too: the bank is served.
      expect(await bankHandshake(limited.port)).toBe(nodes.telco.identity.nodeId);
    } finally {
      for (const socket of opened) socket.destroy();
      await limited.close();
    }
  });
});
