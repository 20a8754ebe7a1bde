/**
 * The peer boundary: unpinned certificates are refused (and audited), malformed, hostile and
 * oversized messages are rejected with a coded reason, and the node keeps serving afterwards.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type Identity } from '../node/identity/index.js';
import type { MofangNode } from '../node/node.js';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { PeerClient } from '../node/peer/client.js';
import { clientCredentials } from '../node/peer/credentials.js';
import { PROTOCOL_VERSION, type RunFrame } from '../node/wire/messages.js';
import { agree, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

describe('peer boundary', () => {
  let nodes: TwoNodes;
  let mallory: Identity;
  let agreementId: string;

  const clientFor = (node: MofangNode, identity: Identity = node.identity, peer = node.peers.byName('telco'), limits = node.config.limits) =>
    new PeerClient({ peer, keyPem: identity.keyPem, certPem: identity.certPem, limits, onPinMismatch: () => {} });
  const handshake = (client: PeerClient, nodeId: string) =>
    client.handshake({ nodeId, nodeName: 'x', protocolVersion: PROTOCOL_VERSION, suites: [nodes.bank.group.suite], software: 'test' });

  /** Starts a run as the bank and sends `frames` after the start; returns the telco's abort. */
  async function hostileRun(frames: RunFrame[], start: Partial<Extract<RunFrame, { frame: 'start' }>['start']> = {}): Promise<RunFrame> {
    const client = clientFor(nodes.bank);
    try {
      const link = client.openRun();
      await link.send({
        frame: 'start',
        start: {
          runId: crypto.randomUUID(),
          agreementId,
          operation: 'overlap',
          receiverSetSize: 1500,
          suite: nodes.bank.group.suite,
          maxBatch: 4096,
          labelColumns: [],
          ...start,
        },
      });
      let answer = await link.receive();
      for (const f of frames) {
        if (answer.frame === 'abort') break;
        await link.send(f);
        answer = await link.receive();
      }
      while (answer.frame !== 'abort') answer = await link.receive();
      return answer;
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    nodes = await startTwoNodes();
    agreementId = await agree(nodes, { exactCounts: true });
    mallory = await createIdentity(join(mkdtempSync(join(tmpdir(), 'mallory-')), 'identity'), 'mallory');
  });
  afterAll(() => nodes?.stop());

  it('refuses a client whose certificate is not pinned, and audits it', async () => {
    const client = clientFor(nodes.bank, mallory);
    try {
      await expect(handshake(client, mallory.nodeId)).rejects.toMatchObject({ code: 'PEER_NOT_PINNED' });
    } finally {
      client.close();
    }
    const refusal = nodes.telco.audit.list({ limit: 1000 }).find((e) => e.action === 'peer.refused');
    // The first refusal from a source is audited at once; more within the minute are summed (peer-flood.test.ts).
    expect(refusal?.details).toMatchObject({ count: 1, methods: { Handshake: 1 }, direction: 'inbound', address: '127.0.0.1' });
  });

  it('refuses a server whose certificate is not the pinned one', async () => {
    // The bank expects the telco's certificate at this address, but mallory's pin is configured.
    const impostorPin = { ...nodes.bank.peers.byName('telco'), nodeId: mallory.nodeId, certPem: mallory.certPem };
    const client = clientFor(nodes.bank, nodes.bank.identity, impostorPin);
    try {
      await expect(handshake(client, nodes.bank.identity.nodeId)).rejects.toMatchObject({ code: 'PEER_NOT_PINNED' });
    } finally {
      client.close();
    }
  });

  it('refuses a protocol version mismatch with a clear error', async () => {
    const client = clientFor(nodes.bank);
    try {
      await expect(
        client.handshake({ nodeId: nodes.bank.identity.nodeId, nodeName: 'bank', protocolVersion: 99, suites: [nodes.bank.group.suite], software: 'x' }),
      ).rejects.toMatchObject({ code: 'PEER_VERSION_MISMATCH', message: expect.stringContaining('protocol version 99') });
    } finally {
      client.close();
    }
  });

  it.each([
    ['an absurd set size', [], { receiverSetSize: 1e12 }, 'PEER_MESSAGE_INVALID'],
    ['an unknown operation', [], { operation: 'dump' }, 'PEER_MESSAGE_INVALID'],
    ['a wrong suite', [], { suite: 'rsa-512' }, 'PEER_MESSAGE_INVALID'],
    ['a ragged point batch', [{ frame: 'blinded', blinded: { index: 0, points: Buffer.alloc(33) } }], {}, 'PEER_MESSAGE_INVALID'],
    ['a batch out of order', [{ frame: 'blinded', blinded: { index: 5, points: Buffer.alloc(64, 9) } }], {}, 'PEER_MESSAGE_INVALID'],
    ['a low-order point', [{ frame: 'blinded', blinded: { index: 0, points: Buffer.alloc(32) } }], {}, 'PSI_POINT_INVALID'],
    ['a label column outside the agreement', [], { operation: 'enrich', labelColumns: ['monthly_spend'] }, 'OPERATION_NOT_ALLOWED'],
    ['labels with overlap', [], { labelColumns: ['plan'] }, 'OPERATION_NOT_ALLOWED'],
    ['a frame of the wrong kind', [{ frame: 'finish', finish: { released: true, count: 1, transcriptHash: 'x' } }], {}, 'PEER_MESSAGE_INVALID'],
  ] as [string, RunFrame[], object, string][])('rejects %s without crashing', async (_label, frames, start, code) => {
    const abort = await hostileRun(frames, start);
    expect(abort).toMatchObject({ frame: 'abort', abort: { code } });
  });

  it('rejects a message larger than the configured limit, and keeps serving', async () => {
    // Our own client would refuse to send it: raise its limit so the server's limit is tested.
    const client = clientFor(nodes.bank, nodes.bank.identity, nodes.bank.peers.byName('telco'), { ...nodes.bank.config.limits, maxMessageBytes: 64 << 20 });
    try {
      const huge = 'x'.repeat(nodes.telco.config.limits.maxMessageBytes + 1);
      await expect(client.proposeAgreement({ termsJson: huge, proposerSignature: null })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      const res = await handshake(client, nodes.bank.identity.nodeId);
      expect(res.nodeId).toBe(nodes.telco.identity.nodeId);
    } finally {
      client.close();
    }
  });

  it('serves the standard gRPC health service to pinned peers', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const telco = nodes.bank.peers.byName('telco');
    const creds = clientCredentials(
      nodes.bank.identity.keyPem,
      nodes.bank.identity.certPem,
      { certificatePem: telco.certPem, fingerprint: telco.nodeId },
      () => {},
    );
    const client = new Health(telco.address, creds, { 'grpc.ssl_target_name_override': 'localhost' }) as unknown as grpc.Client & {
      Check(req: object, cb: (err: Error | null, res: { status: string }) => void): void;
    };
    try {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service: 'mofang.v1.Peer' }, (err, r) => (err ? reject(err) : resolve(r))),
      );
      expect(res.status).toBe('SERVING');
    } finally {
      client.close();
    }
  });

  it('still answers a normal query after all of that', async () => {
    const run = await nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId }, { id: 'test', role: 'operator' });
    expect(run.resultCount).toBe(nodes.data.expectedOverlap);
  });
});
