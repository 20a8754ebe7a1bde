/**
 * Labelled PSI: the sender attaches a fixed-length label record (label-encoding.ts) to each of its
 * records, encrypted under a key derived from that record's OPRF value F(y) = b·H(y). The receiver
 * learns F(x) for its own x only, so it can decrypt exactly the labels of y = x; for y ∉ X the key
 * is a function of a pseudorandom F(y) it cannot compute (one-more-gap-DH), so the ciphertext is
 * indistinguishable from random bytes of the same (fixed) length.
 *
 *   key(F)  = BLAKE2b-256( lp("mofang/v1/psi-label") || lp(context) || F )       lp(s) = u16be(|s|) || s
 *   ct      = ChaCha20-Poly1305-IETF(key(F), nonce = 0^96, ad = empty, label)    |ct| = |label| + 16
 *
 * Separation from the digest: the digest R matches on is SHA-256(lp("mofang/v1/psi-digest") ||
 * lp(context') || F) truncated. The label key uses another label, another hash function and its
 * full output; modelled as random oracles, the two are independent functions of F, so the digest
 * S sends for matching tells nothing about any label key.
 *
 * BLAKE2b rather than HKDF-SHA-256: both are fine as a KDF over a 32-byte high-entropy secret in
 * the random-oracle model; measured on the 2-core reference machine (Node 20, one core),
 * libsodium's BLAKE2b ran at ≈ 2.8 M keys/s, node:crypto `hkdfSync` at ≈ 0.11 M/s (per-call
 * overhead), which would dominate a run of 10^6 labels (≈ 9 s against ≈ 0.35 s).
 *
 * Why a fixed (all-zero) nonce is safe here: ChaCha20-Poly1305 needs a nonce that is never reused
 * WITH THE SAME KEY. Every key here encrypts exactly one message:
 *   - within one `encryptLabels` call, the F values are checked to be distinct, so the keys are
 *     distinct (BLAKE2b collisions aside);
 *   - across calls, the caller must never reuse a `context` for different plaintexts under the same
 *     OPRF key: bind a value that is used once — the run id (`labelContext(run, columns)` with
 *     run = "mofang/v1/psi-label|<agreementId>|<runId>"). With a key-epoch cache F(y) repeats across runs; the run id in the context is what
 *     keeps the label keys fresh. Re-encrypting the SAME plaintext under the same context gives the
 *     same bytes, which is harmless, but label data changes between runs, so do not cache
 *     ciphertexts across runs.
 * A random 12- or 24-byte nonce per record would add that many bytes per record on the wire for
 * no gain under these rules.
 *
 * Not key-committing: ChaCha20-Poly1305 lets whoever knows two keys build one ciphertext valid under
 * both. Only a cheating sender could do that, and only for keys F(x) of identifiers it already
 * guessed — no more than it gets by lying about Y (docs/protocol-psi.md, "Labels").
 */
import { ProtocolError } from '../errors.js';
import type { MatchPairs } from './align.js';
import { itemCount } from './batch.js';
import { lengthPrefixed } from './domain.js';
import { type LabelColumn, createLabelCodec } from './label-encoding.js';
import { labelSodium as sodium } from './label-sodium.js';

export const LABEL_KEY_LABEL = 'mofang/v1/psi-label';
/** Poly1305 tag appended to every label ciphertext. */
export const LABEL_TAG_BYTES = 16;
const LABEL_KEY_BYTES = 32;
/** Largest label plaintext the cipher functions take (the agreement sets a much lower limit). */
export const MAX_LABEL_BYTES = 0xffff;

const F_BYTES = 32;
const NONCE = new Uint8Array(12); // all zero: one message per key, see the header

function assertLabelLength(labelLength: number): void {
  if (!Number.isInteger(labelLength) || labelLength < 1 || labelLength > MAX_LABEL_BYTES) {
    throw new ProtocolError('PSI_INPUT_INVALID', `labelLength: expected an integer in [1, ${MAX_LABEL_BYTES}], got ${labelLength}`);
  }
}

