/**
 * Aggregate queries between two real nodes on loopback (gRPC, mutual TLS): exact sums before
 * noise (a zero-noise source injected into both nodes' session environments, in this test only),
 * grouped results, histograms, suppression, budget refusals (also after a restart), overflow and
 * policy refusals, and hostile homomorphic frames.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AggregateProposal } from '../node/api/services.js';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import { MofangNode } from '../node/node.js';
import type { RunFrame } from '../node/wire/messages.js';
import { startNode } from '../node/runtime.js';
import { runAggregateQuerier } from '../node/session/aggregate-querier.js';
import { groupByAttribute } from '../node/session/group-source.js';
import type { Link } from '../node/session/link.js';
import { matchedSpendByCity, readCsv, type CityTruth } from './support/synthetic-truth.js';
import { agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';
import { nodeDb } from './support/node-db.js';

const DAY_MS = 86_400_000;

const AGGREGATE: AggregateProposal = {
  columns: [{ column: 'monthly_spend', min: 0, max: 500, scale: 2, buckets: [100, 300] }],
  mechanism: 'discrete-laplace',
  epsilonPerQuery: 1,
  budget: { epsilon: 3, periodDays: 30 },
  minGroupSize: 5,
  minInputSize: 40,
  maxGroups: 16,
};

/** Both nodes draw zero noise: the test can compare released numbers with exact ones. */
function withoutNoise(node: MofangNode): void {
  const original = node.sessionEnv.bind(node);
  node.sessionEnv = (peer) => ({ ...original(peer), noise: () => 0n });
}

