/**
 * A query outside an accepted, unexpired agreement is refused by both sides: the querier refuses
 * locally, and a querier that skips its own check (a raw Run stream) is refused by the responder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MofangNode } from '../node/node.js';
import { PeerClient } from '../node/peer/client.js';
import type { RunFrame } from '../node/wire/messages.js';
import { admin, agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';
import { TEST_QUERIES_PER_DAY } from './support/policy.js';

/** Sends a start frame for `agreementId` straight to the telco and returns its answer. */
async function rawStart(from: MofangNode, agreementId: string): Promise<RunFrame> {
  const client = new PeerClient({
    peer: from.peers.byName('telco'),
    keyPem: from.identity.keyPem,
    certPem: from.identity.certPem,
    limits: from.config.limits,
    onPinMismatch: () => {},
  });
  try {
    const link = client.openRun();
    await link.send({
      frame: 'start',
      start: {
        runId: crypto.randomUUID(),
        agreementId,
        operation: 'overlap',
        receiverSetSize: 1500,
        suite: from.group.suite,
        maxBatch: 4096,
        labelColumns: [],
      },
    });
    return await link.receive();
  } finally {
    client.close();
  }
}

describe('agreement enforcement on both nodes', () => {
  let nodes: TwoNodes;
  beforeAll(async () => {
    nodes = await startTwoNodes();
  });
  afterAll(() => nodes?.stop());

  it('refuses a query without any agreement, on both sides', async () => {
    const missing = crypto.randomUUID();
    await expect(nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: missing }, operator)).rejects.toMatchObject({ code: 'AGREEMENT_NOT_FOUND' });
    const answer = await rawStart(nodes.bank, missing);
    expect(answer).toMatchObject({ frame: 'abort', abort: { code: 'AGREEMENT_NOT_FOUND' } });
    expect(nodes.telco.audit.list({ limit: 1000 }).some((e) => e.action === 'run.refused')).toBe(true);
  });

  it('refuses a proposed but not yet accepted agreement, on both sides', async () => {
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'pending-one',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap'],
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        minIntersection: 10,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
      admin,
    );
    await expect(nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: proposed.id }, operator)).rejects.toMatchObject({
      code: 'AGREEMENT_NOT_ACCEPTED',
    });
    expect(await rawStart(nodes.bank, proposed.id)).toMatchObject({ frame: 'abort', abort: { code: 'AGREEMENT_NOT_ACCEPTED' } });
  });

  it('refuses an operation the agreement does not allow', async () => {
    const id = await agree(nodes, { operations: ['overlap'] });
    await expect(nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId: id }, operator)).rejects.toMatchObject({ code: 'OPERATION_NOT_ALLOWED' });
  });

  it('refuses an expired agreement, on both sides', async () => {
    const id = await agree(nodes, { expiresInDays: 1 });
    nodes.clock.offsetMs = 2 * 86_400_000;
    try {
      await expect(nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: id }, operator)).rejects.toMatchObject({ code: 'AGREEMENT_EXPIRED' });
      expect(await rawStart(nodes.bank, id)).toMatchObject({ frame: 'abort', abort: { code: 'AGREEMENT_EXPIRED' } });
    } finally {
      nodes.clock.offsetMs = 0;
    }
  });

  it('a revocation by the partner reaches the bank, and both refuse', async () => {
    const id = await agree(nodes);
    await nodes.telco.agreements.revoke(id, 'campaign ended', admin);
    expect(nodes.bank.agreements.get(id).status).toBe('revoked');
    await expect(nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: id }, operator)).rejects.toMatchObject({ code: 'AGREEMENT_REVOKED' });
    expect(await rawStart(nodes.bank, id)).toMatchObject({ frame: 'abort', abort: { code: 'AGREEMENT_REVOKED' } });
    for (const node of [nodes.bank, nodes.telco]) {
      expect(node.audit.list({ limit: 1000 }).some((e) => e.action.startsWith('agreement.revoked') && e.subject === id)).toBe(true);
    }
  });
});
