/**
 * Labelled PSI, unit level: the fixed-length encoding and its limits, the key derivation and the
 * AEAD on fixed vectors (labels.vectors.json, derived independently with @noble/hashes and OpenSSL),
 * and the checks of the batch functions.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { lengthPrefixed } from './domain.js';
import { DIGEST_LABEL } from './domain.js';
import { type LabelColumn, type LabelValue, createLabelCodec, decodeLabel, encodeLabel, encodeLabels, labelLength } from './label-encoding.js';
import { LABEL_KEY_LABEL, LABEL_TAG_BYTES, decryptLabels, encryptLabels, labelContext, labelKey } from './labels.js';
import vectors from './labels.vectors.json' with { type: 'json' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const sha = (s: string) => Uint8Array.from(createHash('sha256').update(s).digest());

const TELCO: LabelColumn[] = [
  { column: 'active', type: 'boolean' },
  { column: 'score', type: 'number' },
  { column: 'plan', type: 'category', maxBytes: 16 },
];
const RUN = utf8('mofang/v1/psi-label|agreement|run');

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('label encoding', () => {
  it('has a fixed length per column list: bitmap + 1 per boolean + 8 per number + 1 + maxBytes per category', () => {
    expect(labelLength(TELCO)).toBe(1 + 1 + 8 + 17);
    expect(labelLength(Array.from({ length: 9 }, (_, i) => ({ column: `c${i}`, type: 'boolean' as const })))).toBe(2 + 9);
    for (const values of [
      [true, 0.5, 'gold'],
      [null, null, null],
      [false, -1e300, ''],
    ] as LabelValue[][]) {
      expect(encodeLabel(TELCO, values)).toHaveLength(27);
    }
  });

  it('round-trips every value that fits', () => {
    const columns: LabelColumn[] = [...TELCO, { column: 'segment', type: 'category', maxBytes: 255 }];
    const value = (c: LabelColumn) =>
      fc.oneof(
        fc.constant(null),
        c.type === 'boolean'
          ? fc.boolean()
          : c.type === 'number'
            ? fc.double({ noNaN: true, noDefaultInfinity: true })
            : fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => utf8(s).length <= c.maxBytes!),
      );
    fc.assert(
      fc.property(fc.tuple(...columns.map(value)), (values) => {
        const decoded = decodeLabel(columns, encodeLabel(columns, values));
        decoded.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it.each<[string, LabelColumn[], LabelValue[], RegExp]>([
    [
      'a category longer than maxBytes, in UTF-8 bytes',
      TELCO,
      [true, 1, '金金金金金金'],
      /^label column 'plan' \(category, at most 16 bytes\): the value is 18 UTF-8 bytes, longer than 16$/,
    ],
    ['a lone surrogate', TELCO, [true, 1, '\ud800'], /^label column 'plan' .*lone surrogate/],
    ['NaN', TELCO, [true, Number.NaN, 'a'], /^label column 'score' \(number\): expected a finite number/],
    ['Infinity', TELCO, [true, Number.POSITIVE_INFINITY, 'a'], /^label column 'score' \(number\): expected a finite number/],
    ['a number for a boolean', TELCO, [1, 1, 'a'], /^label column 'active' \(boolean\): expected a boolean or null, got number$/],
    ['a string for a number', TELCO, [true, '1', 'a'], /^label column 'score' \(number\): expected a number or null, got string$/],
    ['a number for a category', TELCO, [true, 1, 7], /^label column 'plan' .*: expected a string or null, got number$/],
    ['undefined', TELCO, [true, undefined as never, 'a'], /^label column 'score' .*got undefined$/],
    ['too few values', TELCO, [true, 1], /^values: expected 3 values \(one per label column\), got 2$/],
  ])('refuses %s, naming the column and never the value', (_, columns, values, expected) => {
    const err = protocolError(() => encodeLabel(columns, values));
    expect(err.code).toBe('PSI_INPUT_INVALID');
    expect(err.message).toMatch(expected);
    expect(err.message).not.toContain('金');
  });

  it('names the row in a batch', () => {
    expect(
      protocolError(() =>
        encodeLabels(TELCO, [
          [true, 1, 'a'],
          [true, 1, 'x'.repeat(17)],
        ]),
      ).message,
    ).toMatch(/^rows\[1\]: label column 'plan'/);
    expect(
      encodeLabels(TELCO, [
        [true, 1, 'a'],
        [null, 2, 'b'],
      ]),
    ).toEqual(Uint8Array.from([...encodeLabel(TELCO, [true, 1, 'a']), ...encodeLabel(TELCO, [null, 2, 'b'])]));
  });

  it.each<[string, unknown, RegExp]>([
    ['no columns', [], /^columns: expected 1 to 256 label columns$/],
    ['category without maxBytes', [{ column: 'plan', type: 'category' }], /^columns\[0\]\.maxBytes: category column 'plan' needs an integer in \[1, 255\]$/],
    ['category maxBytes 256', [{ column: 'plan', type: 'category', maxBytes: 256 }], /^columns\[0\]\.maxBytes/],
    ['maxBytes on a boolean', [{ column: 'vip', type: 'boolean', maxBytes: 3 }], /^columns\[0\]\.maxBytes: only a category column has maxBytes/],
    ['unknown type', [{ column: 'd', type: 'date' }], /^columns\[0\]\.type: 'date' is not one of boolean, number, category$/],
    [
      'a column twice',
      [
        { column: 'a', type: 'number' },
        { column: 'a', type: 'boolean' },
      ],
      /^columns\[1\]\.column: 'a' is listed twice$/,
    ],
    ['an unnamed column', [{ column: '', type: 'number' }], /^columns\[0\]\.column: expected a non-empty name$/],
  ])('refuses a column list with %s', (_, columns, expected) => {
    expect(protocolError(() => createLabelCodec(columns as LabelColumn[])).message).toMatch(expected);
  });

  it.each<[string, (b: Uint8Array) => void, RegExp]>([
    ['a boolean byte of 2', (b) => (b[1] = 2), /^label column 'active' \(boolean\): byte 2 is neither/],
    ['category padding', (b) => (b[27 - 1] = 1), /^label column 'plan' .*: padding is not zero$/],
    ['a category length above maxBytes', (b) => (b[10] = 17), /^label column 'plan' .*: length 17 exceeds 16$/],
    ['an unused null bit', (b) => (b[0] |= 0x08), /^label: null bit 3 is set, but there are only 3 columns$/],
    ['a null with bytes in its slot', (b) => ((b[0] |= 0x01), (b[1] = 1)), /^label column 'active' \(boolean\): null, but its slot is not zero$/],
    ['a NaN number', (b) => b.set([0x7f, 0xf8, 0, 0, 0, 0, 0, 0], 2), /^label column 'score' \(number\): not a finite number$/],
    ['invalid UTF-8', (b) => ((b[10] = 2), b.set([0xc3, 0x28], 11)), /^label column 'plan' .*: not well-formed UTF-8$/],
  ])('decoding refuses %s', (_, tamper, expected) => {
    const b = encodeLabel(TELCO, [true, 0.5, 'ab']);
    tamper(b);
    expect(protocolError(() => decodeLabel(TELCO, b)).message).toMatch(expected);
  });

  it('decoding refuses a record of the wrong length', () => {
    expect(protocolError(() => decodeLabel(TELCO, new Uint8Array(26))).message).toBe('bytes: expected 27 bytes for these label columns, got 26');
  });
});

describe('label keys and ciphertexts: fixed vectors', () => {
  const value = (v: unknown) => (v === '-0' ? -0 : v) as LabelValue;

  it.each(vectors.vectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
    const columns = v.columns as LabelColumn[];
    const values = v.values.map(value);
    const context = labelContext(utf8(v.run), columns);
    expect(hex(context)).toBe(v.context);
    const plaintext = encodeLabel(columns, values);
    expect(hex(plaintext)).toBe(v.plaintext);
    expect(hex(labelKey(bytes(v.f), context))).toBe(v.key);
    expect(hex(encryptLabels(bytes(v.f), plaintext, plaintext.length, context))).toBe(v.ciphertext);
    const decrypted = decryptLabels(
      bytes(v.f),
      { receiverIndices: Uint32Array.of(0), senderIndices: Uint32Array.of(0) },
      bytes(v.ciphertext),
      plaintext.length,
      context,
    );
    decodeLabel(columns, decrypted).forEach((d, i) => expect(Object.is(d, values[i])).toBe(true));
  });

  it('matches an independent derivation on random inputs (@noble/hashes BLAKE2b, OpenSSL ChaCha20-Poly1305)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (f, context, plaintext) => {
          const key = blake2b(Uint8Array.from([...lengthPrefixed(utf8(LABEL_KEY_LABEL), context), ...f]), { dkLen: 32 });
          expect(hex(labelKey(f, context))).toBe(hex(key));
          const cipher = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
          const expected = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
          expect(hex(encryptLabels(f, plaintext, plaintext.length, context))).toBe(expected.toString('hex'));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the label key is not the digest: another label and another hash over the same F and context', () => {
    const f = sha('F');
    const context = utf8('mofang/v1/psi|a|r');
    const digestInput = Uint8Array.from([...lengthPrefixed(utf8(DIGEST_LABEL), context), ...f]);
    const digest = createHash('sha256').update(digestInput).digest('hex');
    expect(hex(labelKey(f, context))).not.toBe(digest);
    expect(hex(labelKey(f, context))).not.toBe(hex(blake2b(digestInput, { dkLen: 32 })));
  });

  it('binds the column list: another list gives another context', () => {
    const other: LabelColumn[] = [TELCO[0], TELCO[1], { ...TELCO[2], maxBytes: 15 }];
    expect(hex(labelContext(RUN, TELCO))).not.toBe(hex(labelContext(RUN, other)));
    expect(hex(labelContext(RUN, TELCO))).not.toBe(hex(labelContext(RUN, [TELCO[1], TELCO[0], TELCO[2]])));
  });
});

describe('encryptLabels / decryptLabels checks', () => {
  const fy = Uint8Array.from([...sha('y0'), ...sha('y1'), ...sha('y2')]);
  const labels = encodeLabels(TELCO, [
    [true, 1, 'a'],
    [false, 2, 'b'],
    [null, 3, 'c'],
  ]);
  const context = labelContext(RUN, TELCO);
  const L = labelLength(TELCO);

  it('outputs n × (L + 16) bytes, one ciphertext per record in input order', () => {
    const sealed = encryptLabels(fy, labels, L, context);
    expect(sealed).toHaveLength(3 * (L + LABEL_TAG_BYTES));
    const one = encryptLabels(fy.subarray(32, 64), labels.subarray(L, 2 * L), L, context);
    expect(hex(sealed.subarray(L + 16, 2 * (L + 16)))).toBe(hex(one));
  });

  it('refuses two equal F values (one key would encrypt two labels)', () => {
    const dup = Uint8Array.from([...sha('y0'), ...sha('y1'), ...sha('y0')]);
    expect(protocolError(() => encryptLabels(dup, labels, L, context)).message).toMatch(/^fy: records 0 and 2 have the same F value/);
  });

  it('refuses misaligned inputs', () => {
    expect(protocolError(() => encryptLabels(fy, labels.subarray(0, 2 * L), L, context)).message).toBe('labels: 2 labels for 3 F values');
    expect(protocolError(() => encryptLabels(fy.subarray(1), labels, L, context)).message).toMatch(/^fy: length 95 is not a multiple of 32/);
    expect(protocolError(() => encryptLabels(fy, labels, 0, context)).message).toMatch(/^labelLength: expected an integer in \[1, 65535\]/);
    const sealed = encryptLabels(fy, labels, L, context);
    const pairs = (r: number[], s: number[]) => ({ receiverIndices: Uint32Array.from(r), senderIndices: Uint32Array.from(s) });
    expect(protocolError(() => decryptLabels(fy, pairs([3], [0]), sealed, L, context)).message).toBe('pairs.receiverIndices[0]: 3 is out of range (3 records)');
    expect(protocolError(() => decryptLabels(fy, pairs([0], [3]), sealed, L, context)).message).toBe(
      'pairs.senderIndices[0]: 3 is out of range (3 ciphertexts)',
    );
    expect(protocolError(() => decryptLabels(fy, pairs([0, 1], [0]), sealed, L, context)).message).toMatch(/^pairs: expected/);
    expect(protocolError(() => decryptLabels(fy, pairs([0], [0]), sealed.subarray(1), L, context)).message).toMatch(/^ciphertexts: length/);
  });

  it('a tampered ciphertext, another context or another record fails the tag check, naming the indices', () => {
    const sealed = encryptLabels(fy, labels, L, context);
    const pair = (i: number, j: number) => ({ receiverIndices: Uint32Array.of(i), senderIndices: Uint32Array.of(j) });
    expect(decodeLabel(TELCO, decryptLabels(fy, pair(2, 2), sealed, L, context))).toEqual([null, 3, 'c']);
    const tampered = sealed.slice();
    tampered[2 * (L + 16) + 5] ^= 1;
    const expected = 'ciphertexts[2]: the label for receiver record 2 does not authenticate (a false digest match or a cheating sender)';
    expect(protocolError(() => decryptLabels(fy, pair(2, 2), tampered, L, context)).message).toBe(expected);
    expect(protocolError(() => decryptLabels(fy, pair(2, 2), sealed, L, labelContext(utf8('another run'), TELCO))).message).toBe(expected);
    expect(protocolError(() => decryptLabels(fy, pair(1, 2), sealed, L, context)).message).toMatch(
      /^ciphertexts\[2\]: the label for receiver record 1 does not authenticate/,
    );
  });
});
