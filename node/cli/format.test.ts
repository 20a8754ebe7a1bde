import { describe, expect, it } from 'vitest';
import type { AgreementView } from '../api/services.js';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import { agreementLines, deliveryNotice, membershipText } from './format.js';
import type { ScoreSet } from '../scores/joint-scores.js';
import { disclosureOf } from '../agreements/disclosure.js';
import { checkTermsAgainstPolicy, DEFAULT_POLICY } from '../agreements/floors.js';
import type { AgreementTerms } from '../agreements/model.js';

/** An accepted aggregate agreement as the acceptor (telco) sees it. */
function view(over: Partial<AgreementView> = {}, terms: Record<string, unknown> = {}): AgreementView {
  const a = storedAggregateAgreement('acceptor', { labels: undefined, maxQueriesPerDay: undefined });
  const all = { ...a.terms, ...terms } as AgreementTerms;
  return {
    ...a,
    terms: all as unknown as Record<string, unknown>,
    peerName: 'bank',
    policyIssues: checkTermsAgainstPolicy(all, DEFAULT_POLICY),
    disclosure: disclosureOf(all),
    ...over,
  };
}

const text = (a: AgreementView) => agreementLines(a).join('\n');

describe('agreements show: every term, for review before accepting', () => {
  it('prints the parties, outputs, limits and the whole aggregate section', () => {
    const out = text(view());
    for (const expected of [
      /status: +accepted \(this node is the acceptor; peer bank\)/,
      /proposer: +Bank \(node sha256:b{64}\), dataset customers, columns phone/,
      /acceptor: +Telco \(node sha256:7{64}\), dataset subscribers, columns msisdn/,
      /id kind: +phone/,
      /operations: +overlap, aggregate/,
      /outputs: +overlap → proposer; enrich → nobody; aggregate → proposer/,
      /min intersection: +100/,
      /rate limit: +none/,
      /enrich attribute: +none/,
      /labels: +none/,
      /expires: +2026-07-01T00:00:00.000Z/,
      /aggregate: +values held by the acceptor; results to proposer/,
      /mechanism: +discrete-laplace, ε 1 per query/,
      /budget: +ε 10 per 30 days/,
      /groups: +minGroupSize 20 .*minInputSize 50, maxGroups 8/,
      /column: +spend clamped to \[0, 5000\], scale 2, histogram edges 100, 1000/,
      /column: +tenure clamped to \[0, 600\], scale 0/,
    ])
      expect(out).toMatch(expected);
  });

  it('prints a rate limit, labels, an enrich attribute and δ when the terms have them', () => {
    const a = view(
      {},
      {
        maxQueriesPerDay: 50,
        enrichAttribute: 'partner:telco:active',
        labels: [{ column: 'plan', type: 'category', maxBytes: 16 }],
        aggregate: {
          ...(view().terms.aggregate as object),
          mechanism: 'discrete-gaussian',
          deltaPerQuery: 1e-7,
          budget: { epsilon: 10, delta: 1e-6, periodDays: 30 },
        },
      },
    );
    const out = text(a);
    expect(out).toMatch(/rate limit: +50 queries per party per rolling 24 hours/);
    expect(out).toMatch(/enrich attribute: +partner:telco:active/);
    expect(out).toMatch(/labels: +plan \(category, at most 16 bytes\)/);
    expect(out).toMatch(/mechanism: +discrete-gaussian, ε 1, δ 1e-7 per query/);
    expect(out).toMatch(/budget: +ε 10, δ 0.000001 per 30 days/);
  });

  it('a title or party name from the proposer cannot hide text behind bidi controls', () => {
    const out = text(
      view(
        {},
        {
          title: 'Harmless\u202E lla erahs',
          parties: {
            ...(view().terms.parties as object),
            proposer: { nodeId: `sha256:${'b'.repeat(64)}`, name: 'Bank\u2066x', dataset: 'customers', columns: ['phone'] },
          },
        },
      ),
    );
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });

  it('says whether the peer has been told, and the accept/revoke commands say so in words', () => {
    const pending = view({
      delivery: {
        action: 'accept',
        state: 'pending',
        attempts: 3,
        nextAttemptAt: '2026-01-01T00:00:08.000Z',
        lastErrorCode: 'PEER_UNREACHABLE',
        deliveredAt: null,
      },
    });
    expect(text(pending)).toMatch(/delivery: +pending \(acceptance, attempts 3, next at 2026-01-01T00:00:08.000Z, last error PEER_UNREACHABLE\)/);
    expect(deliveryNotice(pending)).toBe('accepted locally; delivery to bank pending (will retry while the node runs) — last error PEER_UNREACHABLE');
    const delivered = view({
      delivery: { action: 'revoke', state: 'delivered', attempts: 1, nextAttemptAt: null, lastErrorCode: null, deliveredAt: '2026-01-01T00:00:01.000Z' },
    });
    expect(text(delivered)).toMatch(/delivery: +delivered \(revocation, 2026-01-01T00:00:01.000Z\)/);
    expect(deliveryNotice(delivered)).toBeNull();
    expect(text(view())).not.toMatch(/delivery:/);
  });

  it("shows the exact-count flag, the proposer's override and this node's floor issues before accepting", () => {
    const base = view().terms.aggregate as Record<string, unknown>;
    const weak = view(
      { status: 'pending', acceptorSignature: undefined },
      {
        exactCounts: false,
        minIntersection: 1,
        proposerPolicyOverride: ["aggregate.epsilonPerQuery 10 exceeds this node's policy.maxEpsilonPerQuery 1\u202E"],
        aggregate: { ...base, epsilonPerQuery: 10, budget: { epsilon: 1000, periodDays: 1 }, minGroupSize: 1, minInputSize: 1 },
      },
    );
    const out = text(weak);
    expect(out).toMatch(/exact counts: +no/);
    expect(out).toMatch(/proposer overrode its policy floors:\n +- aggregate\.epsilonPerQuery 10 exceeds this node's policy\.maxEpsilonPerQuery 1\n/);
    expect(out).toMatch(/below this node's policy:/);
    for (const issue of [
      "minIntersection 1 is below this node's policy.minIntersection 10",
      'maxQueriesPerDay none (no rate limit)',
      "aggregate.epsilonPerQuery 10 exceeds this node's policy.maxEpsilonPerQuery 1",
      "aggregate.budget.epsilon 1000 exceeds this node's policy.maxEpsilonPerPeriod 10",
      "aggregate.budget.periodDays 1 is below this node's policy.minPeriodDays 30",
      "aggregate.minGroupSize 1 is below this node's policy.minGroupSize 10",
    ])
      expect(out).toContain(`    - ${issue}`);
    expect(out).toMatch(/accepting needs --override-policy \(audited\)/);
    expect(text(view({}, { maxQueriesPerDay: 10, minIntersection: 50 }))).toMatch(/policy: +meets this node's policy floors/);
  });

  it('says what each side can learn per operation, and warns of weak terms', () => {
    const base = view().terms.aggregate as Record<string, unknown>;
    const out = text(view({}, { aggregate: { ...base, minGroupSize: 1 } }));
    expect(out).toMatch(
      /what each side can learn:\n +overlap: +the proposer learns a noisy number of records the two datasets have in common \(discrete Laplace at ε 1 per query, ε 10 per 30 days on the data pair\); results below minIntersection 100 are withheld/,
    );
    expect(out).toMatch(
      /aggregate: +the proposer learns, per group of its own records \(at most 8 groups of at least 50 records each\), a noisy count .* of the acceptor's spend, tenure/,
    );
    expect(out).toMatch(/ +the acceptor learns the plan \(how many groups and columns\) and blinded totals only, no result/);
    expect(out).toMatch(/warnings:\n/);
    expect(out).toContain('! aggregate.minGroupSize 1 is below the default policy.minGroupSize 10: groups this small are released');
    expect(out).toContain('! maxQueriesPerDay none (no rate limit)');
    expect(out).toMatch(/count noise: +discrete-laplace, ε 1 per overlap query; budget ε 10 per 30 days on the data pair/);
  });
});

describe('scores: the membership wording follows what the numbers can reveal', () => {
  const noise = (sd: number) => ({ mechanism: 'discrete-laplace' as const, parameter: 'scale' as const, value: sd / Math.SQRT2, standardDeviation: sd });
  const group = (label: string, count: number, sd: number, suppressed = false) => ({
    index: 0,
    label,
    inputSize: 100,
    suppressed,
    count: suppressed ? null : { value: count, noiseScale: noise(sd), ci95: { low: count - 3 * sd, high: count + 3 * sd } },
    columns: [],
    score: null,
    rank: null,
  });
  const set = (groups: ScoreSet['groups'], membership = false): ScoreSet => ({
    id: 'r',
    runId: 'r',
    agreementId: 'a',
    jobId: null,
    dataset: 'customers',
    grouping: 'segments',
    columns: [],
    histogram: false,
    formula: null,
    mechanism: 'discrete-laplace',
    epsilon: '1',
    delta: '0',
    membership,
    createdAt: '2026-01-01T00:00:00.000Z',
    groups,
  });

  it('says "not revealed" only when every released group is large and its count noisy', () => {
    expect(membershipText(set([group('big', 140, 1.4), group('tiny', 0, 1.4, true)]))).toBe('membership not revealed');
  });

  it('names a released one-member group, or a count without noise, and what it reveals', () => {
    const text = membershipText(set([group('big', 140, 1.4), group('one-member', 1, 0.14)]));
    expect(text).not.toContain('not revealed');
    expect(text).toBe(
      "membership can be inferred for one-member (count 1, noise sd 0.140): fewer than 10 matched or noise below one record tells which of the group's records the partner holds",
    );
    expect(membershipText(set([group('exact', 500, 0.14)]))).toMatch(/^membership can be inferred for exact \(count 500, noise sd 0\.140\)/);
  });

  it('says so when the agreement grants membership', () => {
    expect(membershipText(set([group('big', 140, 1.4)], true))).toBe('membership revealed to us');
  });
});
