/**
 * The unsubscribe link of an e-mail: `<base URL>?token=<key>.<mac>`, where the key is the outbox
 * key (which holds no customer identifier) and the mac is HMAC-SHA256(secret, "unsubscribe." + key)
 * in base64url. Whoever opens the link can unsubscribe only the customer that message went to,
 * and cannot forge a token for another message without the secret; the node looks the customer up
 * from the key in its own outbox.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

function mac(secret: string, key: string): string {
  return createHmac('sha256', secret).update(`unsubscribe.${key}`).digest('base64url');
}

/** @example unsubscribeToken(secret, 'j7.v2.noffer.e4711') // 'j7.v2.noffer.e4711.Zk3…' */
function unsubscribeToken(secret: string, key: string): string {
  return `${key}.${mac(secret, key)}`;
}

/** The link for a message: the base URL with the token as its `token` parameter. */
export function unsubscribeUrl(baseUrl: string, secret: string, key: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', unsubscribeToken(secret, key));
  return url.href;
}

/**
 * The message key a token stands for, or null if it was not made with this secret.
 * @example verifyUnsubscribeToken(secret, token) // 'j7.v2.noffer.e4711'
 */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const key = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, key));
  return given.length === expected.length && timingSafeEqual(given, expected) ? key : null;
}
