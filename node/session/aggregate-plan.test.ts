import { describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import { checkAggregateColumnsAllowed } from '../agreements/aggregate-policy.js';
import { aggregateSetup } from './aggregate-plan.js';

const request = { columns: ['spend', 'tenure'], histogram: true, groupSizes: [300, 200], membership: false, maxGroupsPerRecord: 1, unionSize: 0 };
const run = { runId: '5a0c6c1e-8c1a-4a59-9a43-5f4a3c2d1e0f', psiSuite: 'suite' };

describe('aggregate setup (derived by both nodes)', () => {
  const querier = storedAggregateAgreement('proposer');
  const holder = storedAggregateAgreement('acceptor');
  const columns = (histogram: boolean) => checkAggregateColumnsAllowed(querier, ['spend'], histogram);

  it('is the same on both sides, and any difference in query, set size or run changes the digest', () => {
    const a = aggregateSetup(querier, { ...request, columns: ['spend'] }, columns(true), 700, run);
    const b = aggregateSetup(holder, { ...request, columns: ['spend'] }, columns(true), 700, run);
    expect(b.digest).toBe(a.digest);
    expect(aggregateSetup(holder, { ...request, columns: ['spend'] }, columns(true), 701, run).digest).not.toBe(a.digest);
    expect(aggregateSetup(holder, { ...request, columns: ['spend'], histogram: false }, columns(false), 700, run).digest).not.toBe(a.digest);
    expect(aggregateSetup(holder, { ...request, columns: ['spend'] }, columns(true), 700, { ...run, runId: run.runId.replace('5', '6') }).digest).not.toBe(
      a.digest,
    );
  });

  it('encrypts the scaled value and one 0/1 column per bucket, splitting ε over count, sum and histogram', () => {
    const s = aggregateSetup(querier, { ...request, columns: ['spend'] }, columns(true), 700, run);
    expect(s.encrypted.map((e) => [e.bucket, e.min, e.max])).toEqual([
      [null, 0n, 500000n],
      [0, 0n, 1n],
      [1, 0n, 1n],
      [2, 0n, 1n],
    ]);
    // ε 1 over 3 statistics: count scale 1/(1/3) = 3; sum Δ 500000 → 1500000; histogram Δ 2 → 6.
    expect(s.countNoise).toMatchObject({ mechanism: 'discrete-laplace', scale: { num: 3n, den: 1n } });
    expect(s.sumNoise[0]).toMatchObject({ scale: { num: 1_500_000n, den: 1n } });
    expect(s.encrypted[1].noise).toMatchObject({ scale: { num: 6n, den: 1n } });
    expect(s.plan.groups).toBe(2);
  });

  it('refuses, naming the column, when the sums could not be held without wrapping', () => {
    const base = querier.terms.aggregate!;
    const wide = storedAggregateAgreement('proposer', {
      aggregate: { ...base, columns: [{ column: 'spend', min: -(2 ** 47), max: 2 ** 47 }], epsilonPerQuery: 0.000001, budget: { epsilon: 1, periodDays: 30 } },
    });
    expect(() =>
      aggregateSetup(wide, { ...request, columns: ['spend'], histogram: false }, checkAggregateColumnsAllowed(wide, ['spend'], false), 700, run),
    ).toThrow(expect.objectContaining({ code: 'HE_OVERFLOW', message: expect.stringContaining('column spend') }));
  });
});
