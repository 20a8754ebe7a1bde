/**
 * Identifier normalisation: the same person must yield the same bytes on both nodes, or PSI misses
 * the match. Every kind is NFC-normalised first; the rules per kind are in docs/import.md.
 *
 * Reasons never contain the value: they end up in error messages, logs and the audit trail.
 */
import { MofangError } from '../errors.js';
import { normaliseNationalId } from './national-id.js';
import { normalisePhone } from './phone.js';

export const ID_KINDS = ['phone', 'email', 'national-id', 'raw'] as const;
export type IdKind = (typeof ID_KINDS)[number];

/** Options that change the canonical form; both parties of an agreement must use the same. */
export interface NormaliseOptions {
  /**
   * E-mail: treat gmail.com / googlemail.com addresses as Gmail does — drop dots and a `+tag` in
   * the local part, and use gmail.com. Off by default: other providers give dots and `+` meaning.
   */
  gmailCanonical?: boolean;
}

export type Normalised = { value: string } | { reason: string };

/** Longest raw identifier, in UTF-8 bytes. */
const RAW_ID_MAX_BYTES = 256;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254. */
const EMAIL_MAX_BYTES = 254;

export function isIdKind(kind: string): kind is IdKind {
  return (ID_KINDS as readonly string[]).includes(kind);
}

/**
 * The canonical form of `raw`, or the reason it is not a valid identifier of `kind`.
 * Use this in loops: it does not throw.
 */
export function tryNormaliseIdentifier(kind: IdKind, raw: string, options: NormaliseOptions = {}): Normalised {
  switch (kind) {
    case 'phone':
      return normalisePhone(raw);
    case 'email':
      return normaliseEmail(raw, options);
    case 'national-id':
      return normaliseNationalId(raw);
    case 'raw':
      return normaliseRaw(raw);
  }
}

/**
 * The canonical form of `raw`; throws IDENTIFIER_INVALID with the reason (never the value).
 *
 * @example normaliseIdentifier('phone', '+86 138-0013-8000') === '+8613800138000'
 */
export function normaliseIdentifier(kind: IdKind, raw: string, options: NormaliseOptions = {}): string {
  const result = tryNormaliseIdentifier(kind, raw, options);
  if ('reason' in result) throw new MofangError('IDENTIFIER_INVALID', result.reason, { kind, reason: result.reason });
  return result.value;
}

const EMAIL_WHITESPACE = /\s/;

function normaliseEmail(raw: string, options: NormaliseOptions): Normalised {
  // Lower-casing can denormalise (e.g. U+0130), so NFC again after it.
  const s = raw.normalize('NFC').trim().toLowerCase().normalize('NFC');
  const invalid = (detail: string) => ({ reason: `not a valid e-mail address (${detail})` });
  if (s === '') return invalid('empty');
  if (EMAIL_WHITESPACE.test(s)) return invalid('contains whitespace');
  const at = s.indexOf('@');
  if (at < 0 || s.indexOf('@', at + 1) >= 0) return invalid('exactly one @ expected');
  let local = s.slice(0, at);
  let domain = s.slice(at + 1);
  if (local === '') return invalid('empty local part');
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => l === '')) return invalid('the domain needs a dot and no empty labels');
  if (Buffer.byteLength(s) > EMAIL_MAX_BYTES) return invalid(`longer than ${EMAIL_MAX_BYTES} bytes`);
  if (options.gmailCanonical && (domain === 'gmail.com' || domain === 'googlemail.com')) {
    local = local.split('+')[0].replaceAll('.', '');
    domain = 'gmail.com';
    if (local === '') return invalid('empty local part');
  }
  return { value: `${local}@${domain}` };
}

function normaliseRaw(raw: string): Normalised {
  const s = raw.normalize('NFC').trim();
  if (s === '') return { reason: 'not a valid raw identifier (empty)' };
  if (Buffer.byteLength(s) > RAW_ID_MAX_BYTES) return { reason: `not a valid raw identifier (longer than ${RAW_ID_MAX_BYTES} bytes)` };
  return { value: s };
}
