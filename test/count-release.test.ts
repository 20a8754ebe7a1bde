/**
 * Every released overlap count is protected, on two real nodes (gRPC, mutual TLS): the re-import
 * probe of a curious bank operator (120 known members + 30 made-up numbers, then the same plus
 * the target) no longer tells whether the target is a subscriber; noisy counts spend the data
 * pair's budget on both ledgers; exact counts need the agreement and both nodes' current policy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProposeInput } from '../node/api/services.js';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import { admin, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

const DAY_MS = 86_400_000;

/** The raw phone numbers of a synthetic CSV, as its owner would re-import them. */
const rawPhonesOf = (file: string) => {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const column = header.split(',').indexOf('phone');
  return lines.map((l) => l.split(',')[column].replace(/^"|"$/g, ''));
};

async function propose(nodes: TwoNodes, over: Partial<ProposeInput> = {}): Promise<string> {
  const proposed = await nodes.bank.agreements.propose(
    {
      peer: 'telco',
      title: 'count-release',
      localDataset: 'customers',
      peerDataset: 'subscribers',
      idKind: 'phone',
      operations: ['overlap'],
      // The telco receives the count too: its copy is the querier's release.
      shareOverlapWithAcceptor: true,
      minIntersection: 10,
      // The probe ran with a rate limit: it only slowed the probe down.
      maxQueriesPerDay: 5,
      expiresAt: new Date(nodes.clock.now().getTime() + 30 * DAY_MS).toISOString(),
      ...over,
    },
    admin,
  );
  await nodes.telco.agreements.accept(proposed.id, admin);
  return proposed.id;
}

const outcome = (p: Promise<{ resultCount: number | null }>) =>
  p.then(
    (run) => `released ${run.resultCount}`,
    (err: { code: string }) => err.code,
  );

describe('the re-import probe under default policy and default terms', () => {
  let nodes: TwoNodes;
  let members: string[];
  let madeUp: string[];

  beforeAll(async () => {
    // The shipped policy floors: the bank proposes as an operator would, naming no noise.
    nodes = await startTwoNodes({ bankRows: 600, partnerRows: 400, overlap: 250 }, 'default');
    const partner = new Set(rawPhonesOf(nodes.data.partnerFile).map((p) => normaliseIdentifier('phone', p)));
    const bank = rawPhonesOf(nodes.data.bankFile);
    members = bank.filter((p) => partner.has(normaliseIdentifier('phone', p)));
    madeUp = bank.filter((p) => !partner.has(normaliseIdentifier('phone', p)));
  }, 60_000);
  afterAll(() => nodes?.stop());

  const reimport = async (phones: string[]) => {
    const file = join(nodes.dir, `probe-${phones.length}-${Date.now()}.csv`);
    writeFileSync(file, `phone\n${phones.join('\n')}\n`);
    await nodes.bank.datasets.import({ file, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, admin);
  };
  const overlap = (agreementId: string) => nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId }, operator);

  it('a one-record re-import is refused by the guard whether or not the target is a subscriber; the released count is noisy and charged on both ledgers', async () => {
    const id = await propose(nodes);
    // Defaulted at propose from the bank's policy, signed, and shown to the telco.
    expect(nodes.telco.agreements.get(id).terms).toMatchObject({
      exactCounts: false,
      countNoise: { epsilonPerQuery: 1, budget: { epsilon: 10, periodDays: 30 } },
    });

    const known = members.slice(0, 120);
    const S = [...known, ...madeUp.slice(0, 30)];
    await reimport(S);
    const first = await overlap(id);
    expect(first.count).toMatchObject({ exact: false, epsilon: 1, noiseScale: { mechanism: 'discrete-laplace', value: 1 } });
    expect(first.count!.margin95).toBeGreaterThan(0);
    expect(first.count!.ci95!.low).toBeLessThanOrEqual(first.count!.value);
    expect(first.count!.ci95!.high).toBeGreaterThanOrEqual(first.count!.value);
    expect(first.resultCount).toBe(first.count!.value);
    // Both nodes reserved ε 1 on their ledger of the pair.
    expect(nodes.bank.privacy.budget(id)).toMatchObject({ spent: { epsilon: '1' }, total: { epsilon: '10' } });
    expect(nodes.telco.privacy.budget(id)).toMatchObject({ spent: { epsilon: '1' }, total: { epsilon: '10' } });
    // The audit and the telco's copy carry the noisy release, never an exact count beside it.
    const completed = nodes.bank.audit.list({ limit: 1000, action: 'run.completed' }).find((e) => e.subject === first.id)!;
    expect(completed.details).toMatchObject({ resultCount: first.count!.value, count: { exact: false, value: first.count!.value } });
    expect(nodes.telco.runs.get(first.id)).toMatchObject({ resultCount: first.count!.value, count: first.count });

    // The probe: the same set plus a subscriber, then plus a non-subscriber. Both are refused alike.
    for (const target of [members[120], madeUp[30]]) {
      await reimport([...S, target]);
      expect(await outcome(overlap(id))).toBe('QUERY_TOO_SIMILAR');
      const refused = nodes.bank.runs.list({ limit: 1 })[0];
      expect(refused).toMatchObject({ status: 'failed', resultCount: null, errorCode: 'QUERY_TOO_SIMILAR' });
      // The telco learns only that the result was withheld, and stored no count.
      expect(nodes.telco.runs.get(refused.id)).toMatchObject({ status: 'failed', resultCount: null });
    }
    // Refused before anything was released: the bank spent nothing more.
    expect(nodes.bank.privacy.budget(id).spent.epsilon).toBe('1');
    expect(nodes.bank.audit.list({ limit: 1000, action: 'privacy.refunded' }).length).toBe(2);
  }, 120_000);
});

