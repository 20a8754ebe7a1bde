/**
 * The unsubscribe link of an e-mail: `<base URL>?token=<key>.<mac>`, where the key is the outbox
 * key (which holds no customer identifier) and the mac is HMAC-SHA256(secret, "unsubscribe." + key)
 * in base64url (signed-token.ts). Whoever opens the link can unsubscribe only the customer that
 * message went to, and cannot forge a token for another message without the secret; the node looks
 * the customer up from the key in its own outbox.
 */
import { signToken, verifyToken } from './signed-token.js';

/** The link for a message: the base URL with the token as its `token` parameter. */
export function unsubscribeUrl(baseUrl: string, secret: string, key: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', signToken(secret, 'unsubscribe', key));
  return url.href;
}

/**
 * The message key a token stands for, or null if it was not made with this secret.
 * @example verifyUnsubscribeToken(secret, token) // 'j7.v2.noffer.e4711'
 */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  return verifyToken(secret, 'unsubscribe', token);
}
