/**
 * Domain separation for DH-OPRF PSI. Every hash input starts with length-prefixed labels, so an
 * input of one purpose can never equal an input of another:
 *
 *   H(x)        = hashToGroup(dst, x)          dst chosen by the caller, once per identifier kind
 *   digest(F)   = SHA-256(lp("mofang/v1/psi-digest") || lp(context) || F)[0..length]
 *
 * where lp(s) = u16be(|s|) || s. H(x) is deliberately not bound to an agreement or a run: the node
 * hashes identifiers once, at import (node/datasets/store.ts `pointDst`), so a query pays only
 * scalar multiplications. Separation per agreement and per run comes from the sender's fresh OPRF
 * key b per run and from `context`, which names the agreement and the run (node/session/env.ts
 * `digestContext`). See docs/protocol-psi.md, "Domain separation".
 */
import { ProtocolError } from '../errors.js';

/**
 * Names this protocol family (docs, logs). Not sent on the wire: peers agree on the node's
 * `PROTOCOL_VERSION` and on `group.suite` in the handshake and in the run's start frame.
 */
export const PSI_PROTOCOL = 'mofang-dh-oprf-psi-v1';
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
