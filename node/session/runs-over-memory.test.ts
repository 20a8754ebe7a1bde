import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { formatScoreFormula, parseScoreFormula, rankGroups } from '../jobs/score-formula.js';
import { listScoreSets } from '../scores/joint-scores.js';
import { sampleAggregateDraft, sampleLabelledDraft } from '../../test/support/agreements.js';
import { type SessionNode, type SessionPair, sessionPair } from '../../test/support/session-pair.js';
import { matchedSpendByCity } from '../../test/support/synthetic-truth.js';
import { runAggregateQuerier, type AggregateQuery } from './aggregate-querier.js';
import type { JobHooks } from './env.js';
import { groupByAttribute } from './group-source.js';
import { runQuerier } from './psi-querier.js';
import { getRun, requestRunCancel } from './runs.js';

// Sessions of both roles in one process over the memory link: what each run kind stores and audits
// on each side, and how refusals and aborts close both runs. No timing assertions.

let pair: SessionPair;
const future = () => new Date(pair.clock.now().getTime() + 30 * 86_400_000).toISOString();

/** Overlap + enrich terms, shared with the telco too, with `active` and `plan` as labels. */
const psiTerms =
  (minIntersection = 20) =>
  (bank: string, telco: string) =>
    sampleLabelledDraft(bank, telco, {
      expiresAt: future(),
      minIntersection,
      parties: {
        proposer: { nodeId: bank, name: 'Bank', dataset: 'customers', columns: ['phone'] },
        acceptor: { nodeId: telco, name: 'Telco', dataset: 'subscribers', columns: ['phone', 'active', 'plan'] },
      },
      labels: [
        { column: 'active', type: 'boolean' },
        { column: 'plan', type: 'category', maxBytes: 16 },
      ],
    });

const aggregateTerms = (bank: string, telco: string) =>
  sampleAggregateDraft(bank, telco, {
    expiresAt: future(),
    minIntersection: 20,
    parties: {
      proposer: { nodeId: bank, name: 'Bank', dataset: 'customers', columns: ['phone'] },
      acceptor: { nodeId: telco, name: 'Telco', dataset: 'subscribers', columns: ['phone'] },
    },
    aggregate: {
      columns: [{ column: 'monthly_spend', min: 0, max: 500, scale: 2, buckets: [100, 300] }],
      mechanism: 'discrete-laplace',
      epsilonPerQuery: 1,
      budget: { epsilon: 10, periodDays: 30 },
      minGroupSize: 5,
      minInputSize: 20,
      maxGroups: 16,
    },
  });

const byCity = (agreementId: string, over: Partial<AggregateQuery> = {}): AggregateQuery => ({
  agreementId,
  columns: ['monthly_spend'],
  histogram: true,
  groups: groupByAttribute('city'),
  actor: 'test:operator',
  ...over,
});

const receiptSigners = (node: SessionNode, runId: string) =>
  (node.db.prepare('SELECT signer FROM receipts WHERE run_id = ?').pluck().all(runId) as string[]).sort();

/** The run's row and audit entries agree on both sides: what a completed run leaves behind. */
function expectCompletedOnBoth(runId: string, operation: string) {
  const querier = getRun(pair.bank.db, runId);
  const responder = getRun(pair.telco.db, runId);
  expect(querier).toMatchObject({ operation, role: 'querier', status: 'succeeded', peerSize: 400 });
  expect(responder).toMatchObject({ operation, role: 'responder', status: 'succeeded', localSize: querier.peerSize, peerSize: querier.localSize });
  expect(responder.transcriptHash).toBe(querier.transcriptHash);
  for (const [node, role, other] of [
    [pair.bank, 'querier', pair.telco],
    [pair.telco, 'responder', pair.bank],
  ] as const) {
    expect(node.entries('run.started', runId)).toEqual([expect.objectContaining({ details: expect.objectContaining({ operation, role }) })]);
    const completed = node.entries('run.completed', runId);
    expect(completed).toHaveLength(1);
    expect(completed[0].details).toMatchObject({ operation, role, transcriptHash: querier.transcriptHash });
    // Each side holds the other's signed receipt of the same transcript.
    expect(receiptSigners(node, runId)).toEqual([other.identity.nodeId]);
  }
  return { querier, responder };
}

