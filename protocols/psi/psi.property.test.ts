/**
 * End-to-end DH-OPRF PSI in one process (both roles, no transport): the computed membership and
 * count equal the plain set intersection. Semantics under test: ids are normalised (NFC) and
 * encoded as UTF-8 by the caller; every occurrence of a duplicate in R's input is reported; S's
 * duplicates change nothing but the |Y| that R sees (the node dedupes both sides before a run).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultGroup } from '../group/index.js';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { lengthPrefixed } from './domain.js';
import { digestLength, digests, sortDigests } from './digest.js';
import { matchCount, matchMembership } from './match.js';
import { createReceiver } from './receiver.js';
import { createSender } from './sender.js';

const group = defaultGroup();
const utf8 = (s: string) => new TextEncoder().encode(s.normalize('NFC'));
// As the node does it: one dst per identifier kind at import, the run named only in the digests.
const dst = lengthPrefixed(utf8('mofang/v1/dataset-h2g'), utf8('email'));
const run = utf8('mofang/v1/psi|agreement-42|run-7');

/** Splits `bytes` into batches of `size` points, as the node streams them. */
function* batches(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  const step = size * group.pointBytes;
  for (let o = 0; o < bytes.length; o += step) yield bytes.subarray(o, o + step);
  if (bytes.length === 0) yield bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

function runPsi(xs: string[], ys: string[], mode: 'membership' | 'cardinality', batchSize = 4096, seed = 'psi') {
  const rng = seededRandomBytesForTestsOnly(seed);
  const receiver = createReceiver({ group, rng });
  const sender = createSender({ group, rng });
  const length = digestLength(xs.length, ys.length);

  // R → S: blinded batches. S → R: evaluated batches (membership) or one shuffled reply (cardinality).
  const blinded = [...batches(group.hashToGroup(dst, xs.map(utf8)), batchSize)].map((b) => receiver.blind(b));
  const replies = mode === 'membership' ? blinded.map((b) => sender.evaluate(b)) : [sender.evaluateShuffled(concat(blinded))];
  const fx = concat(replies.map((r) => receiver.finalize(r)));
  // S → R: sorted digests of F(y).
  const fromSender = sortDigests(digests(sender.evaluateOwn(group.hashToGroup(dst, ys.map(utf8))), run, length), length);

  const mine = digests(fx, run, length);
  return mode === 'membership' ? [...matchMembership(mine, fromSender, length)] : matchCount(mine, fromSender, length);
}

function plainMembership(xs: string[], ys: string[]): number[] {
  const y = new Set(ys.map((s) => s.normalize('NFC')));
  return xs.flatMap((x, i) => (y.has(x.normalize('NFC')) ? [i] : []));
}

/** Two sets drawn from one small pool of unicode ids, so that they overlap, with duplicates. */
const setPair = fc
  .tuple(
    fc.array(fc.string({ unit: 'grapheme', maxLength: 6 }), { minLength: 1, maxLength: 24 }),
    fc.array(fc.nat(), { maxLength: 24 }),
    fc.array(fc.nat(), { maxLength: 24 }),
  )
  .map(([pool, xi, yi]) => [xi.map((i) => pool[i % pool.length]), yi.map((i) => pool[i % pool.length])] as const);

describe('DH-OPRF PSI equals the plain intersection', () => {
  it('membership: the matched indices of R (random sets, empty sets, duplicates, unicode)', () => {
    fc.assert(
      fc.property(setPair, fc.integer({ min: 1, max: 5 }), ([xs, ys], batchSize) => {
        expect(runPsi(xs, ys, 'membership', batchSize)).toEqual(plainMembership(xs, ys));
      }),
      { numRuns: 60 },
    );
  });

  it('cardinality: the count only', () => {
    fc.assert(
      fc.property(setPair, ([xs, ys]) => {
        expect(runPsi(xs, ys, 'cardinality')).toBe(plainMembership(xs, ys).length);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['both empty', [], []],
    ['R empty', [], ['a']],
    ['S empty', ['a'], []],
    ['one element, equal', ['x'], ['x']],
    ['one element, different', ['x'], ['y']],
    ['duplicates in R each match', ['a', 'b', 'a', 'a'], ['a']],
    ['NFC and NFD spellings of one id', ['Zo\u0065\u0301'], ['Zo\u00e9']],
    ['CJK and emoji', ['张伟', '👩‍💻', 'Ü'], ['👩‍💻', '张伟']],
  ])('edge case: %s', (_, xs, ys) => {
    expect(runPsi(xs, ys, 'membership', 2)).toEqual(plainMembership(xs, ys));
    expect(runPsi(xs, ys, 'cardinality')).toBe(plainMembership(xs, ys).length);
  });

  it('10,000 × 12,000 ids with 4,000 in common, in batches of 4096', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => `customer-${i}@bank.example`);
    const ys = Array.from({ length: 12_000 }, (_, i) => `customer-${i + 6_000}@bank.example`);
    const matched = runPsi(xs, ys, 'membership') as number[];
    expect(matched).toHaveLength(4_000);
    expect(matched).toEqual(plainMembership(xs, ys));
  });
});
