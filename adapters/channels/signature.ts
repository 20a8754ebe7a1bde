/**
 * The signature of a signed JSON POST, shared by the webhook channel and the node's alert webhook:
 * `Mofang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Signing the
 * timestamp with the body lets a receiver refuse a captured request replayed later (its t is old)
 * without keeping every body it has seen; each attempt is signed afresh.
 */
import { createHmac } from 'node:crypto';

/** @example signature(secret, 1767225600, '{"metric":"signups"}') // 't=1767225600,v1=5d41…' */
export function signature(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}
