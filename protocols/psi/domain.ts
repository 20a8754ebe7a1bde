/**
 * Domain separation for DH-OPRF PSI. Every hash input starts with length-prefixed labels, so an
 * input of one purpose (or one agreement, or one run) can never equal an input of another.
 *
 *   H(x)        = hashToGroup(dst = lp("mofang/v1/psi-h2g") || lp(agreement), x)
 *   digest(F)   = SHA-256(lp("mofang/v1/psi-digest") || lp(run) || F)[0..length]
 *
 * where lp(s) = u16be(|s|) || s. `agreement` binds the hashed points to one collaboration agreement,
 * so F values of two agreements cannot be linked even under one sender key. `run` binds the digests
 * to one run, so digests a sender publishes in two runs cannot be compared by the receiver.
 */
import { ProtocolError } from '../errors.js';

/** Identifies this protocol family in the settings digest peers compare before a run. */
export const PSI_PROTOCOL = 'mofang-dh-oprf-psi-v1';
export const HASH_LABEL = 'mofang/v1/psi-h2g';
export const DIGEST_LABEL = 'mofang/v1/psi-digest';

/** u16be(|p|) || p for each part, concatenated. */
export function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
  let o = 0;
  parts.forEach((part, i) => {
    if (!(part instanceof Uint8Array) || part.length > 0xffff) {
      throw new ProtocolError('PSI_INPUT_INVALID', `domain part ${i}: expected at most 65535 bytes`);
    }
    out[o] = part.length >>> 8;
    out[o + 1] = part.length & 0xff;
    out.set(part, o + 2);
    o += 2 + part.length;
  });
  return out;
}

/**
 * The hash-to-group DST for one agreement (the agreement's stable id, as bytes).
 * @example
 * const points = group.hashToGroup(hashDst(utf8(agreementId)), ids);
 */
export function hashDst(agreement: Uint8Array): Uint8Array {
  return lengthPrefixed(new TextEncoder().encode(HASH_LABEL), agreement);
}
