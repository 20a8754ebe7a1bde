/**
 * The part of libsodium (via sodium-native) that protocols/ uses.
 *
 * sodium-native ships no type declarations. Loading it through `createRequire` and typing only the
 * functions we call keeps the types local, instead of a global `declare module` that could clash
 * with a declaration elsewhere in the checkout. Every function throws on a non-zero libsodium status.
 */
import { createRequire } from 'node:module';

export interface SodiumNative {
  /** X25519 (RFC 7748): q = clamp(n)·p; throws when the result is all-zero (low-order p). */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  /** Elligator 2 on 32 uniform bytes, cofactor cleared: an Edwards point of the prime-order subgroup. */
  crypto_core_ed25519_from_uniform(p: Uint8Array, r: Uint8Array): void;
  /** Edwards point addition r = p + q; throws when p or q does not decode to a curve point. */
  crypto_core_ed25519_add(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  /** Edwards y → Montgomery u = (1+y)/(1-y); throws on small-order or non-subgroup input. */
  crypto_sign_ed25519_pk_to_curve25519(u: Uint8Array, p: Uint8Array): void;
  crypto_hash_sha512(out: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
}

export const sodium = createRequire(import.meta.url)('sodium-native') as SodiumNative;