/** lp(LABEL_KEY_LABEL) || lp(context) || 32 bytes of room for F, and the F part of it. */
function keyInput(context: Uint8Array): { input: Uint8Array; tail: Uint8Array } {
  if (!(context instanceof Uint8Array) || context.length > 0xffff) {
    throw new ProtocolError('PSI_INPUT_INVALID', 'context: expected at most 65535 bytes');
  }
  const prefix = lengthPrefixed(new TextEncoder().encode(LABEL_KEY_LABEL), context);
  const input = new Uint8Array(prefix.length + F_BYTES);
  input.set(prefix);
  return { input, tail: input.subarray(prefix.length) };
}

/**
 * The `context` for a run's label keys: lp(run) || lp(spec), spec = for each column in order
 * lp(UTF-8 name) || lp(type code (1 boolean, 2 number, 3 category) || maxBytes (0 unless category)).
 * `run` must name something used once (agreement and run id, see the header); binding the column
 * list makes a receiver that decodes with other columns than the sender encoded fail the tag check
 * instead of misreading bytes.
 * @example labelContext(utf8(`mofang/v1/psi-label|${agreementId}|${runId}`), columns)
 */
export function labelContext(run: Uint8Array, columns: readonly LabelColumn[]): Uint8Array {
  const codec = createLabelCodec(columns);
  const utf8 = new TextEncoder();
  const spec = lengthPrefixed(
    ...codec.columns.flatMap((c) => [utf8.encode(c.column), Uint8Array.of(c.type === 'boolean' ? 1 : c.type === 'number' ? 2 : 3, c.maxBytes ?? 0)]),
  );
  return lengthPrefixed(run, spec);
}

/**
 * The label key for one OPRF value F (32 bytes). Exposed for the fixed vectors and for tests;
 * the batch functions derive keys internally.
 */
export function labelKey(f: Uint8Array, context: Uint8Array): Uint8Array {
  if (!(f instanceof Uint8Array) || f.length !== F_BYTES) throw new ProtocolError('PSI_INPUT_INVALID', `f: expected ${F_BYTES} bytes, got ${f?.length}`);
  const { input, tail } = keyInput(context);
  tail.set(f);
  const key = new Uint8Array(LABEL_KEY_BYTES);
  sodium.crypto_generichash(key, input);
  return key;
}

/**
 * Sender: encrypts label i under the key of fy[i], for every record. `fy` is n × 32 bytes (F(y) in
 * the sender's record order), `labels` n × labelLength bytes in the same order; returns
 * n × (labelLength + 16) bytes in the same order — permute it with the digests
 * (`sortDigestsWithPayload`, or `digestOrder` + `gather`). Throws PSI_INPUT_INVALID if two F
 * values are equal (a duplicate record would encrypt two labels under one key): dedupe first.
 * @example
 * const sealed = encryptLabels(fy, encodeLabels(columns, rows), labelLength(columns), labelCtx);
 */
export function encryptLabels(fy: Uint8Array, labels: Uint8Array, labelLength: number, context: Uint8Array): Uint8Array {
  assertLabelLength(labelLength);
  const n = itemCount(fy, F_BYTES, 'fy');
  const count = itemCount(labels, labelLength, 'labels');
  if (count !== n) throw new ProtocolError('PSI_INPUT_INVALID', `labels: ${count} labels for ${n} F values`);
  assertDistinctF(fy);
  const { input, tail } = keyInput(context);
  const key = new Uint8Array(LABEL_KEY_BYTES);
  const sealed = labelLength + LABEL_TAG_BYTES;
  const out = new Uint8Array(n * sealed);
  for (let i = 0; i < n; i++) {
    for (let b = 0, o = i * F_BYTES; b < F_BYTES; b++) tail[b] = fy[o + b];
    sodium.crypto_generichash(key, input);
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      out.subarray(i * sealed, (i + 1) * sealed),
      labels.subarray(i * labelLength, (i + 1) * labelLength),
      null,
      null,
      NONCE,
      key,
    );
  }
  key.fill(0);
  tail.fill(0);
  return out;
}