/** Neither node has a run row for this attempt: it was refused before anything was exchanged. */
function expectNoRuns(before: { bank: number; telco: number }) {
  expect(pair.bank.runs()).toHaveLength(before.bank);
  expect(pair.telco.runs()).toHaveLength(before.telco);
}

const counts = () => ({ bank: pair.bank.runs().length, telco: pair.telco.runs().length });
const codeOf = (error: unknown) => (error instanceof MofangError ? error.code : String(error));

beforeAll(async () => {
  pair = await sessionPair();
}, 60_000);
afterAll(() => pair?.close());

describe('runs of every kind between two session environments over the memory link', () => {
  it('overlap: both sides store the exact intersection size and the same transcript, and audit the run', async () => {
    const agreementId = pair.agree(psiTerms());
    const { result, error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', resultCount: pair.data.expectedOverlap, attribute: null });
    const { responder } = expectCompletedOnBoth(result!.id, 'overlap');
    // The agreement gives the overlap to the telco too.
    expect(responder.resultCount).toBe(pair.data.expectedOverlap);
    expect(pair.telco.entries('run.completed', result!.id)[0].details).toMatchObject({ released: true, resultCount: pair.data.expectedOverlap });
  }, 60_000);

  it('enrich: the bank marks exactly the matched customers and stores their labels; the telco learns no count', async () => {
    const agreementId = pair.agree(psiTerms());
    const { result, error } = await pair.run((env, link) =>
      runQuerier(env, link, { agreementId, operation: 'enrich', actor: 'test:operator', labels: ['active', 'plan'] }),
    );
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ resultCount: pair.data.expectedOverlap, attribute: 'partner:telco:member' });
    const { responder } = expectCompletedOnBoth(result!.id, 'enrich');
    expect(responder.resultCount).toBeNull();
    const values = pair.bank.db.prepare('SELECT name, value, count(*) AS n FROM joint_attributes WHERE run_id = ? GROUP BY name, value').all(result!.id) as {
      name: string;
      value: string;
      n: number;
    }[];
    const n = (name: string, value?: string) =>
      values.filter((v) => v.name === name && (value === undefined || v.value === value)).reduce((s, v) => s + v.n, 0);
    expect(n('partner:telco:member', 'true')).toBe(pair.data.expectedOverlap);
    expect(n('partner:telco:member', 'false')).toBe(600 - pair.data.expectedOverlap);
    // Labels of matched customers only, one per label column.
    expect(n('partner:telco:member.active')).toBe(pair.data.expectedOverlap);
    expect(n('partner:telco:member.plan')).toBe(pair.data.expectedOverlap);
    expect(pair.telco.entries('run.completed', result!.id)[0].details).toMatchObject({ labels: ['active', 'plan'], resultCount: null });
  }, 60_000);

  it('a matched count below the minimum is withheld at release: both runs finish with receipts, failed, nothing stored', async () => {
    const agreementId = pair.agree(psiTerms(250));
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'enrich', actor: 'test:operator', labels: ['active'] }));
    expect(codeOf(error)).toBe('RESULT_BELOW_MINIMUM');
    const run = pair.bank.runs().find((r) => r.agreementId === agreementId)!;
    for (const [node, other] of [
      [pair.bank, pair.telco],
      [pair.telco, pair.bank],
    ] as const) {
      expect(getRun(node.db, run.id)).toMatchObject({ status: 'failed', errorCode: 'RESULT_BELOW_MINIMUM', resultCount: null, attribute: null });
      expect(node.entries('run.withheld', run.id)[0].details).toMatchObject({ released: false, resultCount: null });
      expect(receiptSigners(node, run.id)).toEqual([other.identity.nodeId]);
    }
    expect(pair.bank.db.prepare('SELECT count(*) FROM joint_attributes WHERE run_id = ?').pluck().get(run.id)).toBe(0);
  }, 60_000);

  it('aggregate: per-city counts, sums and histograms equal the plain ones (zero noise); both ledgers are charged', async () => {
    const agreementId = pair.agree(aggregateTerms);
    const truth = matchedSpendByCity(pair.data);
    const { result: set, error } = await pair.run((env, link) => runAggregateQuerier(env, link, byCity(agreementId)));
    expect(error).toBeUndefined();
    expect(set!.groups.map((g) => g.label).sort()).toEqual([...truth.keys()].sort());
    for (const g of set!.groups) {
      const t = truth.get(g.label)!;
      // Suppressed below minGroupSize (5, zero noise) and withheld below minIntersection (20): every
      // group, not only their union, must reach both.
      expect(g.suppressed, g.label).toBe(t.count < Math.max(5, 20));
      if (g.suppressed) continue;
      expect(g.count!.value).toBe(t.count);
      expect(Math.round(g.columns[0].sum.value * 100)).toBe(t.spend);
      expect(g.columns[0].histogram!.counts.map((c) => c.value)).toEqual(t.buckets);
    }
    expectCompletedOnBoth(set!.runId, 'aggregate');
    for (const node of [pair.bank, pair.telco]) {
      // The step timings are in both outcome entries; the spend in both ledgers.
      expect(node.entries('run.completed', set!.runId)[0].details).toMatchObject({ phases: { psi: expect.any(Object), he: expect.any(Object) } });
      expect(node.entries('privacy.spend').map((e) => e.subject)).toContain(set!.runId);
    }
  }, 120_000);

  it('score: the released groups are ranked by the formula and stored with it', async () => {
    const agreementId = pair.agree(aggregateTerms);
    const formula = parseScoreFormula('size-x-mean:monthly_spend');
    const { result: set, error } = await pair.run((env, link) =>
      runAggregateQuerier(env, link, byCity(agreementId, { histogram: false, formula: formatScoreFormula(formula), rank: (g) => rankGroups(g, formula) })),
    );
    expect(error).toBeUndefined();
    expect(set).toMatchObject({ formula: 'size-x-mean:monthly_spend', histogram: false });
    const ranked = set!.groups.filter((g) => !g.suppressed).sort((a, b) => a.rank! - b.rank!);
    expect(ranked.length).toBeGreaterThan(1);
    expect(ranked.map((g) => g.rank)).toEqual(ranked.map((_, i) => i + 1));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].score!).toBeGreaterThanOrEqual(ranked[i].score!);
    expectCompletedOnBoth(set!.runId, 'aggregate');
  }, 120_000);
});

