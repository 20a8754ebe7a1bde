/**
 * The part of libsodium (via sodium-native) that labelled PSI uses: BLAKE2b for the label keys and
 * ChaCha20-Poly1305 (IETF) for the label ciphertexts. Kept apart from `protocols/group/sodium.ts`
 * (the group's subset) so the two can change independently; both load the same module instance.
 */
import { createRequire } from 'node:module';

export interface LabelSodium {
  /** BLAKE2b (RFC 7693) of `input`, output length = `out.length` (16..64), unkeyed when `key` is omitted. */
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  /** c = ChaCha20-Poly1305-IETF(k, npub, m, ad) || tag (RFC 8439); c.length = m.length + 16. */
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  /** Inverse of encrypt; throws when the tag does not verify (m is then not written). */
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
}

export const labelSodium = createRequire(import.meta.url)('sodium-native') as LabelSodium;
