/** Two real nodes on loopback, gRPC with mutual TLS: overlap and enrich give exact results. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import type { MofangNode } from '../node/node.js';
import { profileCatalogue } from '../node/insight/profiles/catalogue.js';
import { readProfileColumns } from '../node/insight/profiles/read.js';
import { admin, agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';
import { nodeDb } from './support/node-db.js';
import { TEST_QUERIES_PER_DAY } from './support/policy.js';

function phonesOf(csvFile: string): Set<string> {
  const [header, ...lines] = readFileSync(csvFile, 'utf8').trim().split('\n');
  const col = header.split(',').indexOf('phone');
  return new Set(lines.map((l) => normaliseIdentifier('phone', l.split(',')[col].replace(/^"|"$/g, ''))));
}

/** One attribute's profile column, as the decision tree reads it (1 true, 0 false, NaN unset). */
async function profileValues(node: MofangNode, name: string): Promise<number[]> {
  const catalogue = await profileCatalogue(nodeDb(node), 'customers', new Date());
  const [column] = readProfileColumns(nodeDb(node), catalogue, [name]).columns;
  if (column.type !== 'boolean') throw new Error(`${name} is ${column.type}`);
  return Array.from(column.values);
}

describe('joint queries between a bank and a telco node', () => {
  let nodes: TwoNodes;
  let agreementId: string;
  let expected: Set<string>;

  beforeAll(async () => {
    nodes = await startTwoNodes();
    // The exact intersection is the point here: an exact-count agreement, which the test policy allows.
    agreementId = await agree(nodes, { exactCounts: true });
    const partner = phonesOf(nodes.data.partnerFile);
    expected = new Set([...phonesOf(nodes.data.bankFile)].filter((p) => partner.has(p)));
  });
  afterAll(() => nodes?.stop());

  it('overlap returns exactly the size of the intersection, to both parties as agreed', async () => {
    expect(expected.size).toBe(nodes.data.expectedOverlap);
    const run = await nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId }, operator);
    expect(run.status).toBe('succeeded');
    expect(run.resultCount).toBe(expected.size);
    expect(run.count).toEqual({ value: expected.size, exact: true });
    const partnerSide = nodes.telco.runs.get(run.id);
    expect(partnerSide).toMatchObject({ role: 'responder', status: 'succeeded', resultCount: expected.size, transcriptHash: run.transcriptHash });
    expect(run.messagesSent).toBeGreaterThan(0);
    expect(run.bytesReceived).toBeGreaterThan(0);
  });

  it('enrich marks exactly the matched bank customers; the telco learns no count', async () => {
    const run = await nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId }, operator);
    expect(run.resultCount).toBe(expected.size);
    const marked = nodeDb(nodes.bank)
      .prepare("SELECT id_norm FROM joint_attributes WHERE dataset = 'customers' AND name = 'partner:telco:active' AND value = 'true'")
      .pluck()
      .all() as string[];
    expect(new Set(marked)).toEqual(expected);
    const partnerSide = nodes.telco.runs.get(run.id);
    expect(partnerSide.resultCount).toBeNull();
    expect(partnerSide.peerSize).toBe(phonesOf(nodes.data.bankFile).size);
  });

  it('enrich marks every other customer of the input set false; segments and profile columns read false as "not a partner customer"', async () => {
    const bankPhones = phonesOf(nodes.data.bankFile);
    const values = new Map(
      nodeDb(nodes.bank).prepare("SELECT id_norm, value FROM joint_attributes WHERE dataset = 'customers' AND name = 'partner:telco:active'").raw().all() as [
        string,
        string,
      ][],
    );
    expect(values.size).toBe(bankPhones.size);
    for (const phone of bankPhones) expect(values.get(phone)).toBe(expected.has(phone) ? 'true' : 'false');

    const segment = async (name: string, rule: object) =>
      (await nodes.bank.insight.createSegment({ name, dataset: 'customers', rule: rule as never }, operator)).latest?.size;
    expect(await segment('partner', { attr: 'partner:telco:active', op: 'eq', value: true })).toBe(expected.size);
    expect(await segment('not-partner', { attr: 'partner:telco:active', op: 'eq', value: false })).toBe(bankPhones.size - expected.size);
    expect(await segment('unknown', { attr: 'partner:telco:active', op: 'isNotSet' })).toBe(0);
    // What a decision tree trains on: the profile column has both classes, not a 100 % base rate.
    const column = await profileValues(nodes.bank, 'partner:telco:active');
    expect(column.filter((v) => v === 1).length).toBe(expected.size);
    expect(column.filter((v) => v === 0).length).toBe(bankPhones.size - expected.size);
  });

  it("both nodes hold each other's signed receipt and their audit logs verify, including peer-held checkpoints", async () => {
    const runs = nodes.bank.runs.list({});
    for (const run of runs) {
      const bankReceipts = nodeDb(nodes.bank).prepare('SELECT signer FROM receipts WHERE run_id = ?').pluck().all(run.id);
      const telcoReceipts = nodeDb(nodes.telco).prepare('SELECT signer FROM receipts WHERE run_id = ?').pluck().all(run.id);
      expect(bankReceipts).toEqual([nodes.telco.identity.nodeId]);
      expect(telcoReceipts).toEqual([nodes.bank.identity.nodeId]);
    }
    for (const node of [nodes.bank, nodes.telco]) {
      const report = await node.audit.verify({ withPeers: true });
      expect(report.ok, JSON.stringify(report.firstBad)).toBe(true);
      const actions = node.audit.list({ limit: 1000 }).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['dataset.imported', 'run.started', 'run.completed']));
    }
  });

  it('the partner evaluates its set once per key epoch for enrich, but draws a fresh key for every overlap-only query', async () => {
    const completed = () =>
      nodes.telco.audit
        .list({ limit: 1000, action: 'run.completed' })
        .map((e) => e.details as { operation: string; keyEpoch: number; fyCached: boolean; agreementId: string });
    const enrichAgreement = await agree(nodes, { operations: ['enrich'] });
    await nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId: enrichAgreement }, operator);
    await nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId: enrichAgreement }, operator);
    const enrichRuns = completed().filter((d) => d.agreementId === enrichAgreement);
    expect(enrichRuns.map((d) => [d.keyEpoch, d.fyCached])).toEqual([
      [1, false],
      [1, true],
    ]);
    const overlapOnly = await agree(nodes, { operations: ['overlap'] });
    await nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: overlapOnly }, operator);
    await nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: overlapOnly }, operator);
    expect(
      completed()
        .filter((d) => d.agreementId === overlapOnly)
        .map((d) => [d.keyEpoch, d.fyCached]),
    ).toEqual([
      [0, false],
      [0, false],
    ]);
  });

  it('no raw identifier appears in either audit log', () => {
    const sample = [...expected].slice(0, 20);
    for (const node of [nodes.bank, nodes.telco]) {
      const text = JSON.stringify(node.audit.list({ limit: 1000 }));
      for (const phone of sample) expect(text).not.toContain(phone.replace('+', ''));
    }
  });

  it('a result below the agreement minimum is withheld on both sides', async () => {
    const strict = await agree(nodes, { minIntersection: expected.size + 1 });
    await expect(nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: strict }, operator)).rejects.toMatchObject({ code: 'RESULT_BELOW_MINIMUM' });
    const [bankRun] = nodes.bank.runs.list({ limit: 1 });
    expect(bankRun).toMatchObject({ status: 'failed', resultCount: null, errorCode: 'RESULT_BELOW_MINIMUM' });
    expect(nodes.telco.runs.get(bankRun.id)).toMatchObject({ status: 'failed', resultCount: null, errorCode: 'RESULT_BELOW_MINIMUM' });
  });

  it('customers added by a later re-import have no enrich value (unknown), not false', async () => {
    const bankPhones = phonesOf(nodes.data.bankFile);
    const extended = join(dirname(nodes.data.bankFile), 'bank-extended.csv');
    const [header, ...lines] = readFileSync(nodes.data.bankFile, 'utf8').trim().split('\n');
    const width = header.split(',').length;
    const extra = ['+86 199 0000 0001', '+86 199 0000 0002'].map((phone) =>
      header
        .split(',')
        .map((c, i) => (c === 'phone' ? phone : i === 0 ? `N${phone.slice(-1)}` : lines[0].split(',')[i]))
        .slice(0, width)
        .join(','),
    );
    writeFileSync(extended, `${[header, ...lines, ...extra].join('\n')}\n`);
    await nodes.bank.datasets.import({ file: extended, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, admin);
    const column = await profileValues(nodes.bank, 'partner:telco:active');
    expect(column.filter((v) => Number.isNaN(v)).length).toBe(2);
    expect(column.filter((v) => v === 0).length).toBe(bankPhones.size - expected.size);
    const unknown = await nodes.bank.insight.createSegment(
      { name: 'unknown-after-reimport', dataset: 'customers', rule: { attr: 'partner:telco:active', op: 'isNotSet' } },
      operator,
    );
    expect(unknown.latest?.size).toBe(2);
  });
});

