/**
 * Text a pinned peer sends — abort reasons, error messages, agreement ids — is data: capped,
 * stripped and redacted where it enters the node, and it can never stop an audit entry. Each
 * attack runs against real nodes over gRPC with mutual TLS; the hostile party is a real gRPC
 * client or server holding a pinned certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Peer } from '../node/peer/directory.js';
import { PeerClient } from '../node/peer/client.js';
import { startPeerServer, type PeerHandlers } from '../node/peer/server.js';
import { PROTOCOL_VERSION, type RunFrame } from '../node/wire/messages.js';
import { runQuerier } from '../node/session/psi-querier.js';
import { UNTRUSTED_TEXT_MAX } from '../node/text/untrusted.js';
import { signTerms } from '../node/agreements/signing.js';
import { TEST_QUERIES_PER_DAY } from './support/policy.js';
import { admin, agree, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

const PHONE = '13800138000';
// A megabyte of text with a phone number, a bidi override and a newline inside.
const HOSTILE = `call ${PHONE} \u202Enow\n${'x'.repeat(1_000_000)}`;

describe('text from a pinned peer', () => {
  let nodes: TwoNodes;
  let agreementId: string;

  const bankClient = (peer: Peer = nodes.bank.peers.byName('telco')) =>
    new PeerClient({
      peer,
      keyPem: nodes.bank.identity.keyPem,
      certPem: nodes.bank.identity.certPem,
      limits: nodes.bank.config.limits,
      onPinMismatch: () => {},
    });
  const auditOf = (node: TwoNodes['bank'], subject: string) => node.audit.list({ limit: 1000 }).filter((e) => e.subject === subject);

  beforeAll(async () => {
    nodes = await startTwoNodes();
    agreementId = await agree(nodes);
  });
  afterAll(() => nodes?.stop());

  it("a querier's megabyte abort with a phone number in it: the responder stores it capped and redacted, and audits run.failed", async () => {
    const runId = crypto.randomUUID();
    const client = bankClient();
    try {
      const link = client.openRun();
      await link.send({
        frame: 'start',
        start: { runId, agreementId, operation: 'overlap', receiverSetSize: 1500, suite: nodes.bank.group.suite, maxBatch: 4096, labelColumns: [] },
      });
      expect((await link.receive()).frame).toBe('accept');
      await link.send({ frame: 'abort', abort: { code: 'PEER_GAVE_UP', message: HOSTILE } });
      link.end();
      await link.closed();
    } finally {
      client.close();
    }
    await expect.poll(() => nodes.telco.runs.get(runId).status).toBe('failed');
    const run = nodes.telco.runs.get(runId);
    expect(run.errorCode).toBe('PEER_REFUSED');
    expect(run.errorMessage!.length).toBeLessThanOrEqual(UNTRUSTED_TEXT_MAX + 'peer bank: '.length);
    expect(run.errorMessage).toContain('[redacted mobile phone number]');
    expect(run.errorMessage).not.toMatch(/13800138000|\u202E|\n/);

    await expect.poll(() => auditOf(nodes.telco, runId).map((e) => e.action)).toContain('run.failed');
    const failed = auditOf(nodes.telco, runId).find((e) => e.action === 'run.failed')!;
    expect(failed.details).toMatchObject({ code: 'PEER_REFUSED', reason: expect.stringContaining('[redacted mobile phone number]') });
    expect(JSON.stringify(failed.details)).not.toContain(PHONE);
  });

  it('a run asking for an agreement id that looks like a phone number is refused, and the refusal is audited', async () => {
    const client = bankClient();
    let abort: RunFrame | undefined;
    try {
      const link = client.openRun();
      await link.send({
        frame: 'start',
        start: {
          runId: crypto.randomUUID(),
          agreementId: PHONE,
          operation: 'overlap',
          receiverSetSize: 1500,
          suite: nodes.bank.group.suite,
          maxBatch: 4096,
          labelColumns: [],
        },
      });
      abort = await link.receive();
    } finally {
      client.close();
    }
    expect(abort).toMatchObject({ frame: 'abort', abort: { code: 'AGREEMENT_NOT_FOUND' } });
    const refusal = () => nodes.telco.audit.list({ limit: 1000 }).find((e) => e.action === 'run.refused' && e.details.code === 'AGREEMENT_NOT_FOUND');
    await expect.poll(refusal).toBeDefined();
    const entry = refusal()!;
    expect(entry.subject).toBe('[redacted mobile phone number]');
    expect(entry.details).toMatchObject({ agreementId: '[redacted mobile phone number]', reason: expect.not.stringContaining(PHONE) });
  });

  it("a responder's abort with a phone number: the querier's run fails with the peer's code, stored and audited redacted", async () => {
    // A hostile telco: the real server code with the telco's pinned identity, answering every run with the abort.
    const handlers: PeerHandlers = {
      handshake: () => ({
        nodeId: nodes.telco.identity.nodeId,
        nodeName: 'telco',
        protocolVersion: PROTOCOL_VERSION,
        suite: nodes.telco.group.suite,
        software: 'hostile',
      }),
      proposeAgreement: () => {
        throw new Error('unused');
      },
      acceptAgreement: () => {
        throw new Error('unused');
      },
      revokeAgreement: () => {
        throw new Error('unused');
      },
      getCheckpoint: () => {
        throw new Error('unused');
      },
      refused: () => {},
      run: async (_peer, link) => {
        await link.receive();
        await link.send({ frame: 'abort', abort: { code: 'NOT_TODAY', message: HOSTILE } });
        link.end();
        await link.closed();
      },
    };
    const hostile = await startPeerServer({
      listen: '127.0.0.1:0',
      keyPem: nodes.telco.identity.keyPem,
      certPem: nodes.telco.identity.certPem,
      peers: nodes.telco.peers,
      limits: nodes.telco.config.limits,
      handlers,
    });
    const client = bankClient({ ...nodes.bank.peers.byName('telco'), address: `127.0.0.1:${hostile.port}` });
    try {
      const env = nodes.bank.sessionEnv(nodes.bank.peers.byName('telco'));
      const error = await runQuerier(env, client.openRun(), { agreementId, operation: 'overlap', actor: 'test:operator' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PEER_REFUSED', details: { peerCode: 'NOT_TODAY' } });
      const run = nodes.bank.runs.list({ limit: 5 }).find((r) => r.errorCode === 'PEER_REFUSED' && r.role === 'querier')!;
      expect(run.status).toBe('failed');
      expect(run.errorMessage!.length).toBeLessThanOrEqual(UNTRUSTED_TEXT_MAX + 'peer telco: '.length);
      expect(run.errorMessage).not.toContain(PHONE);
      const actions = auditOf(nodes.bank, run.id).map((e) => e.action);
      // The noisy overlap count's reservation is refunded: the peer refused before accepting.
      expect(actions).toEqual(['privacy.spend', 'run.started', 'privacy.refunded', 'run.failed']);
    } finally {
      client.close();
      await hostile.close();
    }
  });

  it('a revocation whose signed reason holds a phone number is recorded by both nodes, the reason redacted in the audit', async () => {
    const id = await agree(nodes);
    await nodes.bank.agreements.revoke(id, `customer ${PHONE} complained`, admin);
    await expect.poll(() => nodes.telco.agreements.get(id).status).toBe('revoked');
    for (const node of [nodes.bank, nodes.telco]) {
      const entry = auditOf(node, id).find((e) => e.action === 'agreement.revoked');
      expect(entry?.details).toMatchObject({ reason: 'customer [redacted mobile phone number] complained' });
    }
  });

  it('an acceptance whose override list is hostile: too many entries are refused; each entry is capped and redacted before it is stored, audited or shown', async () => {
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'override-text',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap'],
        minIntersection: 10,
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        expiresAt: new Date(nodes.clock.now().getTime() + 30 * 86_400_000).toISOString(),
      },
      admin,
    );
    const terms = nodes.telco.agreements.stored(proposed.id).terms;
    const sig = signTerms(terms, nodes.telco.identity, nodes.clock.now());
    const telcoClient = new PeerClient({
      peer: nodes.telco.peers.byName('bank'),
      keyPem: nodes.telco.identity.keyPem,
      certPem: nodes.telco.identity.certPem,
      limits: nodes.telco.config.limits,
      onPinMismatch: () => {},
    });
    const acceptance = (acceptorPolicyOverride: string[]) =>
      telcoClient.acceptAgreement({
        agreementId: proposed.id,
        termsHash: proposed.termsHash,
        acceptorSignature: { signer: sig.signer, signature: Buffer.from(sig.signature, 'base64'), at: sig.at },
        acceptorPolicyOverride,
      });
    try {
      await expect(acceptance(Array.from({ length: 33 }, () => 'x'))).rejects.toMatchObject({ code: 'PEER_MESSAGE_INVALID' });
      expect(nodes.bank.agreements.get(proposed.id).status).toBe('proposed');
      await acceptance([HOSTILE]);
    } finally {
      telcoClient.close();
    }
    const stored = nodes.bank.agreements.get(proposed.id);
    expect(stored.status).toBe('accepted');
    const [issue] = stored.acceptorPolicyOverride!;
    expect(issue.length).toBeLessThanOrEqual(UNTRUSTED_TEXT_MAX);
    expect(issue).not.toContain(PHONE);
    expect(issue).not.toMatch(/[\u202E\n]/);
    const entry = auditOf(nodes.bank, proposed.id).find((e) => e.action === 'agreement.accepted');
    expect(JSON.stringify(entry?.details)).not.toContain(PHONE);
  });
});
