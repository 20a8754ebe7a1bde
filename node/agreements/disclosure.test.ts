import { describe, expect, it } from 'vitest';
import { sampleAggregateDraft, sampleLabelledDraft } from '../../test/support/agreements.js';
import { disclosureOf } from './disclosure.js';
import { draftTerms } from './model.js';

const bank = `sha256:${'b'.repeat(64)}`;
const telco = `sha256:${'7'.repeat(64)}`;
const now = new Date('2026-01-01T00:00:00.000Z');

describe('disclosureOf: what each side can learn, from the terms', () => {
  it('enrich: membership and the agreed labels to the querier; only the input size to the other side', () => {
    const d = disclosureOf(
      draftTerms(sampleLabelledDraft(bank, telco, { operations: ['enrich'], outputs: { overlap: [], enrich: ['proposer'] }, maxQueriesPerDay: 5 }), now),
    );
    expect(d.operations).toEqual([
      {
        operation: 'enrich',
        learns: [
          "the proposer learns which of its own records are in the acceptor's dataset (membership), stored as partner:telco:member = true or false",
          "the proposer learns, for each matched record, the acceptor's active, score, plan",
          "the acceptor learns the size of the proposer's input set, not which records matched",
        ],
      },
    ]);
    expect(d.warnings).toEqual([]);
  });

  const overlapDraft = (over: Parameters<typeof sampleLabelledDraft>[2] = {}) =>
    draftTerms(
      {
        ...sampleLabelledDraft(bank, telco, over),
        labels: undefined,
        parties: sampleAggregateDraft(bank, telco).parties,
        enrichAttribute: 'partner:telco:member',
        maxQueriesPerDay: 5,
      },
      now,
    );
  const guardSentence =
    "a query whose input set differs by fewer than minGroupSize records from one released before on the same data pair is refused (the querier's differencing guard)";
  const sizesSentence =
    "the querier learns the size of the responder's dataset; the responder learns the size of the querier's input set, not which records matched";

  it('overlap: who receives the count, noisy by default with its ε and budget, and the guard', () => {
    const d = disclosureOf(overlapDraft());
    expect(d.operations[0]).toEqual({
      operation: 'overlap',
      learns: [
        'the proposer and the acceptor learn a noisy number of records the two datasets have in common (discrete Laplace at ε 1 per query, ε 10 per 30 days on the data pair); results below minIntersection 100 are withheld from both',
        guardSentence,
        sizesSentence,
      ],
    });
    expect(d.warnings).toEqual([]);
  });

  it('overlap with exact counts says so, and warns; terms without agreed noise warn that overlap is refused', () => {
    const exact = disclosureOf(overlapDraft({ exactCounts: true }));
    expect(exact.operations[0].learns[0]).toBe(
      "the proposer and the acceptor learn the exact number of records the two datasets have in common (exact counts: both nodes' policy must allow them); results below minIntersection 100 are withheld from both",
    );
    expect(exact.warnings).toEqual([
      'exactCounts true is not allowed by the default policy.allowExactCounts false: overlap counts are exact: two queries whose inputs differ by one record reveal whether the partner holds it',
    ]);
    const legacy = disclosureOf(overlapDraft({ countNoise: undefined }));
    expect(legacy.warnings).toEqual([
      'overlap counts have no agreed noise (terms from before countNoise): overlap queries are refused; propose a new agreement',
    ]);
  });

  it('aggregate: noisy numbers per group to the querier, the plan to the value holder; weak terms become warnings saying what they reveal', () => {
    const base = sampleAggregateDraft(bank, telco, { exactCounts: true });
    const terms = draftTerms(
      { ...base, aggregate: { ...base.aggregate!, epsilonPerQuery: 10, budget: { epsilon: 1000, periodDays: 1 }, minGroupSize: 1 } },
      now,
    );
    const d = disclosureOf(terms);
    expect(d.operations[1].learns).toEqual([
      "the proposer learns, per group of its own records (at most 8 groups of at least 50 records each), a noisy count of the matched records and noisy sums and means, and histograms of the acceptor's spend, tenure",
      'the noise is discrete-laplace at ε 10 per query, split over the numbers it releases; all queries of 1 days together spend at most ε 1000',
      'a group whose noisy count is below minGroupSize 1 is suppressed: only that fact is released',
      "the proposer's node knows each group's exact matched count from the PSI step and adds the count noise itself",
      'the acceptor learns the plan (how many groups and columns) and blinded totals only, no result',
    ]);
    expect(d.warnings).toEqual([
      'maxQueriesPerDay none (no rate limit): the default policy.maxQueriesPerDay requires a limit of at most 20: repeated queries turn what one query reveals into what many reveal',
      'exactCounts true is not allowed by the default policy.allowExactCounts false: overlap counts are exact: two queries whose inputs differ by one record reveal whether the partner holds it',
      'aggregate.epsilonPerQuery 10 exceeds the default policy.maxEpsilonPerQuery 1: the noise of one query is too small to hide one record',
      'aggregate.budget.epsilon 1000 exceeds the default policy.maxEpsilonPerPeriod 10: a period of queries together can reveal single records',
      'aggregate.budget.periodDays 1 is below the default policy.minPeriodDays 30: the budget refills so often that over months it is no limit',
      "aggregate.minGroupSize 1 is below the default policy.minGroupSize 10: groups this small are released: a group's count and sums reveal its few members' membership and values",
      "aggregate.minInputSize 50 is below the terms' minIntersection 100 (the default policy requires minInputSize ≥ minIntersection): aggregate groups may be smaller than an intersection the terms would release",
    ]);
  });
});
