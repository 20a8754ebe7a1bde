import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleAggregateDraft } from '../../test/support/agreements.js';
import { checkTermsAgainstPolicy, DEFAULT_POLICY, enforcePolicyFloors, type PolicyFloors, policyOverrideEntry } from './floors.js';
import { draftTerms } from './model.js';

const DEFAULTS = DEFAULT_POLICY;

const bank = `sha256:${'b'.repeat(64)}`;
const telco = `sha256:${'7'.repeat(64)}`;
const now = new Date('2026-01-01T00:00:00.000Z');

describe('checkTermsAgainstPolicy', () => {
  it('passes the sample aggregate terms with a rate limit under the default policy', () => {
    const terms = draftTerms(sampleAggregateDraft(bank, telco, { maxQueriesPerDay: 10, minIntersection: 50 }), now);
    expect(checkTermsAgainstPolicy(terms, DEFAULTS)).toEqual([]);
  });

  it("names every floor the issue's weak terms fall below, with the term's value and the limit", () => {
    const base = sampleAggregateDraft(bank, telco, { exactCounts: true });
    const terms = draftTerms(
      {
        ...base,
        minIntersection: 1,
        aggregate: { ...base.aggregate!, epsilonPerQuery: 10, budget: { epsilon: 1000, periodDays: 1 }, minGroupSize: 1, minInputSize: 1 },
      },
      now,
    );
    expect(checkTermsAgainstPolicy(terms, DEFAULTS)).toEqual([
      "minIntersection 1 is below this node's policy.minIntersection 10",
      "maxQueriesPerDay none (no rate limit): this node's policy.maxQueriesPerDay requires a limit of at most 20",
      "exactCounts true is not allowed by this node's policy.allowExactCounts false",
      "aggregate.epsilonPerQuery 10 exceeds this node's policy.maxEpsilonPerQuery 1",
      "aggregate.budget.epsilon 1000 exceeds this node's policy.maxEpsilonPerPeriod 10",
      "aggregate.budget.periodDays 1 is below this node's policy.minPeriodDays 30",
      "aggregate.minGroupSize 1 is below this node's policy.minGroupSize 10",
    ]);
  });

  it('refuses an aggregate input floor below the intersection floor, and a rate limit above the policy', () => {
    const base = sampleAggregateDraft(bank, telco);
    const terms = draftTerms({ ...base, maxQueriesPerDay: 500, aggregate: { ...base.aggregate!, minInputSize: 20 } }, now);
    expect(checkTermsAgainstPolicy(terms, DEFAULTS)).toEqual([
      "maxQueriesPerDay 500 exceeds this node's policy.maxQueriesPerDay 20",
      "aggregate.minInputSize 20 is below the terms' minIntersection 100 (this node's policy requires minInputSize ≥ minIntersection)",
    ]);
  });

  it('allows exact counts only where the policy does', () => {
    const terms = draftTerms(sampleAggregateDraft(bank, telco, { maxQueriesPerDay: 5, minIntersection: 50, exactCounts: true }), now);
    expect(checkTermsAgainstPolicy(terms, DEFAULTS)).toEqual(["exactCounts true is not allowed by this node's policy.allowExactCounts false"]);
    expect(checkTermsAgainstPolicy(terms, { ...DEFAULTS, allowExactCounts: true })).toEqual([]);
  });

  // Terms drawn inside a random policy never fail; pushing any one field past its floor always
  // fails, and the only issue names that field.
  const micro = (max: number) => fc.integer({ min: 1, max: Math.round(max * 1e6) }).map((n) => n / 1e6);
  const policyArb = fc.record({
    maxEpsilonPerQuery: micro(10),
    maxEpsilonPerPeriod: micro(1000),
    minPeriodDays: fc.integer({ min: 1, max: 365 }),
    minGroupSize: fc.integer({ min: 1, max: 1000 }),
    minIntersection: fc.integer({ min: 1, max: 1000 }),
    maxQueriesPerDay: fc.integer({ min: 1, max: 1000 }),
    allowExactCounts: fc.boolean(),
  });
  const within = (p: PolicyFloors, aggregate = fc.boolean()) =>
    fc
      .record({
        minIntersection: fc.integer({ min: p.minIntersection, max: p.minIntersection + 1000 }),
        maxQueriesPerDay: fc.integer({ min: 1, max: p.maxQueriesPerDay }),
        exactCounts: p.allowExactCounts ? fc.boolean() : fc.constant(false),
        epsilonPerQuery: micro(p.maxEpsilonPerQuery),
        budgetEpsilon: micro(p.maxEpsilonPerPeriod),
        periodDays: fc.integer({ min: p.minPeriodDays, max: 366 }),
        minGroupSize: fc.integer({ min: p.minGroupSize, max: p.minGroupSize + 1000 }),
        extraInput: fc.nat(1000),
        withAggregate: aggregate,
      })
      .map((t) => ({
        minIntersection: t.minIntersection,
        maxQueriesPerDay: t.maxQueriesPerDay,
        exactCounts: t.exactCounts,
        aggregate: t.withAggregate
          ? {
              ...sampleAggregateDraft(bank, telco).aggregate!,
              valueHolder: 'acceptor' as const,
              epsilonPerQuery: t.epsilonPerQuery,
              budget: { epsilon: t.budgetEpsilon, periodDays: t.periodDays },
              minGroupSize: t.minGroupSize,
              minInputSize: t.minIntersection + t.extraInput,
            }
          : undefined,
      }));
  type Terms = Parameters<typeof checkTermsAgainstPolicy>[0];
  const pushes: [string, (t: Terms, p: PolicyFloors) => Terms][] = [
    ['minIntersection', (t, p) => ({ ...t, minIntersection: p.minIntersection - 1 })],
    ['maxQueriesPerDay', (t, p) => ({ ...t, maxQueriesPerDay: p.maxQueriesPerDay + 1 })],
    ['maxQueriesPerDay', (t) => ({ ...t, maxQueriesPerDay: undefined })],
    ['exactCounts', (t) => ({ ...t, exactCounts: true })],
    ['aggregate.epsilonPerQuery', (t, p) => ({ ...t, aggregate: { ...t.aggregate!, epsilonPerQuery: p.maxEpsilonPerQuery + 0.000001 } })],
    [
      'aggregate.budget.epsilon',
      (t, p) => ({ ...t, aggregate: { ...t.aggregate!, budget: { ...t.aggregate!.budget, epsilon: p.maxEpsilonPerPeriod + 0.000001 } } }),
    ],
    ['aggregate.budget.periodDays', (t, p) => ({ ...t, aggregate: { ...t.aggregate!, budget: { ...t.aggregate!.budget, periodDays: p.minPeriodDays - 1 } } })],
    ['aggregate.minGroupSize', (t, p) => ({ ...t, aggregate: { ...t.aggregate!, minGroupSize: p.minGroupSize - 1 } })],
    ['aggregate.minInputSize', (t) => ({ ...t, aggregate: { ...t.aggregate!, minInputSize: t.minIntersection - 1 } })],
  ];

  it('never fails terms drawn within the policy', () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) => fc.tuple(fc.constant(p), within(p))),
        ([p, t]) => checkTermsAgainstPolicy(t, p).length === 0,
      ),
    );
  });

  it('always fails a term pushed past one floor, naming that field only', () => {
    const strict = policyArb.map((p) => ({ ...p, allowExactCounts: false }));
    fc.assert(
      fc.property(
        strict.chain((p) => fc.tuple(fc.constant(p), within(p, fc.constant(true)))),
        fc.nat(pushes.length - 1),
        ([p, t], k) => {
          const [field, push] = pushes[k];
          const issues = checkTermsAgainstPolicy(push(t, p), p);
          return issues.length === 1 && issues[0].startsWith(`${field} `);
        },
      ),
    );
  });
});

