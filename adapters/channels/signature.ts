/**
 * The signature of a signed JSON POST, shared by the webhook channel, the node's alert webhook and
 * the providers' status callbacks the node receives:
 * `Mofang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Signing the
 * timestamp with the body lets a receiver refuse a captured request replayed later (its t is old)
 * without keeping every body it has seen; each attempt is signed afresh.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** @example signature(secret, 1767225600, '{"metric":"signups"}') // 't=1767225600,v1=5d41…' */
export function signature(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

function hmac(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}

export type SignatureCheck = { ok: true; t: number; v1: string } | { ok: false; why: 'malformed' | 'stale' | 'mismatch' };

/**
 * Whether `header` signs `body` with `secret` at a time within `toleranceSeconds` of `nowSeconds`.
 * The mac is compared in constant time.
 * @example verifySignature(secret, request.headers['mofang-signature'], rawBody, Date.now() / 1000, 300)
 */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds: number): SignatureCheck {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header?.trim() ?? '');
  if (!m) return { ok: false, why: 'malformed' };
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, why: 'stale' };
  const given = Buffer.from(m[2], 'hex');
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return timingSafeEqual(given, expected) ? { ok: true, t, v1: m[2] } : { ok: false, why: 'mismatch' };
}