describe('noisy and exact counts on the pair', () => {
  let nodes: TwoNodes;

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 400, partnerRows: 300, overlap: 150 });
  }, 60_000);
  afterAll(() => nodes?.stop());
  // The tests share the bank–telco pair: each starts in a fresh budget period of it.
  beforeEach(() => {
    nodes.clock.offsetMs += 31 * DAY_MS;
  });

  const overlap = (agreementId: string) => nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId }, operator);

  it("exhausting the pair's budget refuses the next overlap query, also under a second agreement over the same pair", async () => {
    const countNoise = { epsilonPerQuery: 1, budget: { epsilon: 2, periodDays: 30 } };
    const first = await propose(nodes, { countNoise });
    await overlap(first);
    await overlap(first);
    expect(nodes.bank.privacy.budget(first)).toMatchObject({ spent: { epsilon: '2' }, queriesLeft: 0 });
    expect(nodes.telco.privacy.budget(first)).toMatchObject({ spent: { epsilon: '2' }, queriesLeft: 0 });
    expect(await outcome(overlap(first))).toBe('PRIVACY_BUDGET_EXHAUSTED');

    const second = await propose(nodes, { countNoise });
    expect(nodes.telco.agreements.get(second).pair?.budget).toMatchObject({ spent: { epsilon: '2' }, total: { epsilon: '2' } });
    await expect(overlap(second)).rejects.toMatchObject({
      code: 'PRIVACY_BUDGET_EXHAUSTED',
      message: expect.stringContaining('Spent counts every agreement over data pair'),
    });
    // Neither refused run spent anything on either node.
    expect(nodes.bank.privacy.budget(second).spent.epsilon).toBe('2');
    expect(nodes.telco.privacy.budget(second).spent.epsilon).toBe('2');
  }, 120_000);

  it('an exact-count agreement releases the exact count while both policies allow it, and is refused by the responder once its policy no longer does', async () => {
    const id = await propose(nodes, { exactCounts: true });
    expect(nodes.telco.agreements.get(id).terms).not.toHaveProperty('countNoise');
    const run = await overlap(id);
    expect(run.count).toEqual({ value: nodes.data.expectedOverlap, exact: true });
    expect(nodes.telco.runs.get(run.id).count).toEqual({ value: nodes.data.expectedOverlap, exact: true });
    // No budget is spent by exact counts: their protection is the rate limit and the guard.
    for (const node of [nodes.bank, nodes.telco])
      expect(node.audit.list({ limit: 1000, action: 'privacy.spend' }).filter((e) => e.subject === run.id)).toEqual([]);

    nodes.telco.config.policy.allowExactCounts = false;
    try {
      await expect(overlap(id)).rejects.toMatchObject({ code: 'AGREEMENT_BELOW_POLICY', message: expect.stringContaining('policy.allowExactCounts') });
      const refused = nodes.telco.audit.list({ limit: 1000, action: 'run.refused' }).at(-1)!;
      expect(refused.details).toMatchObject({ agreementId: id, code: 'AGREEMENT_BELOW_POLICY' });
      // The querier's own policy is checked before it sends anything.
      nodes.bank.config.policy.allowExactCounts = false;
      const before = nodes.telco.runs.list({ limit: 1000 }).length;
      await expect(overlap(id)).rejects.toMatchObject({ code: 'AGREEMENT_BELOW_POLICY' });
      expect(nodes.telco.runs.list({ limit: 1000 }).length).toBe(before);
    } finally {
      nodes.telco.config.policy.allowExactCounts = true;
      nodes.bank.config.policy.allowExactCounts = true;
    }
  }, 120_000);

  it('enrich still tells its receiver which records matched, but a re-import one matched record away from an earlier enrich is refused by the guard', async () => {
    const id = await propose(nodes, { operations: ['enrich'], shareOverlapWithAcceptor: false, enrichAttribute: 'partner:telco:member' });
    const enrich = () => nodes.bank.jobs.runQuery({ operation: 'enrich', agreementId: id }, operator);
    const first = await enrich();
    expect(first).toMatchObject({ status: 'succeeded', resultCount: nodes.data.expectedOverlap });
    const partner = new Set(rawPhonesOf(nodes.data.partnerFile).map((p) => normaliseIdentifier('phone', p)));
    const bank = rawPhonesOf(nodes.data.bankFile);
    const dropped = bank.find((p) => partner.has(normaliseIdentifier('phone', p)))!;
    const file = join(nodes.dir, 'minus-one.csv');
    writeFileSync(file, `phone\n${bank.filter((p) => p !== dropped).join('\n')}\n`);
    await nodes.bank.datasets.import({ file, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, admin);
    expect(await outcome(enrich())).toBe('QUERY_TOO_SIMILAR');
    // Re-importing the original set repeats the first query: the same matched set passes.
    await nodes.bank.datasets.import({ file: nodes.data.bankFile, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, admin);
    expect(await enrich()).toMatchObject({ status: 'succeeded', resultCount: nodes.data.expectedOverlap });
  }, 120_000);
});
