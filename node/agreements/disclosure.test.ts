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

  it('overlap: who receives the count, and a warning that it is still exact whatever exactCounts says', () => {
    const d = disclosureOf(
      draftTerms(
        {
          ...sampleLabelledDraft(bank, telco),
          labels: undefined,
          parties: sampleAggregateDraft(bank, telco).parties,
          enrichAttribute: 'partner:telco:member',
          maxQueriesPerDay: 5,
        },
        now,
      ),
    );
    expect(d.operations[0]).toEqual({
      operation: 'overlap',
      learns: [
        'the proposer and the acceptor learn the exact number of records the two datasets have in common; results below minIntersection 100 are withheld from both',
        "the querier learns the size of the responder's dataset; the responder learns the size of the querier's input set, not which records matched",
      ],
    });
    expect(d.warnings).toEqual(['exactCounts is off, but this version still releases overlap counts exactly, without noise or privacy budget']);
  });

  it('aggregate: noisy numbers per group to the querier, the plan to the value holder; weak terms become warnings saying what they reveal', () => {
    const base = sampleAggregateDraft(bank, telco);
    const terms = draftTerms(
      { ...base, exactCounts: true, aggregate: { ...base.aggregate!, epsilonPerQuery: 10, budget: { epsilon: 1000, periodDays: 1 }, minGroupSize: 1 } },
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
