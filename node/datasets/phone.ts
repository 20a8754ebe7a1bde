/**
 * Phone numbers → E.164 (`+8613800138000`), so that every spelling of one number hashes to the
 * same group element on both nodes.
 *
 * Rules (docs/import.md#phone):
 * - NFKC first, so full-width digits, `＋` and `（）` typed with a Chinese IME count as ASCII.
 * - Spaces, dashes, dots and parentheses are separators and dropped; anything else but digits and
 *   a leading `+` or `00` is refused (no letters, no extensions).
 * - Chinese mobile numbers (the bulk of every dataset) take a fast path of two regular expressions.
 * - Every other number is parsed and validated with libphonenumber-js against the numbering plan of
 *   its country, so a trunk prefix written after the country code (`+44 07911 …`) is dropped as
 *   the plan says and `+44 07911 123456` and `+44 7911 123456` become one number.
 * - Without `+`/`00` a number is read in the default region, China (trunk prefix 0 for landlines).
 *   A foreign number written without its country code is therefore read as a Chinese one, or
 *   refused: write foreign numbers with `+` or `00` and the country code.
 *
 * Metadata: the 'max' set (≈ 157 kB against ≈ 83 kB for 'min'), because only it validates the
 * national number against each country's ranges; 'min' checks lengths only and accepts e.g. a
 * 10-digit `+86 138…`, which would then silently match nobody. The node loads it once; size on
 * disk does not matter here, a wrong "valid" does.
 *
 * Loading: the library (≈ 90 modules and its metadata, ≈ 0.15 s of CPU) is required on the first
 * number that misses the fast path, not when the module loads: every command that opens the node
 * links this file, and most never normalise a foreign number. Its CommonJS build, because
 * `require` is synchronous and normalisation is.
 */
import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js/max';

let library: typeof import('libphonenumber-js/max') | undefined;
const phoneLibrary = () => (library ??= createRequire(import.meta.url)('libphonenumber-js/max') as typeof import('libphonenumber-js/max'));

/** The region of numbers written without `+`/`00` and a country code. */
const DEFAULT_PHONE_REGION: CountryCode = 'CN';

/** China mobile numbers: 11 digits, 13x–19x (MIIT numbering plan). */
const CN_MOBILE = /^1[3-9]\d{9}$/;
/** `86` + a mobile number, as written after `+`/`00` or bare. */
const CN_MOBILE_86 = /^861[3-9]\d{9}$/;
/** Separators people put into phone numbers (after NFKC): whitespace, dashes, dots, parentheses. */
const SEPARATORS = /[\s\-.()\u2010-\u2015\u2212]/g;
const DIGITS = /^\d+$/;

const invalid = (detail: string) => ({ reason: `not a valid phone number (${detail})` });

/** Why libphonenumber-js refuses a number, in words (validatePhoneNumberLength's codes). */
const LENGTH_REASONS: Record<string, string> = {
  INVALID_COUNTRY: 'unknown country code',
  NOT_A_NUMBER: 'not a phone number',
  TOO_SHORT: 'too short for its country',
  TOO_LONG: 'too long for its country',
  INVALID_LENGTH: 'a length its country does not use',
};

/**
 * @example normalisePhone('+44 07911 123456') // { value: '+447911123456' }
 * @example normalisePhone('010 1234 5678')    // { value: '+861012345678' } (default region CN)
 */
export function normalisePhone(raw: string): { value: string } | { reason: string } {
  const s = raw.normalize('NFKC').replace(SEPARATORS, '');
  if (s === '') return invalid('empty');
  const international = s.startsWith('+') ? s.slice(1) : s.startsWith('00') ? s.slice(2) : null;
  const digits = international ?? s;
  if (!DIGITS.test(digits)) return invalid('only digits, separators and a leading + or 00 are allowed');

  // Fast path: a Chinese mobile number, with or without 86.
  if (CN_MOBILE_86.test(digits) && (international !== null || digits.length === 13)) return { value: `+${digits}` };
  if (international === null && CN_MOBILE.test(digits)) return { value: `+86${digits}` };

  if (international !== null && digits.startsWith('0')) return invalid('a country code cannot start with 0');
  // +86 1[3-9]… is a mobile number of the wrong length: say so rather than "not in the plan".
  if (international !== null && /^861[3-9]/.test(digits)) return invalid('11 digits expected after country code 86');
  const text = international !== null ? `+${digits}` : digits;
  const { parsePhoneNumberFromString, validatePhoneNumberLength } = phoneLibrary();
  const parsed = parsePhoneNumberFromString(text, DEFAULT_PHONE_REGION);
  if (parsed?.isValid()) return { value: parsed.number };
  const length = validatePhoneNumberLength(text, DEFAULT_PHONE_REGION);
  if (length) return invalid(LENGTH_REASONS[length] ?? 'not a phone number');
  return invalid(
    international !== null ? 'not in the numbering plan of its country' : 'not a Chinese number; write other countries with + or 00 and the country code',
  );
}
