/**
 * Tokens a link carries so that the node can trust what comes back: `<payload>.<mac>`, the mac
 * being HMAC-SHA256(secret, "<purpose>.<payload>") in base64url. The purpose keeps a token made
 * for one use (an unsubscribe) from being accepted for another (a click), under the same secret.
 * Checked in constant time; a token not made with this secret and purpose gives null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

type Purpose = 'unsubscribe' | 'open' | 'click';

function mac(secret: string, purpose: Purpose, payload: string): string {
  return createHmac('sha256', secret).update(`${purpose}.${payload}`).digest('base64url');
}

/** @example signToken(secret, 'open', 'j7.v2.noffer.e4711') // 'j7.v2.noffer.e4711.Zk3…' */
export function signToken(secret: string, purpose: Purpose, payload: string): string {
  return `${payload}.${mac(secret, purpose, payload)}`;
}

/** The payload a token was made for, or null when it was not made with this secret and purpose. */
export function verifyToken(secret: string, purpose: Purpose, token: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, purpose, payload));
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}
