import { describe, expect, it } from 'vitest';
import type { MofangError } from '../errors.js';
import { type PartyRole, type TermsDraft, agreementHash, draftTerms } from './model.js';
import { type QueryRequest, checkDailyQueryLimit, checkLabelColumnsAvailable, checkLabelsAllowed, checkQueryAllowed, checkResultReleasable } from './policy.js';
import type { AgreementStatus, StoredAgreement } from './store.js';
import { sampleDraft } from '../../test/support/agreements.js';

const BANK = `sha256:${'b'.repeat(64)}`;
const TELCO = `sha256:${'7'.repeat(64)}`;
const OTHER = `sha256:${'0'.repeat(64)}`;
const CREATED = new Date('2026-01-01T00:00:00.000Z');
const DURING = new Date('2026-03-01T00:00:00.000Z');
const SIG = { signer: BANK, signature: 'AA==', at: CREATED.toISOString() };

/** The same agreement as stored on the bank (proposer) or the telco (acceptor). */
function stored(side: PartyRole, status: AgreementStatus = 'accepted', over: Partial<TermsDraft> = {}): StoredAgreement {
  const terms = draftTerms(sampleDraft(BANK, TELCO, over), CREATED, '0f8fad5b-d9cb-469f-a165-70867728950e');
  return {
    id: terms.id,
    terms,
    termsHash: agreementHash(terms),
    localParty: side,
    peerNodeId: side === 'proposer' ? TELCO : BANK,
    status,
    proposerSignature: SIG,
    ...(status === 'accepted' || status === 'revoked' ? { acceptorSignature: { ...SIG, signer: TELCO } } : {}),
    ...(status === 'revoked' ? { revokedBy: TELCO, revokedReason: 'contract ended' } : {}),
    createdAt: CREATED.toISOString(),
    updatedAt: CREATED.toISOString(),
  };
}

/** The bank queries the telco: the request as seen from each side. */
function bankQueries(operation = 'overlap', over: Partial<QueryRequest> = {}): { proposer: QueryRequest; acceptor: QueryRequest } {
  return {
    proposer: { operation, localRole: 'querier', peerNodeId: TELCO, localDataset: 'customers', now: DURING, ...over },
    acceptor: { operation, localRole: 'responder', peerNodeId: BANK, localDataset: 'subscribers', now: DURING, ...over },
  };
}

/** The refusal each side gives, or 'allowed'. */
function decide(a: StoredAgreement, req: QueryRequest): string {
  try {
    checkQueryAllowed(a, req);
    return 'allowed';
  } catch (err) {
    return `${(err as MofangError).code}: ${(err as MofangError).message}`;
  }
}

describe('checkQueryAllowed', () => {
  it('allows an agreed query on both sides', () => {
    for (const op of ['overlap', 'enrich']) {
      const req = bankQueries(op);
      expect(decide(stored('proposer'), req.proposer)).toBe('allowed');
      expect(decide(stored('acceptor'), req.acceptor)).toBe('allowed');
    }
  });

  it.each<[string, AgreementStatus, Partial<TermsDraft>, string, Partial<QueryRequest>, RegExp]>([
    ['pending', 'pending', {}, 'overlap', {}, /^AGREEMENT_NOT_ACCEPTED: .* is pending/],
    ['proposed', 'proposed', {}, 'overlap', {}, /^AGREEMENT_NOT_ACCEPTED: .* is proposed/],
    ['revoked', 'revoked', {}, 'overlap', {}, /^AGREEMENT_REVOKED: .* revoked by Telco \(sha256:7{64}\): contract ended$/],
    ['expired', 'accepted', {}, 'overlap', { now: new Date('2026-07-01T00:00:00.000Z') }, /^AGREEMENT_EXPIRED: .* expired at 2026-07-01T00:00:00.000Z$/],
    [
      'operation not agreed',
      'accepted',
      { operations: ['overlap'], outputs: { overlap: ['proposer'], enrich: [] }, enrichAttribute: undefined },
      'enrich',
      {},
      /^OPERATION_NOT_ALLOWED: .*'enrich' is not allowed/,
    ],
    ['unknown operation', 'accepted', {}, 'sum', {}, /^OPERATION_NOT_ALLOWED: .*'sum' is unknown/],
  ])('refuses on both sides: %s', (_, status, over, op, reqOver, expected) => {
    const req = bankQueries(op, reqOver);
    expect(decide(stored('proposer', status, over), req.proposer)).toMatch(expected);
    expect(decide(stored('acceptor', status, over), req.acceptor)).toMatch(expected);
  });

  it('refuses a peer that is not the counter-party, before saying anything about the agreement', () => {
    const req = bankQueries('overlap', { peerNodeId: OTHER });
    expect(decide(stored('proposer', 'revoked'), req.proposer)).toMatch(/^OPERATION_NOT_ALLOWED: .*is not the counter-party$/);
    expect(decide(stored('acceptor', 'pending'), req.acceptor)).toMatch(/^OPERATION_NOT_ALLOWED: .*is not the counter-party$/);
  });

  it('refuses a dataset other than the one agreed for this side', () => {
    const req = bankQueries('overlap', { localDataset: 'employees' });
    expect(decide(stored('proposer'), req.proposer)).toMatch(/^OPERATION_NOT_ALLOWED: .*dataset 'employees'.*\('customers'\)/s);
    expect(decide(stored('acceptor'), req.acceptor)).toMatch(/^OPERATION_NOT_ALLOWED: .*dataset 'employees'.*\('subscribers'\)/s);
  });

  it('refuses a querier that is not an output receiver of the operation, on both sides', () => {
    // The telco queries: outputs name only the bank for overlap, and enrich always goes to the bank.
    const over = { outputs: { overlap: ['proposer' as const], enrich: ['proposer' as const] } };
    for (const op of ['overlap', 'enrich']) {
      const asQuerier = { operation: op, localRole: 'querier' as const, peerNodeId: BANK, localDataset: 'subscribers', now: DURING };
      const asResponder = { operation: op, localRole: 'responder' as const, peerNodeId: TELCO, localDataset: 'customers', now: DURING };
      expect(decide(stored('acceptor', 'accepted', over), asQuerier)).toMatch(
        new RegExp(`^OPERATION_NOT_ALLOWED: .*outputs.${op}: the querying party \\(acceptor, Telco\\)`),
      );
      expect(decide(stored('proposer', 'accepted', over), asResponder)).toMatch(
        new RegExp(`^OPERATION_NOT_ALLOWED: .*outputs.${op}: the querying party \\(acceptor, Telco\\)`),
      );
    }
  });

  it('lets either party query overlap when both receive it', () => {
    const telcoQueries = { operation: 'overlap', localRole: 'querier' as const, peerNodeId: BANK, localDataset: 'subscribers', now: DURING };
    expect(decide(stored('acceptor'), telcoQueries)).toBe('allowed');
  });

  it('is expired from the instant of expiry, not after', () => {
    const req = bankQueries('overlap', { now: new Date('2026-06-30T23:59:59.999Z') });
    expect(decide(stored('proposer'), req.proposer)).toBe('allowed');
  });
});

