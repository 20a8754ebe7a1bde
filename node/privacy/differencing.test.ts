import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import type { StoredAgreement } from '../agreements/store.js';
import type { MofangError } from '../errors.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { checkDifferencing, type GuardedGroup, recordReleasedGroups } from './differencing.js';
import { decodeSet, encodeSet, fingerprintKey, fingerprints, symmetricDifference } from './set-codec.js';

const key = fingerprintKey('-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----\n');
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `+86138${String(from + i).padStart(8, '0')}`);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('record-set codec', () => {
  it('round-trips any sorted set of 48-bit values, in about 4 bytes per record for random fingerprints', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { maxLength: 300 }), (values) => {
        const sorted = Float64Array.from(values).sort();
        expect(decodeSet(encodeSet(sorted))).toEqual(sorted);
      }),
    );
    const members = fingerprints(key, ids(0, 100_000));
    expect(members.length).toBe(100_000);
    expect(encodeSet(members).length / members.length).toBeLessThan(5);
  });

  it('counts the symmetric difference, capped at the limit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000)), fc.uniqueArray(fc.nat(1000)), (a, b) => {
        const A = Float64Array.from(a).sort();
        const B = Float64Array.from(b).sort();
        const exact = a.filter((x) => !b.includes(x)).length + b.filter((x) => !a.includes(x)).length;
        expect(symmetricDifference(A, B)).toBe(exact);
        expect(symmetricDifference(A, B, 5)).toBe(Math.min(5, exact));
      }),
    );
  });

  it('is keyed: the same identifiers under another node key give other fingerprints', () => {
    expect(fingerprints(fingerprintKey('other'), ids(0, 10))).not.toEqual(fingerprints(key, ids(0, 10)));
  });
});

// minGroupSize 20, 30-day periods; 2026-01-10 lies in the epoch-anchored period 2026-01-07 … 2026-02-06.
const agreement = storedAggregateAgreement('proposer');
const now = new Date('2026-01-10T00:00:00.000Z');
const set = (xs: number[]) => Float64Array.from(new Set(xs)).sort();
/** Membership mode: the node knows which records matched. */
const known = (label: string, input: number[], matched: number[]): GuardedGroup => ({
  label,
  input: set(input),
  matched: set(matched),
  count: new Set(matched).size,
});
/** Shuffled mode: the node knows the input and the exact number of matches only. */
const counted = (label: string, input: number[], count: number): GuardedGroup => ({ label, input: set(input), matched: null, count });
const refusal = (fn: () => unknown) => {
  try {
    fn();
    return 'allowed';
  } catch (err) {
    return `${(err as MofangError).code}: ${(err as MofangError).message}`;
  }
};
const release = (db: Db, runId: string, groups: GuardedGroup[], a: StoredAgreement = agreement, at = now) =>
  recordReleasedGroups(
    db,
    a,
    runId,
    groups.map((g, index) => ({ ...g, index })),
    at,
  );
const check = (db: Db, groups: GuardedGroup[], a: StoredAgreement = agreement, at = now) => refusal(() => checkDifferencing(db, a, groups, at));
/** Another agreement between the same two nodes over the same two datasets. */
const sameTermsAgain = storedAggregateAgreement('proposer', {}, '2f8fad5b-d9cb-469f-a165-70867728950e');
function onOtherDataset(a: StoredAgreement): StoredAgreement {
  const parties = { ...a.terms.parties, proposer: { ...a.terms.parties.proposer, dataset: 'prospects' } };
  return { ...a, id: '3f8fad5b-d9cb-469f-a165-70867728950e', terms: { ...a.terms, parties } };
}