describe('aggregate queries between a bank and a telco node', () => {
  let nodes: TwoNodes;
  let truth: { byCity: Map<string, CityTruth> };

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 1200, partnerRows: 700, overlap: 400 });
    withoutNoise(nodes.bank);
    withoutNoise(nodes.telco);
    truth = { byCity: matchedSpendByCity(nodes.data) };
  }, 60_000);
  afterAll(() => nodes?.stop());
  // Every test's agreements share the bank–telco data pair, whose budget, released groups and rate
  // limit carry over between agreements: each test starts in a fresh budget period of the pair.
  beforeEach(() => {
    nodes.clock.offsetMs += 31 * DAY_MS;
  });

  const run = async (
    agreementId: string,
    aggregate: { columns: string[]; histogram?: boolean; groupBy?: string; score?: string },
    kind: 'aggregate' | 'score' = 'aggregate',
  ) => nodes.bank.jobs.wait(nodes.bank.jobs.submit({ kind, agreementIds: [agreementId], aggregate }, operator).id);

  it('releases exact per-city counts, sums, means and histograms when the noise is zero', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const job = await nodes.bank.jobs.wait(
      nodes.bank.jobs.submit(
        { kind: 'aggregate', agreementIds: [agreementId], aggregate: { columns: ['monthly_spend'], histogram: true, groupBy: 'city' } },
        operator,
      ).id,
    );
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    const set = nodes.bank.scores.get(job.result!.scores!);
    expect(set).toMatchObject({
      agreementId,
      grouping: 'group-by:city',
      columns: ['monthly_spend'],
      histogram: true,
      epsilon: '1',
      membership: false,
      mechanism: 'discrete-laplace',
    });
    expect(set.groups.map((g) => g.label).sort()).toEqual([...truth.byCity.keys()].sort());
    for (const g of set.groups) {
      const t = truth.byCity.get(g.label)!;
      expect(g.suppressed, g.label).toBe(t.count < 5);
      if (g.suppressed) continue;
      expect(g.count!.value).toBe(t.count);
      const spend = g.columns[0];
      expect(Math.round(spend.sum.value * 100)).toBe(t.spend);
      expect(spend.mean.value).toBeCloseTo(t.spend / 100 / t.count, 6);
      expect(spend.histogram!.counts.map((c) => c.value)).toEqual(t.buckets);
      // Every released number names its noise and a 95 % interval around it.
      expect(spend.sum.noiseScale).toMatchObject({ mechanism: 'discrete-laplace', parameter: 'scale' });
      expect(spend.sum.ci95.low).toBeLessThan(spend.sum.value);
      expect(g.count!.ci95.high).toBeGreaterThan(g.count!.value);
    }
    // Only this test removed the noise: a node's own session environment never carries a noise source.
    expect(MofangNode.prototype.sessionEnv.call(nodes.bank, nodes.bank.peers.byName('telco')).noise).toBeUndefined();
    const telcoRun = nodes.telco.runs.get(set.runId);
    expect(telcoRun).toMatchObject({
      operation: 'aggregate',
      role: 'responder',
      status: 'succeeded',
      resultCount: null,
      transcriptHash: nodes.bank.runs.get(set.runId).transcriptHash,
    });
    for (const node of [nodes.bank, nodes.telco]) {
      // Periods are counted from the epoch for every agreement over the pair (docs/privacy.md).
      expect(node.privacy.budget(agreementId)).toMatchObject({
        period: Math.floor(nodes.clock.now().getTime() / (30 * DAY_MS)),
        spent: { epsilon: '1' },
        total: { epsilon: '3' },
        queriesLeft: 2,
      });
      expect(node.audit.list({ limit: 1000, action: 'privacy.spend' }).map((e) => e.subject)).toContain(set.runId);
    }
  }, 120_000);

  it('groups by saved insight segments: per-segment counts and sums equal the plain ones', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const actor = { id: 'test:operator' };
    await nodes.bank.insight.createSegment({ name: 'agg-young', dataset: 'customers', rule: { attr: 'age', op: 'lte', value: 40 } }, actor);
    await nodes.bank.insight.createSegment({ name: 'agg-older', dataset: 'customers', rule: { attr: 'age', op: 'gt', value: 40 } }, actor);
    const spendOf = new Map(readCsv(nodes.data.partnerFile).map((r) => [normaliseIdentifier('phone', r.phone), Number(r.monthly_spend)]));
    const expected = new Map([
      ['agg-young', { count: 0, spend: 0 }],
      ['agg-older', { count: 0, spend: 0 }],
    ]);
    for (const r of readCsv(nodes.data.bankFile)) {
      const spend = spendOf.get(normaliseIdentifier('phone', r.phone));
      if (spend === undefined || r.age === '') continue;
      const e = expected.get(Number(r.age) <= 40 ? 'agg-young' : 'agg-older')!;
      e.count++;
      e.spend += Math.round(spend * 100);
    }
    const job = await nodes.bank.jobs.wait(
      nodes.bank.jobs.submit(
        { kind: 'aggregate', agreementIds: [agreementId], aggregate: { columns: ['monthly_spend'], segments: ['agg-young', 'agg-older'] } },
        operator,
      ).id,
    );
    expect(job.error).toBeNull();
    const set = nodes.bank.scores.get(job.result!.scores!);
    expect(set.grouping).toBe('segments:agg-young,agg-older');
    expect(set.groups.map((g) => g.label)).toEqual(['agg-young', 'agg-older']);
    for (const g of set.groups) {
      const e = expected.get(g.label)!;
      expect(g.count!.value, g.label).toBe(e.count);
      expect(Math.round(g.columns[0].sum.value * 100), g.label).toBe(e.spend);
    }
    const unknown = await nodes.bank.jobs.wait(
      nodes.bank.jobs.submit(
        { kind: 'aggregate', agreementIds: [agreementId], aggregate: { columns: ['monthly_spend'], segments: ['no-such-segment'] } },
        operator,
      ).id,
    );
    expect(unknown.status).toBe('failed');
    expect(unknown.error).toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
  }, 120_000);

  it('rate limit: an agreement allowing one query per 24 hours refuses the second aggregate query', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE, maxQueriesPerDay: 1 });
    expect(nodes.telco.agreements.get(agreementId).terms.maxQueriesPerDay).toBe(1);
    expect((await run(agreementId, { columns: ['monthly_spend'] })).status).toBe('succeeded');
    const second = await run(agreementId, { columns: ['monthly_spend'] });
    expect(second.status).toBe('failed');
    expect(second.error).toMatchObject({ code: 'QUERY_LIMIT_REACHED', message: expect.stringContaining('allows 1 queries per 24 hours') });
  }, 120_000);

  it('ranks the groups of a score job by noisy count × mean, and tells the bank which records matched when membership is granted', async () => {
    const agreementId = await agree(nodes, { operations: ['enrich', 'aggregate'], aggregate: AGGREGATE });
    const job = await run(agreementId, { columns: ['monthly_spend'], groupBy: 'city', score: 'size-x-mean:monthly_spend' }, 'score');
    expect(job.error).toBeNull();
    const set = nodes.bank.scores.get(job.result!.scores!);
    expect(set).toMatchObject({ membership: true, formula: 'size-x-mean:monthly_spend' });
    const released = set.groups.filter((g) => !g.suppressed);
    for (const g of released) expect(Math.round(g.columns[0].sum.value * 100)).toBe(truth.byCity.get(g.label)!.spend);
    const byRank = [...released].sort((a, b) => a.rank! - b.rank!);
    expect(byRank.map((g) => g.rank)).toEqual(released.map((_, i) => i + 1));
    for (let i = 1; i < byRank.length; i++) expect(byRank[i - 1].score!).toBeGreaterThanOrEqual(byRank[i].score!);
    expect(byRank[0].score).toBeCloseTo(byRank[0].count!.value * byRank[0].columns[0].mean.value, 6);
  }, 120_000);

  it('suppresses every number of a group whose (noisy) count is below minGroupSize', async () => {
    const counts = [...truth.byCity.values()].map((c) => c.count).sort((a, b) => a - b);
    const threshold = counts[Math.floor(counts.length / 2)];
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, minGroupSize: threshold } });
    const set = nodes.bank.scores.get((await run(agreementId, { columns: ['monthly_spend'], groupBy: 'city' })).result!.scores!);
    for (const g of set.groups) {
      const below = truth.byCity.get(g.label)!.count < threshold;
      expect(g.suppressed, g.label).toBe(below);
      if (below) expect(g).toMatchObject({ count: null, columns: [] });
    }
    expect(set.groups.some((g) => g.suppressed) && set.groups.some((g) => !g.suppressed)).toBe(true);
  }, 120_000);

  it('refuses columns and groups the agreement does not allow, before anything is sent', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, maxGroups: 4 } });
    const before = nodes.telco.runs.list({ limit: 1000 }).length;
    const wrongColumn = await run(agreementId, { columns: ['plan'] });
    expect(wrongColumn.error).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', message: expect.stringContaining("column 'plan' is not an aggregate column") });
    const tooMany = await run(agreementId, { columns: ['monthly_spend'], groupBy: 'city' });
    expect(tooMany.error).toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
      message: expect.stringMatching(/\d+ groups requested; aggregate.maxGroups allows 4/),
    });
    const histogramNotAgreed = await agree(nodes, {
      operations: ['overlap', 'aggregate'],
      aggregate: { ...AGGREGATE, columns: [{ column: 'monthly_spend', min: 0, max: 500 }] },
    });
    expect((await run(histogramNotAgreed, { columns: ['monthly_spend'], histogram: true })).error).toMatchObject({
      code: 'OPERATION_NOT_ALLOWED',
      message: expect.stringContaining('no agreed histogram buckets'),
    });
    const small = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, minInputSize: 1000 } });
    expect((await run(small, { columns: ['monthly_spend'], groupBy: 'city' })).error).toMatchObject({
      code: 'INPUT_BELOW_MINIMUM',
      message: expect.stringContaining('aggregate.minInputSize of 1000'),
    });
    expect(nodes.telco.runs.list({ limit: 1000 })).toHaveLength(before);
  }, 120_000);

  it('the value holder enforces the agreement itself: a querier that skips its checks is refused at start', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, maxGroups: 2 } });
    const { client } = await nodes.bank.connect('telco', 'test');
    try {
      const link = client.openRun();
      const start: RunFrame = {
        frame: 'start',
        start: {
          runId: '5a0c6c1e-8c1a-4a59-9a43-5f4a3c2d1e0f',
          agreementId,
          operation: 'aggregate',
          receiverSetSize: 300,
          suite: nodes.bank.group.suite,
          maxBatch: 64,
          labelColumns: [],
          aggregate: { columns: ['monthly_spend'], histogram: false, groupSizes: [100, 100, 100], membership: false, maxGroupsPerRecord: 1, unionSize: 0 },
        },
      };
      await link.send(start);
      const answer = await link.receive();
      expect(answer).toMatchObject({
        frame: 'abort',
        abort: { code: 'OPERATION_NOT_ALLOWED', message: expect.stringContaining('3 groups requested; aggregate.maxGroups allows 2') },
      });
    } finally {
      client.close();
    }
    expect(nodes.telco.audit.list({ limit: 1000, action: 'run.refused' }).at(-1)?.details).toMatchObject({
      operation: 'aggregate',
      code: 'OPERATION_NOT_ALLOWED',
    });
  }, 60_000);

  it('refuses a query whose sums could overflow the plain modulus, before any data is exchanged', async () => {
    const huge: AggregateProposal = {
      ...AGGREGATE,
      columns: [{ column: 'monthly_spend', min: -(2 ** 47), max: 2 ** 47 }],
      epsilonPerQuery: 0.000001,
      budget: { epsilon: 1, periodDays: 30 },
    };
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: huge });
    const job = await run(agreementId, { columns: ['monthly_spend'] });
    expect(job.error).toMatchObject({ code: 'HE_OVERFLOW', message: expect.stringContaining('column monthly_spend') });
    // Refused at its start: the bank refunds its reservation, the telco never reserved.
    expect(nodes.bank.privacy.budget(agreementId).spent.epsilon).toBe('0');
    expect(nodes.telco.privacy.budget(agreementId).spent.epsilon).toBe('0');
  }, 60_000);

  it('refuses the query that would overspend the budget, on either node, also after the value holder restarts', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, budget: { epsilon: 2, periodDays: 30 } } });
    for (let i = 0; i < 2; i++) expect((await run(agreementId, { columns: ['monthly_spend'] })).error).toBeNull();
    const refused = await run(agreementId, { columns: ['monthly_spend'] });
    expect(refused.error).toMatchObject({ code: 'PRIVACY_BUDGET_EXHAUSTED' });
    expect(refused.error!.message).toMatch(
      new RegExp(
        `agreement ${agreementId}: privacy budget period ${Math.floor(nodes.clock.now().getTime() / (30 * DAY_MS))} .*epsilon: 2 spent \\+ 1 requested = 3 exceeds the period's budget of 2`,
      ),
    );
    expect(refused.runIds).toHaveLength(1);
    // Refused by the bank's own ledger: the telco never saw the run.
    expect(() => nodes.telco.runs.get(refused.runIds[0])).toThrow(/no run with id/);

    // Restart the telco: its ledger is in its database and still refuses, even if the bank's
    // ledger were wiped.
    await nodes.running.telco.stop();
    nodes.telco.close();
    const telco = MofangNode.open(nodes.telcoInit.configFile, { quietLogs: true, now: nodes.clock.now });
    withoutNoise(telco);
    nodes.running.telco = await startNode(telco);
    nodes.telco = telco;
    nodeDb(nodes.bank).prepare('DELETE FROM privacy_spends WHERE agreement_id = ?').run(agreementId);
    const byTelco = await run(agreementId, { columns: ['monthly_spend'] });
    expect(byTelco.error).toMatchObject({
      code: 'PRIVACY_BUDGET_EXHAUSTED',
      message: expect.stringMatching(/^peer telco: agreement .*epsilon: 2 spent \+ 1 requested/),
    });
    expect(nodes.bank.privacy.budget(agreementId).spent.epsilon).toBe('0');
    expect(telco.audit.list({ limit: 1000, action: 'privacy.refused' }).at(-1)?.details).toMatchObject({ agreementId, role: 'responder' });
  }, 180_000);

  it('a hostile homomorphic frame fails the run with PEER_MESSAGE_INVALID, and both nodes keep serving', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: { ...AGGREGATE, budget: { epsilon: 10, periodDays: 30 } } });
    const query = { agreementId, columns: ['monthly_spend'], histogram: false, groups: groupByAttribute('city'), actor: 'test' };
    const attempt = async (tamper: (link: Link) => Link) => {
      const { client, peer } = await nodes.bank.connect('telco', 'test');
      try {
        return await runAggregateQuerier(nodes.bank.sessionEnv(peer), tamper(client.openRun()), query).then(
          () => null,
          (err) => err,
        );
      } finally {
        client.close();
      }
    };
    const garbage = (frame: RunFrame, kind: number): RunFrame =>
      frame.frame === 'heChunk' && frame.heChunk.kind === kind
        ? { frame: 'heChunk', heChunk: { ...frame.heChunk, data: Buffer.alloc(frame.heChunk.data.length, 7) } }
        : frame;
    // Our result ciphertexts corrupted on the way out: the telco refuses them.
    const outgoing = await attempt((link) => ({
      ...link,
      stats: link.stats,
      send: (f) => link.send(garbage(f, 4)),
      receive: () => link.receive(),
      end: () => link.end(),
      closed: () => link.closed(),
    }));
    expect(outgoing).toMatchObject({ code: 'PEER_MESSAGE_INVALID', message: expect.stringContaining('peer telco: result') });
    // The telco's ciphertexts corrupted on the way in: the bank refuses them.
    const incoming = await attempt((link) => ({
      ...link,
      stats: link.stats,
      send: (f) => link.send(f),
      receive: async () => garbage(await link.receive(), 3),
      end: () => link.end(),
      closed: () => link.closed(),
    }));
    expect(incoming).toMatchObject({ code: 'PEER_MESSAGE_INVALID', message: expect.stringContaining('ciphertext[0]') });
    const failed = nodes.telco.runs.list({ limit: 2 });
    expect(failed.every((r) => r.status === 'failed')).toBe(true);
    // Still serving: a clean run succeeds.
    const { client, peer } = await nodes.bank.connect('telco', 'test');
    try {
      const set = await runAggregateQuerier(nodes.bank.sessionEnv(peer), client.openRun(), { ...query, groups: groupByAttribute('city') });
      expect(set.groups.length).toBe(truth.byCity.size);
    } finally {
      client.close();
    }
  }, 180_000);
});