describe('checkResultReleasable', () => {
  it('withholds a result below the minimum without revealing its size', () => {
    const a = stored('proposer');
    let err: MofangError | undefined;
    try {
      checkResultReleasable(a, 37);
    } catch (e) {
      err = e as MofangError;
    }
    expect(err?.code).toBe('RESULT_BELOW_MINIMUM');
    expect(err?.message).toBe("the intersection is below the agreement's minimum of 100; the result is withheld");
    expect(JSON.stringify(err?.toJSON())).not.toContain('37');
  });

  it('releases a result at or above the minimum', () => {
    expect(() => checkResultReleasable(stored('acceptor'), 100)).not.toThrow();
    expect(() => checkResultReleasable(stored('acceptor'), 0)).toThrow(expect.objectContaining({ code: 'RESULT_BELOW_MINIMUM' }));
  });
});

describe('checkDailyQueryLimit', () => {
  it('refuses once the agreed number of queries in 24 hours is reached', () => {
    const a = stored('proposer', 'accepted', { maxQueriesPerDay: 3 });
    expect(() => checkDailyQueryLimit(a, 2)).not.toThrow();
    expect(() => checkDailyQueryLimit(a, 3)).toThrow(expect.objectContaining({ code: 'QUERY_LIMIT_REACHED' }));
    expect(() => checkDailyQueryLimit(stored('proposer'), 10_000)).not.toThrow();
  });
});

describe('checkLabelsAllowed', () => {
  const labelled = (side: PartyRole) =>
    stored(side, 'accepted', {
      enrichAttribute: 'partner:telco:member',
      parties: {
        proposer: { nodeId: BANK, name: 'Bank', dataset: 'customers', columns: ['phone'] },
        acceptor: { nodeId: TELCO, name: 'Telco', dataset: 'subscribers', columns: ['msisdn', 'active', 'plan'] },
      },
      labels: [
        { column: 'active', type: 'boolean' },
        { column: 'plan', type: 'category', maxBytes: 16 },
      ],
    });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return `${(err as MofangError).code}: ${(err as MofangError).message}`;
    }
    return 'allowed';
  };

  it('returns the agreed specs of the requested columns, in the requested order, on both sides', () => {
    for (const side of ['proposer', 'acceptor'] as const) {
      expect(checkLabelsAllowed(labelled(side), ['plan', 'active'])).toEqual([
        { column: 'plan', type: 'category', maxBytes: 16 },
        { column: 'active', type: 'boolean' },
      ]);
      expect(checkLabelsAllowed(labelled(side), [])).toEqual([]);
    }
  });

  it('refuses a column not in the agreement, naming it: columns not in the agreement cannot be requested', () => {
    for (const side of ['proposer', 'acceptor'] as const) {
      expect(refusal(() => checkLabelsAllowed(labelled(side), ['active', 'income']))).toMatch(
        /^OPERATION_NOT_ALLOWED: agreement .*: column 'income' is not a label column of this agreement \(allowed: active, plan\); columns not in the agreement cannot be requested$/,
      );
    }
    // The id column is exposed for matching, never delivered as a label.
    expect(refusal(() => checkLabelsAllowed(labelled('acceptor'), ['msisdn']))).toMatch(/column 'msisdn' is not a label column/);
    expect(refusal(() => checkLabelsAllowed(stored('acceptor'), ['active']))).toMatch(
      /column 'active' is not a label column of this agreement \(allowed: none\)/,
    );
    expect(refusal(() => checkLabelsAllowed(labelled('acceptor'), ['plan', 'plan']))).toMatch(/^OPERATION_NOT_ALLOWED: .*column 'plan' is requested twice$/);
  });

  it('checkLabelColumnsAvailable refuses a dataset that cannot deliver an agreed label', () => {
    const a = labelled('acceptor');
    expect(
      refusal(() =>
        checkLabelColumnsAvailable(a, [
          { name: 'active', type: 'boolean' },
          { name: 'plan', type: 'string' },
        ]),
      ),
    ).toBe('allowed');
    expect(refusal(() => checkLabelColumnsAvailable(a, [{ name: 'active', type: 'boolean' }]))).toMatch(
      /^OPERATION_NOT_ALLOWED: agreement .*: labels\[1\]\.column: the dataset has no column 'plan'$/,
    );
    expect(refusal(() => checkLabelColumnsAvailable(stored('acceptor'), []))).toBe('allowed');
  });
});
