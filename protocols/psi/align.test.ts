/** Digests and their payloads stay aligned through the sender's sort; pairs point at the right digest. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { gather, matchPairs, sortDigestsWithPayload } from './align.js';
import { digestOrder } from './digest.js';
import { sortDigests } from './digest.js';
import { matchMembership } from './match.js';

const L = 8;
const digestList = (max = 200) => fc.array(fc.uint8Array({ minLength: L, maxLength: L }), { maxLength: max });
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('digestOrder / sortDigestsWithPayload', () => {
  it('sorts digests exactly as sortDigests and moves each payload item with its digest', () => {
    fc.assert(
      fc.property(digestList(), (list) => {
        const d = concat(list);
        // Payload item i = the digest i itself plus its index: easy to check after the permutation.
        const payload = concat(list.map((x, i) => Uint8Array.from([...x, i & 0xff, i >> 8])));
        const sorted = sortDigestsWithPayload(d, L, payload, L + 2);
        expect(hex(sorted.digests)).toBe(hex(sortDigests(d, L)));
        const order = digestOrder(d, L);
        expect([...order].sort((a, b) => a - b)).toEqual(list.map((_, i) => i));
        for (let k = 0; k < list.length; k++) {
          const item = sorted.payload.subarray(k * (L + 2), (k + 1) * (L + 2));
          expect(hex(item.subarray(0, L))).toBe(hex(sorted.digests.subarray(k * L, (k + 1) * L)));
          expect(item[L] | (item[L + 1] << 8)).toBe(order[k]);
        }
        expect(hex(gather(payload, L + 2, order))).toBe(hex(sorted.payload));
      }),
    );
  });

  it('refuses a payload that does not have one item per digest', () => {
    expect(() => sortDigestsWithPayload(new Uint8Array(2 * L), L, new Uint8Array(3), 1)).toThrow(ProtocolError);
    expect(() => sortDigestsWithPayload(new Uint8Array(2 * L), L, new Uint8Array(3), 1)).toThrow('payload: 3 items for 2 digests');
    expect(() => gather(new Uint8Array(4), 2, Uint32Array.of(2))).toThrow('order[0]: 2 is out of range (2 items)');
  });
});

describe('matchPairs', () => {
  it('gives matchMembership’s receiver indices and, for each, an equal digest in the sender list', () => {
    fc.assert(
      fc.property(digestList(80), digestList(80), fc.array(fc.nat(), { maxLength: 40 }), (r, s, picks) => {
        // Make some receiver digests occur among the sender's.
        const receiver = [...r, ...(s.length ? picks.map((p) => s[p % s.length]) : [])];
        const R = concat(receiver);
        const S = sortDigests(concat(s), L);
        const pairs = matchPairs(R, S, L);
        expect([...pairs.receiverIndices]).toEqual([...matchMembership(R, S, L)]);
        pairs.receiverIndices.forEach((i, k) => {
          const j = pairs.senderIndices[k];
          expect(hex(S.subarray(j * L, (j + 1) * L))).toBe(hex(R.subarray(i * L, (i + 1) * L)));
          // The first equal digest.
          if (j > 0) expect(hex(S.subarray((j - 1) * L, j * L))).not.toBe(hex(R.subarray(i * L, (i + 1) * L)));
        });
      }),
    );
  });

  it('checks the sender order like matchMembership', () => {
    const S = concat([Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0]), Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0])]);
    expect(() => matchPairs(new Uint8Array(L), S, L)).toThrow('senderDigestsSorted: digest 1 is smaller than digest 0');
  });
});
