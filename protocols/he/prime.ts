/**
 * The plain modulus t both peers derive on their own: the largest prime below 2^bits with
 * t ≡ 1 (mod 2N). That congruence is what makes batching possible (x^N + 1 splits into N linear
 * factors mod t, one per slot), and "largest below 2^bits" is exactly SEAL's
 * `PlainModulus::Batching(N, bits)` (`get_primes` walks down from 2^bits − 2N + 1); a test checks
 * that the two agree. Computing it here keeps `planAggregation` synchronous and free of WASM.
 */

/** Deterministic Miller–Rabin for n < 2^64: these twelve bases are enough (Sorenson–Webster 2015). */
const BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

function powMod(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of BASES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  witness: for (const a of BASES) {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}

/** The largest prime t < 2^bits with t ≡ 1 (mod 2·degree), or undefined if none is ≥ 2^(bits−1). */
export function batchingPrime(degree: number, bits: number): bigint | undefined {
  const step = BigInt(2 * degree);
  const floor = 1n << BigInt(bits - 1);
  for (let t = (1n << BigInt(bits)) - step + 1n; t > floor; t -= step) {
    if (isPrime(t)) return t;
  }
  return undefined;
}
