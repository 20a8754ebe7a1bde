/** Two real nodes on loopback, gRPC with mutual TLS: overlap and enrich give exact results. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import { agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

function phonesOf(csvFile: string): Set<string> {
  const [header, ...lines] = readFileSync(csvFile, 'utf8').trim().split('\n');
  const col = header.split(',').indexOf('phone');
  return new Set(lines.map((l) => normaliseIdentifier('phone', l.split(',')[col].replace(/^"|"$/g, ''))));
}

describe('joint queries between a bank and a telco node', () => {
  let nodes: TwoNodes;
  let agreementId: string;
  let expected: Set<string>;

  beforeAll(async () => {
    nodes = await startTwoNodes();
    agreementId = await agree(nodes);
    const partner = phonesOf(nodes.data.partnerFile);
    expected = new Set([...phonesOf(nodes.data.bankFile)].filter((p) => partner.has(p)));
  });
  afterAll(() => nodes?.stop());

  it('overlap returns exactly the size of the intersection, to both parties as agreed', async () => {
    expect(expected.size).toBe(nodes.data.expectedOverlap);
    const run = await nodes.bank.runQuery({ operation: 'overlap', agreementId }, operator);
    expect(run.status).toBe('succeeded');
    expect(run.resultCount).toBe(expected.size);
    const partnerSide = nodes.telco.getRun(run.id);
    expect(partnerSide).toMatchObject({ role: 'responder', status: 'succeeded', resultCount: expected.size, transcriptHash: run.transcriptHash });
    expect(run.messagesSent).toBeGreaterThan(0);
    expect(run.bytesReceived).toBeGreaterThan(0);
  });

  it('enrich marks exactly the matched bank customers; the telco learns no count', async () => {
    const run = await nodes.bank.runQuery({ operation: 'enrich', agreementId }, operator);
    expect(run.resultCount).toBe(expected.size);
    const marked = nodes.bank.db
      .prepare("SELECT id_norm FROM joint_attributes WHERE dataset = 'customers' AND name = 'partner:telco:active' AND value = 'true'")
      .pluck().all() as string[];
    expect(new Set(marked)).toEqual(expected);
    const partnerSide = nodes.telco.getRun(run.id);
    expect(partnerSide.resultCount).toBeNull();
    expect(partnerSide.peerSize).toBe(phonesOf(nodes.data.bankFile).size);
  });

  it('both nodes hold each other\'s signed receipt and their audit logs verify, including peer-held checkpoints', async () => {
    const runs = nodes.bank.listRuns({});
    for (const run of runs) {
      const bankReceipts = nodes.bank.db.prepare('SELECT signer FROM receipts WHERE run_id = ?').pluck().all(run.id);
      const telcoReceipts = nodes.telco.db.prepare('SELECT signer FROM receipts WHERE run_id = ?').pluck().all(run.id);
      expect(bankReceipts).toEqual([nodes.telco.identity.nodeId]);
      expect(telcoReceipts).toEqual([nodes.bank.identity.nodeId]);
    }
    for (const node of [nodes.bank, nodes.telco]) {
      const report = await node.verifyAudit({ withPeers: true });
      expect(report.ok, JSON.stringify(report.firstBad)).toBe(true);
      const actions = node.listAudit({ limit: 1000 }).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['dataset.imported', 'run.started', 'run.completed']));
    }
  });

  it('no raw identifier appears in either audit log', () => {
    const sample = [...expected].slice(0, 20);
    for (const node of [nodes.bank, nodes.telco]) {
      const text = JSON.stringify(node.listAudit({ limit: 1000 }));
      for (const phone of sample) expect(text).not.toContain(phone.replace('+', ''));
    }
  });

  it('a result below the agreement minimum is withheld on both sides', async () => {
    const strict = await agree(nodes, { minIntersection: expected.size + 1 });
    await expect(nodes.bank.runQuery({ operation: 'overlap', agreementId: strict }, operator)).rejects.toMatchObject({ code: 'RESULT_BELOW_MINIMUM' });
    const [bankRun] = nodes.bank.listRuns({ limit: 1 });
    expect(bankRun).toMatchObject({ status: 'failed', resultCount: null, errorCode: 'RESULT_BELOW_MINIMUM' });
    expect(nodes.telco.getRun(bankRun.id)).toMatchObject({ status: 'failed', resultCount: null, errorCode: 'RESULT_BELOW_MINIMUM' });
  });
});
