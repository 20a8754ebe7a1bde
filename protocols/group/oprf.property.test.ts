/**
 * The algebra the DH-OPRF rests on, as properties: a⁻¹·(b·(a·H(x))) = b·H(x) for random ids and
 * scalars, and the native backend agrees with the pure-JS reference on random inputs (including the
 * two-map step on arbitrary 64-byte inputs, so both sign bits and unreduced halves are exercised).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Group } from './group.js';
import { seededRandomBytesForTestsOnly } from './testing.js';
import { createNobleX25519Group, uniformToPoint as nobleUniformToPoint } from './x25519-noble.js';
import { createSodiumX25519Group, uniformToPoint as sodiumUniformToPoint } from './x25519-sodium.js';

const sodiumGroup = createSodiumX25519Group();
const nobleGroup = createNobleX25519Group();
const dst = new TextEncoder().encode('mofang/v1/oprf-property');
const ids = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 8 });
const seed = fc.string({ maxLength: 16 });

function oprfIdentity(group: Group, runs: number): void {
  fc.assert(
    fc.property(ids, seed, (xs, s) => {
      const rng = seededRandomBytesForTestsOnly(s);
      const { scalar: a, inverse: aInv } = group.randomInvertibleScalar(rng);
      const b = group.randomScalar(rng);
      const h = group.hashToGroup(dst, xs);
      const unblinded = group.multiply(aInv, group.multiply(b, group.multiply(a, h)));
      expect(unblinded).toEqual(group.multiply(b, h));
    }),
    { numRuns: runs },
  );
}

describe('DH-OPRF identity a⁻¹·(b·(a·H(x))) = b·H(x)', () => {
  it('holds on x25519-sodium', () => oprfIdentity(sodiumGroup, 200));
  it('holds on x25519-noble', () => oprfIdentity(nobleGroup, 10));
});

describe('x25519-sodium agrees with x25519-noble', () => {
  it('on hashToGroup and multiply of random ids and scalars', () => {
    fc.assert(
      fc.property(ids, seed, (xs, s) => {
        const h = sodiumGroup.hashToGroup(dst, xs);
        expect(nobleGroup.hashToGroup(dst, xs)).toEqual(h);
        const k = sodiumGroup.randomScalar(seededRandomBytesForTestsOnly(s));
        expect(nobleGroup.multiply(k, h)).toEqual(sodiumGroup.multiply(k, h));
      }),
      { numRuns: 20 },
    );
  });

  it('on the two-map step for arbitrary 64 uniform bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (uniform) => {
        const [fromSodium, fromNoble] = [new Uint8Array(32), new Uint8Array(32)];
        sodiumUniformToPoint(uniform, fromSodium, 0);
        nobleUniformToPoint(uniform, fromNoble, 0);
        expect(fromNoble).toEqual(fromSodium);
      }),
      { numRuns: 200 },
    );
  });
});