/**
 * Receiver: for each matched pair k, decrypts the sender's ciphertext `senderIndices[k]` (an index
 * into `ciphertexts`, the sender's list in its sorted-digest order) with the key of its own
 * `fx[receiverIndices[k]]`. Returns pairs.length × labelLength bytes, aligned with the pairs.
 * A tag that does not verify throws PSI_INPUT_INVALID naming both indices: it means a false digest
 * match (probability ≤ 2^-40 per run) or a cheating sender.
 * @example
 * const pairs = matchPairs(digests(fx, ctx, L), sortedFromS, L);
 * const plain = decryptLabels(fx, pairs, ciphertextsFromS, labelLength(columns), labelCtx);
 * const values = createLabelCodec(columns).decode(plain, k * labelLength(columns));
 */
export function decryptLabels(fx: Uint8Array, pairs: MatchPairs, ciphertexts: Uint8Array, labelLength: number, context: Uint8Array): Uint8Array {
  assertLabelLength(labelLength);
  const n = itemCount(fx, F_BYTES, 'fx');
  const sealed = labelLength + LABEL_TAG_BYTES;
  const m = itemCount(ciphertexts, sealed, 'ciphertexts');
  const { receiverIndices, senderIndices } = pairs ?? ({} as MatchPairs);
  if (!(receiverIndices instanceof Uint32Array) || !(senderIndices instanceof Uint32Array) || receiverIndices.length !== senderIndices.length) {
    throw new ProtocolError('PSI_INPUT_INVALID', 'pairs: expected receiverIndices and senderIndices, two Uint32Arrays of equal length');
  }
  const { input, tail } = keyInput(context);
  const key = new Uint8Array(LABEL_KEY_BYTES);
  const out = new Uint8Array(receiverIndices.length * labelLength);
  try {
    for (let k = 0; k < receiverIndices.length; k++) {
      const i = receiverIndices[k];
      const j = senderIndices[k];
      if (i >= n) throw new ProtocolError('PSI_INPUT_INVALID', `pairs.receiverIndices[${k}]: ${i} is out of range (${n} records)`);
      if (j >= m) throw new ProtocolError('PSI_INPUT_INVALID', `pairs.senderIndices[${k}]: ${j} is out of range (${m} ciphertexts)`);
      for (let b = 0, o = i * F_BYTES; b < F_BYTES; b++) tail[b] = fx[o + b];
      sodium.crypto_generichash(key, input);
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          out.subarray(k * labelLength, (k + 1) * labelLength),
          null,
          ciphertexts.subarray(j * sealed, (j + 1) * sealed),
          null,
          NONCE,
          key,
        );
      } catch {
        throw new ProtocolError(
          'PSI_INPUT_INVALID',
          `ciphertexts[${j}]: the label for receiver record ${i} does not authenticate (a false digest match or a cheating sender)`,
        );
      }
    }
  } finally {
    key.fill(0);
    tail.fill(0);
  }
  return out;
}

/**
 * Throws PSI_INPUT_INVALID if two of the 32-byte values in `fy` are equal. `encryptLabels` runs it
 * on its own input; a caller that encrypts a large set in batches (e.g. across worker threads) runs
 * it once on the whole set, since per-batch checks cannot see a duplicate in another batch.
 * Open addressing on the first 4 bytes (F values are pseudorandom group elements), no per-element
 * objects; O(n) expected, ≈ 0.1 µs per value.
 */
export function assertDistinctF(fy: Uint8Array): void {
  const n = itemCount(fy, F_BYTES, 'fy');
  if (n < 2) return;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const mask = size - 1;
  const table = new Uint32Array(size); // index + 1; 0 = empty
  for (let i = 0; i < n; i++) {
    const o = i * F_BYTES;
    let h = (fy[o] | (fy[o + 1] << 8) | (fy[o + 2] << 16) | (fy[o + 3] << 24)) & mask;
    for (;;) {
      const slot = table[h];
      if (slot === 0) {
        table[h] = i + 1;
        break;
      }
      const p = (slot - 1) * F_BYTES;
      let equal = true;
      for (let b = 0; b < F_BYTES; b++) {
        if (fy[p + b] !== fy[o + b]) {
          equal = false;
          break;
        }
      }
      if (equal) {
        throw new ProtocolError(
          'PSI_INPUT_INVALID',
          `fy: records ${slot - 1} and ${i} have the same F value (a duplicate record would encrypt two labels under one key); dedupe first`,
        );
      }
      h = (h + 1) & mask;
    }
  }
}
