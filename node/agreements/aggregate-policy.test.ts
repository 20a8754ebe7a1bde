import { describe, expect, it } from 'vitest';
import type { MofangError } from '../errors.js';
import { checkAggregateColumnsAllowed, checkAggregateColumnsAvailable, checkAggregateGroups } from './aggregate-policy.js';
import { agreementHash, draftTerms, type TermsDraft } from './model.js';
import { checkQueryAllowed } from './policy.js';
import type { StoredAgreement } from './store.js';
import { sampleDraft, storedAggregateAgreement } from '../../test/support/agreements.js';

const BANK = `sha256:${'b'.repeat(64)}`;
const TELCO = `sha256:${'7'.repeat(64)}`;
const DURING = new Date('2026-03-01T00:00:00.000Z');

function stored(side: 'proposer' | 'acceptor', draft?: TermsDraft): StoredAgreement {
  if (!draft) return storedAggregateAgreement(side);
  const terms = draftTerms(draft, new Date('2026-01-01T00:00:00.000Z'), '0f8fad5b-d9cb-469f-a165-70867728950e');
  return { ...storedAggregateAgreement(side), terms, termsHash: agreementHash(terms) };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return `${(err as MofangError).code}: ${(err as MofangError).message}`;
  }
  return 'allowed';
}

describe('aggregate queries under version 3 terms', () => {
  it('allows the bank (not the value holder) to query on both sides, and refuses the telco as querier', () => {
    expect(
      refusal(() =>
        checkQueryAllowed(stored('proposer'), { operation: 'aggregate', localRole: 'querier', peerNodeId: TELCO, localDataset: 'customers', now: DURING }),
      ),
    ).toBe('allowed');
    expect(
      refusal(() =>
        checkQueryAllowed(stored('acceptor'), { operation: 'aggregate', localRole: 'responder', peerNodeId: BANK, localDataset: 'subscribers', now: DURING }),
      ),
    ).toBe('allowed');
    expect(
      refusal(() =>
        checkQueryAllowed(stored('acceptor'), { operation: 'aggregate', localRole: 'querier', peerNodeId: BANK, localDataset: 'subscribers', now: DURING }),
      ),
    ).toMatch(/^OPERATION_NOT_ALLOWED: .*outputs.aggregate: the querying party \(acceptor, Telco\)/);
  });

  it('refuses aggregate under terms without it', () => {
    const v2 = stored('proposer', sampleDraft(BANK, TELCO));
    expect(
      refusal(() => checkQueryAllowed(v2, { operation: 'aggregate', localRole: 'querier', peerNodeId: TELCO, localDataset: 'customers', now: DURING })),
    ).toMatch(/^OPERATION_NOT_ALLOWED: .*'aggregate' is not allowed/);
    expect(refusal(() => checkAggregateColumnsAllowed(v2, ['spend'], false))).toMatch(/^OPERATION_NOT_ALLOWED: .*has no aggregate section/);
  });

  it('returns the agreed column specs in the requested order', () => {
    expect(checkAggregateColumnsAllowed(stored('proposer'), ['tenure', 'spend'], false).map((c) => c.column)).toEqual(['tenure', 'spend']);
  });

  it.each([
    ['a column not agreed', ['balance'], false, /column 'balance' is not an aggregate column of this agreement \(allowed: spend, tenure\)/],
    ['a column twice', ['spend', 'spend'], false, /column 'spend' is requested twice/],
    ['no column', [], false, /name at least one column/],
    ['a histogram without buckets', ['spend', 'tenure'], true, /column 'tenure' has no agreed histogram buckets/],
  ])('refuses %s', (_, columns, histogram, expected) => {
    expect(refusal(() => checkAggregateColumnsAllowed(stored('acceptor'), columns, histogram))).toMatch(
      new RegExp(`^OPERATION_NOT_ALLOWED: .*${expected.source}`),
    );
  });

  it('wants every agreed column in the value holder dataset as a number', () => {
    const a = stored('acceptor');
    expect(
      refusal(() =>
        checkAggregateColumnsAvailable(a, [
          { name: 'spend', type: 'number' },
          { name: 'tenure', type: 'number' },
        ]),
      ),
    ).toBe('allowed');
    expect(
      refusal(() =>
        checkAggregateColumnsAvailable(a, [
          { name: 'spend', type: 'string' },
          { name: 'tenure', type: 'number' },
        ]),
      ),
    ).toMatch(/^OPERATION_NOT_ALLOWED: .*aggregate.columns\[0\].column: dataset column 'spend' is string; aggregates need a number column/);
    expect(refusal(() => checkAggregateColumnsAvailable(a, [{ name: 'spend', type: 'number' }]))).toMatch(
      /aggregate.columns\[1\].column: the dataset has no column 'tenure'/,
    );
  });

  it('limits the number of groups and the size of each', () => {
    const a = stored('proposer');
    expect(refusal(() => checkAggregateGroups(a, [50, 1000]))).toBe('allowed');
    expect(refusal(() => checkAggregateGroups(a, Array(9).fill(100)))).toMatch(/^OPERATION_NOT_ALLOWED: .*9 groups requested; aggregate.maxGroups allows 8/);
    expect(refusal(() => checkAggregateGroups(a, [100, 49]))).toBe(
      "INPUT_BELOW_MINIMUM: group 2 of 2 has fewer records than the agreement's aggregate.minInputSize of 50",
    );
    expect(refusal(() => checkAggregateGroups(a, []))).toMatch(/at least one group/);
  });
});