describe('admission refusals', () => {
  it('an agreement the bank revoked is refused by the bank before anything is sent', async () => {
    const agreementId = pair.agree(psiTerms());
    revokeAgreement(pair.bank.agreements, agreementId, pair.bank.identity, 'test: revoked by the bank');
    const before = counts();
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(codeOf(error)).toBe('AGREEMENT_REVOKED');
    expectNoRuns(before);
    expect(pair.bank.entries('run.started').filter((e) => e.details.agreementId === agreementId)).toEqual([]);
  }, 60_000);

  it('an agreement only the telco revoked is refused by the telco: both audit it, the bank run fails with the code', async () => {
    const agreementId = pair.agree(psiTerms());
    revokeAgreement(pair.telco.agreements, agreementId, pair.telco.identity, 'test: revoked by the telco');
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(codeOf(error)).toBe('AGREEMENT_REVOKED');
    const run = pair.bank.runs().find((r) => r.agreementId === agreementId)!;
    expect(run).toMatchObject({ status: 'failed', errorCode: 'AGREEMENT_REVOKED', role: 'querier' });
    expect(pair.bank.entries('run.failed', run.id)[0].details).toMatchObject({ code: 'AGREEMENT_REVOKED', role: 'querier', operation: 'overlap' });
    // The telco never admitted the run: no row, a refusal in its audit log.
    expect(pair.telco.runs().find((r) => r.id === run.id)).toBeUndefined();
    const refused = pair.telco.entries('run.refused', agreementId);
    expect(refused).toHaveLength(1);
    expect(refused[0].details).toMatchObject({ code: 'AGREEMENT_REVOKED', role: 'responder', operation: 'overlap', agreementId });
  }, 60_000);

  it('an expired agreement is refused before anything is sent', async () => {
    const agreementId = pair.agree(psiTerms());
    const before = counts();
    pair.clock.offsetMs = 31 * 86_400_000;
    try {
      const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'enrich', actor: 'test:operator' }));
      expect(codeOf(error)).toBe('AGREEMENT_EXPIRED');
    } finally {
      pair.clock.offsetMs = 0;
    }
    expectNoRuns(before);
  }, 60_000);

  it("a querier set below the agreement's minimum is refused before anything is sent", async () => {
    const agreementId = pair.agree(psiTerms(1000));
    const before = counts();
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(codeOf(error)).toBe('INPUT_BELOW_MINIMUM');
    expect((error as Error).message).toBe("dataset customers has fewer records than the agreement's minimum of 1000");
    expectNoRuns(before);
  }, 60_000);

  it("a responder dataset below the minimum is refused by the telco; the bank's run fails with the code", async () => {
    const agreementId = pair.agree(psiTerms(500));
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(codeOf(error)).toBe('INPUT_BELOW_MINIMUM');
    const run = pair.bank.runs().find((r) => r.agreementId === agreementId)!;
    expect(run).toMatchObject({ status: 'failed', errorCode: 'INPUT_BELOW_MINIMUM' });
    expect(pair.telco.entries('run.refused', agreementId)[0].details).toMatchObject({
      code: 'INPUT_BELOW_MINIMUM',
      reason: "the responder's dataset is smaller than the agreement's minimum of 500",
    });
  }, 60_000);

  it("an aggregate query whose groups are below the agreement's minimum input size is refused before a run exists", async () => {
    const agreementId = pair.agree((b, t) => {
      const terms = aggregateTerms(b, t);
      return { ...terms, aggregate: { ...terms.aggregate!, minInputSize: 500 } };
    });
    const before = counts();
    const { error } = await pair.run((env, link) => runAggregateQuerier(env, link, byCity(agreementId)));
    expect(codeOf(error)).toBe('INPUT_BELOW_MINIMUM');
    expectNoRuns(before);
  }, 60_000);
});

