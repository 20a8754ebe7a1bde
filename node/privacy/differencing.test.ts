import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import type { MofangError } from '../errors.js';
import { openNodeDatabase } from '../database.js';
import { checkDifferencing, recordReleasedGroups } from './differencing.js';
import { decodeSet, encodeSet, fingerprintKey, fingerprints, symmetricDifference } from './set-codec.js';

const key = fingerprintKey('-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----\n');
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `+86138${String(from + i).padStart(8, '0')}`);

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

describe('differencing guard (minGroupSize 20)', () => {
  const agreement = storedAggregateAgreement('proposer');
  const now = new Date('2026-01-10T00:00:00.000Z');
  const group = (label: string, from: number, to: number) => ({ label, members: fingerprints(key, ids(from, to)) });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
      return 'allowed';
    } catch (err) {
      return `${(err as MofangError).code}: ${(err as MofangError).message}`;
    }
  };

  it('refuses a group that differs from one released earlier in the period by 1 to 19 records, and allows the same group or a far one', () => {
    const db = openNodeDatabase(join(mkdtempSync(join(tmpdir(), 'mofang-guard-')), 'mofang.db'));
    recordReleasedGroups(db, agreement, 'run-1', [{ index: 0, ...group('north', 0, 500) }], now);
    expect(refusal(() => checkDifferencing(db, agreement, [group('north+1', 0, 501)], now))).toBe(
      "QUERY_TOO_SIMILAR: group 1 ('north+1') differs from group 'north' released by run run-1 in budget period 0 by fewer than the agreement's minGroupSize of 20 records; the difference of the two results could single out those records",
    );
    expect(refusal(() => checkDifferencing(db, agreement, [group('north-19', 19, 500)], now))).toMatch(/^QUERY_TOO_SIMILAR/);
    expect(refusal(() => checkDifferencing(db, agreement, [group('north again', 0, 500)], now))).toBe('allowed');
    expect(refusal(() => checkDifferencing(db, agreement, [group('north-20', 20, 500)], now))).toBe('allowed');
    // Another period starts a new comparison base, as the budget does.
    expect(refusal(() => checkDifferencing(db, agreement, [group('north+1', 0, 501)], new Date('2026-02-05T00:00:00.000Z')))).toBe('allowed');
    db.close();
  });

  it('refuses two groups of one query that nearly coincide', () => {
    const db = openNodeDatabase(join(mkdtempSync(join(tmpdir(), 'mofang-guard-')), 'mofang.db'));
    expect(refusal(() => checkDifferencing(db, agreement, [group('a', 0, 300), group('b', 300, 600), group('a+x', 0, 301)], now))).toMatch(
      /^QUERY_TOO_SIMILAR: group 3 \('a\+x'\) differs from group 1 \('a'\) of the same query/,
    );
    db.close();
  });
});
