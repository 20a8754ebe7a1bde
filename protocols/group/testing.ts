/**
 * TEST-ONLY randomness. Deterministic bytes from a seed (SHA-512 in counter mode), so tests and
 * fixed vectors can derive keys reproducibly through the ordinary `rng` parameter.
 * Never pass this to production code: anyone who knows the seed knows the keys.
 */
import type { RandomBytes } from './group.js';
import { sodium } from './sodium.js';

export function seededRandomBytesForTestsOnly(seed: string): RandomBytes {
  const seedBytes = new TextEncoder().encode(seed);
  const block = new Uint8Array(64);
  const input = new Uint8Array(seedBytes.length + 4);
  input.set(seedBytes, 4);
  let counter = 0;
  let available = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length; ) {
      if (available === 0) {
        new DataView(input.buffer).setUint32(0, counter++);
        sodium.crypto_hash_sha512(block, input);
        available = 64;
      }
      const take = Math.min(available, length - filled);
      out.set(block.subarray(64 - available, 64 - available + take), filled);
      available -= take;
      filled += take;
    }
    return out;
  };
}
