/**
 * The classic baseline for intersection-sum (FATE, Private Join and Compute): additively
 * homomorphic Paillier, `paillier-bigint` with a 2048-bit modulus. Measured on a subset of values
 * in this process — encrypt (the value holder, one ciphertext per record), homomorphic add (the
 * querier, one modular product per matched record), decrypt (one per group) — and extrapolated
 * linearly to a run's sizes. No network, no serialisation, one core: this favours the baseline.
 */
import { generateRandomKeys } from 'paillier-bigint';
import { BenchError } from './harness.js';

export interface PaillierMeasurement {
  package: 'paillier-bigint';
  bits: number;
  subset: number;
  keyGenMs: number;
  encryptMsPerValue: number;
  addMsPerValue: number;
  decryptMs: number;
  /** A ciphertext mod n² on the wire. */
  ciphertextBytes: number;
}

/** Encrypts `subset` 32-bit values, adds them up homomorphically, decrypts the sum and checks it. */
export async function measurePaillier(subset: number, bits = 2048): Promise<PaillierMeasurement> {
  const keyStarted = performance.now();
  const { publicKey, privateKey } = await generateRandomKeys(bits, true);
  const keyGenMs = performance.now() - keyStarted;
  const values = Array.from({ length: subset }, (_, i) => BigInt(Math.imul(i + 1, 2_654_435_761) >>> 0));
  const plainSum = values.reduce((a, b) => a + b, 0n);

  const encStarted = performance.now();
  const ciphertexts = values.map((v) => publicKey.encrypt(v));
  const encryptMs = performance.now() - encStarted;

  // One addition is a product mod n² (tens of µs): repeat so the timer resolves it.
  const rounds = 20;
  let sum = 1n;
  const addStarted = performance.now();
  for (let r = 0; r < rounds; r++) sum = publicKey.addition(...ciphertexts);
  const addMs = (performance.now() - addStarted) / rounds;

  const decryptRounds = 5;
  let decrypted = 0n;
  const decStarted = performance.now();
  for (let r = 0; r < decryptRounds; r++) decrypted = privateKey.decrypt(sum);
  const decryptMs = (performance.now() - decStarted) / decryptRounds;
  if (decrypted !== plainSum) throw new BenchError(`paillier: decrypted sum ${decrypted} differs from the plain sum ${plainSum}`);

  return {
    package: 'paillier-bigint',
    bits,
    subset,
    keyGenMs,
    encryptMsPerValue: encryptMs / subset,
    addMsPerValue: addMs / subset,
    decryptMs,
    ciphertextBytes: Math.ceil((2 * bits) / 8),
  };
}

/** A Paillier intersection-sum of m value-holder records, `matched` of them in the groups, k groups: time (one core) and bytes to the querier. */
export function paillierEstimate(p: PaillierMeasurement, run: { m: number; matched: number; groups: number }): { ms: number; bytes: number } {
  return {
    ms: run.m * p.encryptMsPerValue + run.matched * p.addMsPerValue + run.groups * p.decryptMs,
    bytes: run.m * p.ciphertextBytes,
  };
}
