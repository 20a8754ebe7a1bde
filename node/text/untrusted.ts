/**
 * Text that came from outside the node — a peer's abort reason, a column name in an imported file,
 * a field of an HTTP request — is data, never trusted. Before it is stored, logged, audited or put
 * in an error message it goes through `untrustedText`: capped, stripped of control and
 * bidirectional-override characters (which can hide or reorder what an operator reads), and with
 * anything that looks like a personal identifier redacted rather than refused, so an outsider can
 * never make an audit append fail by writing a phone number.
 */
import { redactIdentifiers } from './identifiers.js';

/** The default cap, in characters, of one piece of outsider text. */
export const UNTRUSTED_TEXT_MAX = 256;

// C0 and C1 controls (tab and newline included: one line per value keeps logs unambiguous), the
// Unicode bidi embeddings/overrides/isolates and marks, zero-width characters, and lone surrogates.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes outsider text safe to store and show. Never throws: a non-string becomes its type name.
 *
 * @example untrustedText('bad\u202Eevil 13800138000') // 'bad evil [redacted mobile phone number]'
 */
export function untrustedText(value: unknown, max = UNTRUSTED_TEXT_MAX): string {
  if (typeof value !== 'string') return value === undefined || value === null ? '' : `[${typeof value}]`;
  // Work on a bounded prefix first so a megabyte of input costs no more than a short one.
  let text = value.length > max * 4 ? value.slice(0, max * 4) : value;
  text = text.replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();
  text = redactIdentifiers(text);
  const truncated = value.length > max * 4 || text.length > max;
  if (text.length > max) text = text.slice(0, max - 1);
  return truncated ? `${text}…` : text;
}

/** An error's message made safe to log or store: a database or parser message can quote a value. */
export function errorText(err: unknown): string {
  return untrustedText(err instanceof Error ? err.message : err);
}