describe('enrich with partner labels', () => {
  let nodes: TwoNodes;
  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 1200, partnerRows: 900, overlap: 250 });
  });
  afterAll(() => nodes?.stop());

  const partnerRows = () => {
    const [header, ...lines] = readFileSync(nodes.data.partnerFile, 'utf8').trim().split('\n');
    const cols = header.split(',');
    return new Map(
      lines.map((l) => {
        const f = l.split(',');
        const get = (c: string) => f[cols.indexOf(c)];
        return [normaliseIdentifier('phone', get('phone')), { plan: get('plan'), active: get('active') === 'true', spend: Number(get('monthly_spend')) }];
      }),
    );
  };

  it('delivers the agreed labels of matched customers only, as local attributes', async () => {
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'labels',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['enrich'],
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        minIntersection: 10,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        enrichAttribute: 'partner:telco',
        labels: [
          { column: 'plan', type: 'category', maxBytes: 24 },
          { column: 'active', type: 'boolean' },
          { column: 'monthly_spend', type: 'number' },
        ],
      },
      admin,
    );
    await nodes.telco.agreements.accept(proposed.id, admin);
    const run = await nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId: proposed.id }, operator);
    expect(run.resultCount).toBe(nodes.data.expectedOverlap);
    const truth = partnerRows();
    const read = (name: string) =>
      new Map(
        nodeDb(nodes.bank).prepare("SELECT id_norm, value FROM joint_attributes WHERE dataset = 'customers' AND name = ?").raw().all(name) as [
          string,
          string,
        ][],
      );
    const plans = read('partner:telco.plan');
    const active = read('partner:telco.active');
    const spend = read('partner:telco.monthly_spend');
    expect(plans.size).toBe(nodes.data.expectedOverlap);
    for (const [id, plan] of plans) {
      expect(JSON.parse(plan)).toBe(truth.get(id)!.plan);
      expect(JSON.parse(active.get(id)!)).toBe(truth.get(id)!.active);
      expect(JSON.parse(spend.get(id)!)).toBeCloseTo(truth.get(id)!.spend);
    }
  });

  it('refuses a label column that is not in the agreement, on both sides', async () => {
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'labels2',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['enrich'],
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        minIntersection: 10,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        labels: [{ column: 'active', type: 'boolean' }],
      },
      admin,
    );
    await nodes.telco.agreements.accept(proposed.id, admin);
    const agreement = nodes.bank.agreements.get(proposed.id);
    const { runQuerier } = await import('../node/session/psi-querier.js');
    const { client, peer } = await nodes.bank.connect('telco', 'test');
    try {
      await expect(
        runQuerier(nodes.bank.sessionEnv(peer), client.openRun(), { agreementId: agreement.id, operation: 'enrich', actor: 'test', labels: ['monthly_spend'] }),
      ).rejects.toMatchObject({ code: 'OPERATION_NOT_ALLOWED', message: expect.stringContaining('monthly_spend') });
    } finally {
      client.close();
    }
  });
});