describe('differencing guard on matched sets (minGroupSize 20)', () => {
  it('refuses a matched set 1 to 19 records from one released earlier, and allows the same set or one 20 away', () => {
    const db = openNodeDatabase(':memory:');
    release(db, 'run-1', [known('north', range(0, 600), range(0, 500))]);
    expect(check(db, [known('north+1', range(0, 601), range(0, 501))])).toBe(
      `QUERY_TOO_SIMILAR: group 1 ('north+1') differs from group 'north' released by run run-1 on this data pair since 2026-01-07T00:00:00.000Z by fewer than 20 matched records (the agreement's minGroupSize, or the default), or may; the difference of the results could single out those records`,
    );
    expect(check(db, [known('north-19', range(19, 600), range(19, 500))])).toMatch(/^QUERY_TOO_SIMILAR/);
    expect(check(db, [known('north again', range(0, 600), range(0, 500))])).toBe('allowed');
    expect(check(db, [known('north-20', range(20, 600), range(20, 500))])).toBe('allowed');
    // Another period starts a new comparison base, as the budget does.
    expect(check(db, [known('north+1', range(0, 601), range(0, 501))], agreement, new Date('2026-02-10T00:00:00.000Z'))).toBe('allowed');
  });

  it('sees through padding: never-matched additions do not make a group far from an earlier one', () => {
    const db = openNodeDatabase(':memory:');
    release(db, 'run-1', [known('S', range(0, 500), range(0, 120))]);
    // S plus the target (matched) plus 19 made-up numbers (never matched): 20 input records apart, 1 matched apart.
    expect(check(db, [known('S+T+pad', [...range(0, 500), 9000, ...range(9001, 9020)], [...range(0, 120), 9000])])).toMatch(
      /^QUERY_TOO_SIMILAR: group 1 \('S\+T\+pad'\) differs from group 'S' released by run run-1/,
    );
    // Shuffled mode (only counts known): refused whether the target matched or not, so the refusal tells nothing.
    const shuffled = openNodeDatabase(':memory:');
    release(shuffled, 'run-1', [counted('S', range(0, 500), 120)]);
    const padded = [...range(0, 500), 9000, ...range(9001, 9020)];
    expect(check(shuffled, [counted('S+T+pad', padded, 121)])).toMatch(/^QUERY_TOO_SIMILAR/);
    expect(check(shuffled, [counted('S+T+pad', padded, 120)])).toMatch(/^QUERY_TOO_SIMILAR/);
    // Repeating the same input set is allowed; a far-apart group too.
    expect(check(shuffled, [counted('S', range(0, 500), 120)])).toBe('allowed');
    expect(check(shuffled, [counted('S+40', range(0, 540), 160)])).toBe('allowed');
  });

  it('refuses a chain: a group equal to a union of released groups plus one record, in either order', () => {
    const ca = range(0, 300);
    const cb = range(1000, 1300);
    const matchedOf = (xs: number[]) => xs.filter((x) => x % 3 === 0);
    const db = openNodeDatabase(':memory:');
    release(db, 'run-a', [known('ca', ca, matchedOf(ca))]);
    release(db, 'run-b', [known('cb', cb, matchedOf(cb))]);
    const union = [...ca, ...cb, 5000];
    expect(check(db, [known('ca+cb+T', union, [...matchedOf(ca), ...matchedOf(cb), 5000])])).toMatch(
      /^QUERY_TOO_SIMILAR: group 1 \('ca\+cb\+T'\) differs from the union of group 'ca' released by run run-a .* \+ group 'cb' released by run run-b/,
    );
    // Shuffled mode: counts add up over disjoint inputs.
    const shuffled = openNodeDatabase(':memory:');
    release(shuffled, 'run-a', [counted('ca', ca, 100)]);
    release(shuffled, 'run-b', [counted('cb', cb, 100)]);
    expect(check(shuffled, [counted('ca+cb+T', union, 201)])).toMatch(/^QUERY_TOO_SIMILAR: .* the union of/);
    // The other order: the union first, then its parts.
    const reverse = openNodeDatabase(':memory:');
    release(reverse, 'run-u', [counted('ca+cb+T', union, 201)]);
    release(reverse, 'run-a', [counted('ca', ca, 100)]);
    expect(check(reverse, [counted('cb', cb, 100)])).toMatch(/^QUERY_TOO_SIMILAR: group 1 \('cb'\) differs from what group 'ca\+cb\+T'/);
    // Parts far from the union (20 matched records outside them) pass.
    const far = openNodeDatabase(':memory:');
    release(far, 'run-a', [counted('ca', ca, 100)]);
    release(far, 'run-b', [counted('cb', cb, 100)]);
    expect(check(far, [counted('ca+cb+40', [...union, ...range(6000, 6039)], 240)])).toBe('allowed');
  });

  it('refuses two groups of one query that nearly coincide', () => {
    const db = openNodeDatabase(':memory:');
    expect(
      check(db, [known('a', range(0, 300), range(0, 300)), known('b', range(300, 600), range(300, 600)), known('a+x', range(0, 301), range(0, 301))]),
    ).toMatch(/^QUERY_TOO_SIMILAR: group 3 \('a\+x'\) differs from group 1 \('a'\) of the same query/);
  });

  it('remembers per data pair: a second agreement over the same datasets inherits the memory, another dataset does not', () => {
    const db = openNodeDatabase(':memory:');
    release(db, 'run-1', [known('north', range(0, 600), range(0, 500))]);
    expect(check(db, [known('north+1', range(0, 601), range(0, 501))], sameTermsAgain)).toMatch(
      new RegExp(`^QUERY_TOO_SIMILAR: .* released by run run-1 under agreement ${agreement.id} on this data pair`),
    );
    expect(check(db, [known('north+1', range(0, 601), range(0, 501))], onOtherDataset(agreement))).toBe('allowed');
  });

  it('property: within minGroupSize of an earlier group or of a union of earlier groups is refused; far groups pass', () => {
    const k = 20;
    const history = fc
      .array(fc.integer({ min: 40, max: 120 }), { minLength: 2, maxLength: 6 })
      .map((sizes) => sizes.map((n, i) => range(i * 1000, i * 1000 + n)));
    fc.assert(
      fc.property(
        history,
        fc.nat(),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: k - 1 }),
        fc.boolean(),
        fc.boolean(),
        (blocks, pick, parts, d, add, membership) => {
          const db = openNodeDatabase(':memory:');
          const group = (label: string, xs: number[]) => (membership ? known(label, xs, xs) : counted(label, xs, xs.length));
          blocks.forEach((b, i) => release(db, `run-${i}`, [group(`g${i}`, b)]));
          const base = blocks[pick % blocks.length];
          const fresh = range(900_000, 900_000 + d);
          // One earlier group, plus or minus d matched records.
          const near = add ? [...base, ...fresh] : base.slice(d);
          expect(check(db, [group('near', near)])).toMatch(/^QUERY_TOO_SIMILAR/);
          // A union of earlier groups plus d records.
          const chain = blocks.slice(0, Math.min(parts, blocks.length)).flat();
          expect(check(db, [group('chain', [...chain, ...fresh])])).toMatch(/^QUERY_TOO_SIMILAR/);
          // Far: k records of the group swapped for k new ones.
          expect(check(db, [group('far', [...base.slice(k), ...range(800_000, 800_000 + k)])])).toBe('allowed');
          db.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
