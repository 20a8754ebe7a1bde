/**
 * Acceptances and revocations reach the other node even when it is down at the time: the acceptor
 * records the change locally with a pending delivery, keeps it across its own restart, and a
 * running node delivers it once the peer is back — without any operator action. Two real nodes
 * (gRPC + mTLS on loopback, SQLite files), and the real CLI for the revocation.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementView } from '../node/api/services.js';
import { MofangNode } from '../node/node.js';
import { startNode, type RunningNode } from '../node/runtime.js';
import { mofang } from './support/node-processes.js';
import { admin, startTwoNodes, type TwoNodes } from './support/two-nodes.js';
import { TEST_QUERIES_PER_DAY } from './support/policy.js';

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agreement delivery when the other node is down', () => {
  let nodes: TwoNodes;
  /** The telco after its restart: a new process-level node on the same directory. */
  let telco: MofangNode;
  let running: { bank: RunningNode | null; telco: RunningNode | null };
  let id: string;

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 60, partnerRows: 40, overlap: 20 });
    telco = nodes.telco;
    running = { ...nodes.running };
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'delivery',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap'],
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        minIntersection: 5,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
      admin,
    );
    id = proposed.id;
  });
  afterAll(async () => {
    await running?.bank?.stop();
    await running?.telco?.stop();
    nodes?.bank.close();
    telco?.close();
    if (nodes) rmSync(nodes.dir, { recursive: true, force: true });
  });

  const stopBank = async () => {
    await running.bank!.stop();
    running.bank = null;
  };
  const startBank = async () => {
    running.bank = await startNode(nodes.bank);
  };

  it('accepting while the proposer is stopped leaves the acceptance pending, not lost', async () => {
    await stopBank();
    const accepted = await telco.agreements.accept(id, admin);
    expect(accepted.status).toBe('accepted');
    expect(accepted.delivery).toMatchObject({ action: 'accept', state: 'pending', lastErrorCode: 'PEER_UNREACHABLE' });
    expect(accepted.delivery!.attempts).toBeGreaterThanOrEqual(1);
    expect(nodes.bank.agreements.get(id).status).toBe('proposed');
    expect(telco.audit.list({ limit: 1000, action: 'agreement.delivery_failed' }).map((e) => e.subject)).toContain(id);
  });

  it('the pending delivery survives a restart of the acceptor', async () => {
    await running.telco!.stop();
    telco.close();
    // Short poll and probe intervals so the test does not wait the production 30 s for the probe.
    telco = MofangNode.open(nodes.telcoInit.configFile, { quietLogs: true, now: nodes.clock.now, delivery: { pollMs: 100, probeMs: 200 } });
    expect(telco.agreements.get(id).delivery).toMatchObject({ action: 'accept', state: 'pending' });
    running.telco = await startNode(telco);
  });

  it('once the proposer is back, it becomes accepted on both sides without operator action', async () => {
    await startBank();
    await until('the acceptance to be delivered', () => telco.agreements.get(id).delivery?.state === 'delivered');
    expect(nodes.bank.agreements.get(id).status).toBe('accepted');
    expect(telco.agreements.get(id)).toMatchObject({ status: 'accepted', delivery: { action: 'accept', state: 'delivered' } });
    expect(telco.audit.list({ limit: 1000, action: 'agreement.delivered' }).map((e) => e.subject)).toContain(id);
    const res = await fetch(`${running.telco!.httpUrl}/v1/agreements/${id}`, { headers: { authorization: `Bearer ${nodes.telcoInit.tokens.operator}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).delivery).toMatchObject({ action: 'accept', state: 'delivered', lastErrorCode: 'PEER_UNREACHABLE' });
  });

  it('a revocation made with the CLI while the proposer is stopped is delivered by the running node when it is back', async () => {
    await stopBank();
    const r = mofang(nodes.telcoInit.configFile, 'agreements', 'revoke', id, '--reason', 'campaign ended');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('revoked locally; delivery to bank pending (will retry while the node runs)');
    const shown = JSON.parse(mofang(nodes.telcoInit.configFile, '--json', 'agreements', 'show', id).out) as AgreementView;
    expect(shown).toMatchObject({ status: 'revoked', delivery: { action: 'revoke', state: 'pending', lastErrorCode: 'PEER_UNREACHABLE' } });
    expect(nodes.bank.agreements.get(id).status).toBe('accepted');

    await startBank();
    await until('the revocation to be delivered', () => telco.agreements.get(id).delivery?.state === 'delivered');
    expect(nodes.bank.agreements.get(id)).toMatchObject({ status: 'revoked', revokedBy: telco.identity.nodeId, revokedReason: 'campaign ended' });
    const text = mofang(nodes.telcoInit.configFile, 'agreements', 'show', id).out;
    expect(text).toMatch(/delivery: +delivered \(revocation/);
  });
});
