/**
 * Aggregate queries between two real nodes on loopback (gRPC, mutual TLS): exact sums before
 * noise (a zero-noise source injected into both nodes' session environments, in this test only),
 * grouped results, histograms, suppression, budget refusals (also after a restart), overflow and
 * policy refusals, and hostile homomorphic frames.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregateProposal } from '../node/api/services.js';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import type { MofangNode } from '../node/node.js';
import { agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

function csv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v.replace(/^"|"$/g, '')])));
}

const AGGREGATE: AggregateProposal = {
  columns: [{ column: 'monthly_spend', min: 0, max: 500, scale: 2, buckets: [100, 300] }],
  mechanism: 'discrete-laplace', epsilonPerQuery: 1, budget: { epsilon: 3, periodDays: 30 },
  minGroupSize: 5, minInputSize: 40, maxGroups: 16,
};

/** Both nodes draw zero noise: the test can compare released numbers with exact ones. */
function withoutNoise(node: MofangNode): void {
  const original = node.sessionEnv.bind(node);
  node.sessionEnv = (peer) => ({ ...original(peer), noise: () => 0n });
}

describe('aggregate queries between a bank and a telco node', () => {
  let nodes: TwoNodes;
  let truth: { byCity: Map<string, { count: number; spend: number; buckets: number[] }> };

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 1200, partnerRows: 700, overlap: 400 });
    withoutNoise(nodes.bank);
    withoutNoise(nodes.telco);
    const spendOf = new Map(csv(nodes.data.partnerFile).map((r) => [normaliseIdentifier('phone', r.phone), Number(r.monthly_spend)]));
    const byCity = new Map<string, { count: number; spend: number; buckets: number[] }>();
    for (const r of csv(nodes.data.bankFile)) {
      const spend = spendOf.get(normaliseIdentifier('phone', r.phone));
      const city = byCity.get(r.city) ?? { count: 0, spend: 0, buckets: [0, 0, 0] };
      byCity.set(r.city, city);
      if (spend === undefined) continue;
      city.count++;
      city.spend += Math.round(spend * 100);
      city.buckets[spend < 100 ? 0 : spend < 300 ? 1 : 2]++;
    }
    truth = { byCity };
  }, 60_000);
  afterAll(() => nodes?.stop());

  it('releases exact per-city counts, sums, means and histograms when the noise is zero', async () => {
    const agreementId = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const job = await nodes.bank.awaitJob(nodes.bank.submitJob({ kind: 'aggregate', agreementIds: [agreementId], aggregate: { columns: ['monthly_spend'], histogram: true, groupBy: 'city' } }, operator).id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    const set = nodes.bank.getScoreSet(job.result!.scores!);
    expect(set).toMatchObject({ agreementId, grouping: 'group-by:city', columns: ['monthly_spend'], histogram: true, epsilon: '1', membership: false, mechanism: 'discrete-laplace' });
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
    const telcoRun = nodes.telco.getRun(set.runId);
    expect(telcoRun).toMatchObject({ operation: 'aggregate', role: 'responder', status: 'succeeded', resultCount: null, transcriptHash: nodes.bank.getRun(set.runId).transcriptHash });
    for (const node of [nodes.bank, nodes.telco]) {
      expect(node.privacyBudget(agreementId)).toMatchObject({ period: 0, spent: { epsilon: '1' }, total: { epsilon: '3' }, queriesLeft: 2 });
      expect(node.listAudit({ limit: 1000, action: 'privacy.spend' }).map((e) => e.subject)).toContain(set.runId);
    }
  }, 120_000);
});
