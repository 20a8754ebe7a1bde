/**
 * Labelled PSI end to end in one process (both roles, no transport), on random sets:
 *   - every matched receiver record decrypts exactly the labels the sender attached to that
 *     identifier, through the sorted digests and the permuted ciphertexts;
 *   - labels of non-matching records are not recoverable: the receiver's F(x) for any x ∉ Y fails
 *     the tag check on every one of the sender's ciphertexts, and so does F(x) for x ∈ Y on every
 *     ciphertext but its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultGroup } from '../group/index.js';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { ProtocolError } from '../errors.js';
import { matchPairs, sortDigestsWithPayload } from './align.js';
import { digestLength, digests } from './digest.js';
import { lengthPrefixed } from './domain.js';
import { type LabelColumn, type LabelValue, createLabelCodec, encodeLabels } from './label-encoding.js';
import { LABEL_TAG_BYTES, decryptLabels, encryptLabels, labelContext } from './labels.js';
import { createReceiver } from './receiver.js';
import { createSender } from './sender.js';

const group = defaultGroup();
const utf8 = (s: string) => new TextEncoder().encode(s);
const dst = lengthPrefixed(utf8('mofang/v1/dataset-h2g'), utf8('raw'));
const COLUMNS: LabelColumn[] = [
  { column: 'active', type: 'boolean' },
  { column: 'score', type: 'number' },
  { column: 'plan', type: 'category', maxBytes: 12 },
];
const codec = createLabelCodec(COLUMNS);
const L = codec.length;
const SEALED = L + LABEL_TAG_BYTES;

const labelRow = fc.tuple(
  fc.option(fc.boolean(), { nil: null }),
  fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  fc.option(fc.constantFrom('', 'gold', 'silver', 'prepaid', '金卡', 'postpaid-5g'), { nil: null }),
) as fc.Arbitrary<LabelValue[]>;

/** Distinct X and Y with a random overlap; Y's records carry labels. */
const sets = fc
  .record({
    common: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 12 }),
    onlyX: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 12 }),
    onlyY: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 12 }),
    seed: fc.string({ maxLength: 8 }),
  })
  .map(({ common, onlyX, onlyY, seed }) => {
    const c = new Set(common);
    const x = onlyX.map((s) => `x:${s}`).filter((s) => !c.has(s));
    const y = onlyY.map((s) => `y:${s}`).filter((s) => !c.has(s));
    return { xs: shuffleBy(seed, [...common, ...x]), ys: shuffleBy(`${seed}/y`, [...y, ...common]), seed };
  })
  .chain((s) => fc.array(labelRow, { minLength: s.ys.length, maxLength: s.ys.length }).map((rows) => ({ ...s, rows })));

function shuffleBy<T>(seed: string, items: T[]): T[] {
  const rng = seededRandomBytesForTestsOnly(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = new DataView(rng(4).buffer).getUint32(0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** One labelled enrich run; returns what each side holds at the end. */
function run(xs: string[], ys: string[], rows: LabelValue[][], seed: string) {
  const rng = seededRandomBytesForTestsOnly(seed);
  const receiver = createReceiver({ group, rng });
  const sender = createSender({ group, rng });
  const length = digestLength(xs.length, ys.length);
  const digestCtx = utf8('mofang/v1/psi|agreement|epoch:0');
  const labelCtx = labelContext(utf8('mofang/v1/psi-label|agreement|run-1'), COLUMNS);

  // R → S → R: F(x) in R's order (membership mode).
  const fx = receiver.finalize(sender.evaluate(receiver.blind(group.hashToGroup(dst, xs.map(utf8)))));
  // S: F(y), labels sealed under keys from F(y), digests and ciphertexts sorted together.
  const fy = sender.evaluateOwn(group.hashToGroup(dst, ys.map(utf8)));
  const sealed = encryptLabels(fy, encodeLabels(COLUMNS, rows), L, labelCtx);
  const fromSender = sortDigestsWithPayload(digests(fy, digestCtx, length), length, sealed, SEALED);
  // R: match, then decrypt the matched records' labels with its own F(x).
  const pairs = matchPairs(digests(fx, digestCtx, length), fromSender.digests, length);
  const plain = decryptLabels(fx, pairs, fromSender.payload, L, labelCtx);
  return { fx, fy, pairs, plain, ciphertexts: fromSender.payload, labelCtx };
}

function tagFails(fx: Uint8Array, i: number, ciphertexts: Uint8Array, j: number, context: Uint8Array): boolean {
  try {
    decryptLabels(fx, { receiverIndices: Uint32Array.of(i), senderIndices: Uint32Array.of(j) }, ciphertexts, L, context);
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).message).toMatch(new RegExp(`^ciphertexts\\[${j}\\]: the label for receiver record ${i} does not authenticate`));
    return true;
  }
}

describe('labelled PSI', () => {
  it('each matched receiver record decrypts the labels the sender attached to that identifier', () => {
    fc.assert(
      fc.property(sets, ({ xs, ys, rows, seed }) => {
        const { pairs, plain } = run(xs, ys, rows, seed);
        const expected = xs.flatMap((x, i) => (ys.includes(x) ? [i] : []));
        expect([...pairs.receiverIndices]).toEqual(expected);
        pairs.receiverIndices.forEach((i, k) => {
          const want = rows[ys.indexOf(xs[i])];
          const got = codec.decode(plain, k * L);
          got.forEach((v, c) => expect(Object.is(v, want[c])).toBe(true));
        });
      }),
      { numRuns: 40 },
    );
  });

  it('labels of non-matching records are not recoverable: every other F(x) fails the tag check', () => {
    fc.assert(
      fc.property(sets, ({ xs, ys, rows, seed }) => {
        const { fx, pairs, ciphertexts, labelCtx } = run(xs, ys, rows, seed);
        const ownCiphertext = new Map<number, number>();
        pairs.receiverIndices.forEach((i, k) => ownCiphertext.set(i, pairs.senderIndices[k]));
        for (let i = 0; i < xs.length; i++) {
          for (let j = 0; j < ys.length; j++) {
            if (ownCiphertext.get(i) === j) continue;
            expect(tagFails(fx, i, ciphertexts, j, labelCtx)).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a matching F(x) opens its label in this run only: another run context fails', () => {
    fc.assert(
      fc.property(
        sets.filter((s) => s.xs.some((x) => s.ys.includes(x))),
        ({ xs, ys, rows, seed }) => {
          const { fx, pairs, ciphertexts } = run(xs, ys, rows, seed);
          const otherRun = labelContext(utf8('mofang/v1/psi-label|agreement|run-2'), COLUMNS);
          expect(tagFails(fx, pairs.receiverIndices[0], ciphertexts, pairs.senderIndices[0], otherRun)).toBe(true);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('no key from random 32-byte values opens a sender ciphertext', () => {
    const rows = Array.from({ length: 8 }, (_, i) => [i % 2 === 0, i, `p${i}`]);
    const ys = rows.map((_, i) => `y${i}`);
    const { ciphertexts, labelCtx } = run(['nobody'], ys, rows, 'random-keys');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: ys.length - 1 }), (f, j) => {
        expect(tagFails(f, 0, ciphertexts, j, labelCtx)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
