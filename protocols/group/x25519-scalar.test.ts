/** The clamped-representative encoding of scalars mod ℓ (see x25519-scalar.ts for the math). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandomBytesForTestsOnly } from './testing.js';
import {
  L,
  bigIntToScalar,
  clampedRepresentative,
  invertModL,
  isClampInvariant,
  randomInvertibleScalar,
  randomScalar,
  scalarResidue,
  scalarToBigInt,
} from './x25519-scalar.js';

const residue = fc.bigInt({ min: 1n, max: L - 1n });

describe('clamped representatives', () => {
  it('when one exists, it is ≡ r (mod ℓ), divisible by 8 and in [2^254, 2^255)', () => {
    fc.assert(
      fc.property(residue, (r) => {
        const k = clampedRepresentative(r);
        if (k === undefined) return;
        expect(k % L).toBe(r);
        expect(k % 8n).toBe(0n);
        expect(k >= 2n ** 254n && k < 2n ** 255n).toBe(true);
        expect(isClampInvariant(bigIntToScalar(k))).toBe(true);
      }),
    );
  });

  it('exists for about half of all residues, and never for 0', () => {
    const rs = fc.sample(residue, { numRuns: 4000, seed: 7 });
    const share = rs.filter((r) => clampedRepresentative(r) !== undefined).length / rs.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect(clampedRepresentative(0n)).toBeUndefined();
    expect(clampedRepresentative(L)).toBeUndefined();
  });

  it('round-trips through the 32-byte little-endian encoding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (k) => {
        expect(scalarToBigInt(bigIntToScalar(k))).toBe(k);
      }),
    );
  });

  it('invertModL inverts', () => {
    fc.assert(
      fc.property(residue, (r) => {
        expect((r * invertModL(r)) % L).toBe(1n);
      }),
    );
  });
});

describe('random scalars', () => {
  it('are clamp-invariant, and the inverse of an invertible scalar has one too', () => {
    const rng = seededRandomBytesForTestsOnly('scalars');
    for (let i = 0; i < 50; i++) {
      expect(isClampInvariant(randomScalar(rng))).toBe(true);
      const { scalar, inverse } = randomInvertibleScalar(rng);
      expect(isClampInvariant(scalar) && isClampInvariant(inverse)).toBe(true);
      expect((scalarResidue(scalar) * scalarResidue(inverse)) % L).toBe(1n);
    }
  });

  it('give up with PSI_STATE instead of looping forever on a constant rng', () => {
    // All-zero bytes clamp to k = 2^254, whose inverse has no clamped representative.
    expect(() => randomInvertibleScalar((n) => new Uint8Array(n))).toThrow(/^rng: no invertible scalar in 128 draws/);
  });

  it('are reproducible from an injected rng', () => {
    const a = randomInvertibleScalar(seededRandomBytesForTestsOnly('same'));
    const b = randomInvertibleScalar(seededRandomBytesForTestsOnly('same'));
    expect(a).toEqual(b);
  });
});