describe('enforcePolicyFloors', () => {
  const weak = { minIntersection: 1, maxQueriesPerDay: 5 };
  it('passes terms that meet the policy, with nothing to audit', () => {
    expect(enforcePolicyFloors({ minIntersection: 10, maxQueriesPerDay: 5 }, DEFAULT_POLICY, false, 'accept')).toEqual([]);
  });
  it('refuses weaker terms with AGREEMENT_BELOW_POLICY naming each limit and the way to override', () => {
    expect(() => enforcePolicyFloors(weak, DEFAULT_POLICY, false, 'propose')).toThrow(
      expect.objectContaining({
        code: 'AGREEMENT_BELOW_POLICY',
        message: expect.stringMatching(/^cannot propose: minIntersection 1 is below this node's policy\.minIntersection 10\. .*--override-policy/),
        details: { issues: ["minIntersection 1 is below this node's policy.minIntersection 10"] },
      }),
    );
  });
  it('with the override, returns the issues for the audit entry', () => {
    const issues = enforcePolicyFloors(weak, DEFAULT_POLICY, true, 'accept');
    expect(policyOverrideEntry('cli:alice', 'id-1', 'acceptor', issues)).toEqual({
      actor: 'cli:alice',
      action: 'agreement.policy_overridden',
      subject: 'id-1',
      details: { party: 'acceptor', issues: ["minIntersection 1 is below this node's policy.minIntersection 10"] },
    });
  });
});
