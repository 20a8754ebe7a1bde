/**
 * When to try a batch again: exponential backoff with jitter, or later if the node says so in
 * `Retry-After` (RFC 9110 §10.2.3: seconds, or an HTTP date).
 */
import type { BackoffOptions } from './options.js';

// A Retry-After past this is a misconfigured or hostile answer; waiting that long would hold the
// batch (and a Node process's exit) for hours.
export const RETRY_AFTER_LIMIT_MS = 10 * 60_000;

/** The wait before retry number `retry` (0 for the first), with `random` in [0, 1). */
export function backoffDelay(retry: number, backoff: BackoffOptions, random: number): number {
  const doubled = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(retry, 52));
  return Math.round(doubled * (1 - backoff.jitter * random));
}

/** Milliseconds a `Retry-After` header asks to wait, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  // An HTTP date names a weekday and a month; Date.parse alone would also take "-1" as a year.
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : /[A-Za-z]{3}/.test(value) ? Date.parse(value) - now : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), RETRY_AFTER_LIMIT_MS);
}

/** The wait before the next retry: the backoff, or longer when the node asked for longer. */
export function retryDelay(retry: number, backoff: BackoffOptions, asked: number | undefined, random = Math.random()): number {
  return Math.max(backoffDelay(retry, backoff, random), asked ?? 0);
}