describe('a responder abort mid-run', () => {
  /** Job hooks whose first progress report after the telco accepted makes the telco's operator cancel its run. */
  const cancelOnTelco = (): JobHooks => {
    let done = false;
    return {
      jobId: 'test-job',
      cancelled: () => null,
      progress(phase) {
        if (done || phase !== 'exchange') return;
        const running = pair.telco.runs().find((r) => r.status === 'running');
        if (!running) return;
        requestRunCancel(pair.telco.db, running.id);
        done = true;
      },
    };
  };

  const expectBothCancelled = (runId: string) => {
    expect(getRun(pair.telco.db, runId)).toMatchObject({ status: 'failed', errorCode: 'JOB_CANCELLED' });
    expect(getRun(pair.bank.db, runId)).toMatchObject({ status: 'failed', errorCode: 'JOB_CANCELLED' });
    expect(pair.telco.entries('run.cancelled', runId)[0].details).toMatchObject({ role: 'responder', code: 'JOB_CANCELLED' });
    expect(pair.bank.entries('run.cancelled', runId)[0].details).toMatchObject({ role: 'querier', code: 'JOB_CANCELLED' });
    for (const node of [pair.bank, pair.telco]) {
      expect(node.entries('run.completed', runId)).toEqual([]);
      expect(receiptSigners(node, runId)).toEqual([]);
    }
  };

  it('closes both runs of an overlap as failed with the code, and neither stores a result', async () => {
    const agreementId = pair.agree(psiTerms());
    const { error } = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator', job: cancelOnTelco() }));
    expect(codeOf(error)).toBe('JOB_CANCELLED');
    const run = pair.bank.runs().find((r) => r.agreementId === agreementId)!;
    expect(run.resultCount).toBeNull();
    expectBothCancelled(run.id);
  }, 60_000);

  it('closes both runs of an aggregate as failed with the code; no score set is stored', async () => {
    const agreementId = pair.agree(aggregateTerms);
    const { error } = await pair.run((env, link) => runAggregateQuerier(env, link, byCity(agreementId, { job: cancelOnTelco() })));
    expect(codeOf(error)).toBe('JOB_CANCELLED');
    const run = pair.bank.runs().find((r) => r.agreementId === agreementId)!;
    expectBothCancelled(run.id);
    expect(listScoreSets(pair.bank.db, { agreementId })).toEqual([]);
  }, 120_000);
});
