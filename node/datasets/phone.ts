/**
 * Phone numbers → E.164 (`+8613800138000`), so that every spelling of one number hashes to the
 * same group element on both nodes.
 *
 * Rules (docs/import.md#phone):
 * - NFKC first, so full-width digits, `＋` and `（）` typed with a Chinese IME count as ASCII.
 * - Spaces, dashes, dots and parentheses are separators and dropped.
 * - `+` or `00` marks an international number: country code 86 must be followed by an 11-digit
 *   mobile number; any other country is taken as written, 8–15 digits in all (ITU-T E.164 §6.1).
 * - Without `+`/`00` the number is read as Chinese: 11 digits, or 13 digits starting with 86.
 *   Bare numbers of other countries are rejected rather than guessed: their trunk prefixes differ
 *   per country, and a wrong guess silently turns into a missed match in PSI.
 */

/** China mobile numbers: 11 digits, 13x–19x (MIIT numbering plan). */
const CN_MOBILE = /^1[3-9]\d{9}$/;
/** Separators people put into phone numbers (after NFKC): whitespace, dashes, dots, parentheses. */
const SEPARATORS = /[\s\-.()\u2010-\u2015\u2212]/g;
const DIGITS = /^\d+$/;

const invalid = (detail: string) => ({ reason: `not a valid phone number (${detail})` });

export function normalisePhone(raw: string): { value: string } | { reason: string } {
  const s = raw.normalize('NFKC').replace(SEPARATORS, '');
  if (s === '') return invalid('empty');
  const international = s.startsWith('+') ? s.slice(1) : s.startsWith('00') ? s.slice(2) : null;
  const digits = international ?? s;
  if (!DIGITS.test(digits)) return invalid('only digits, separators and a leading + or 00 are allowed');

  if (international !== null) {
    if (digits.startsWith('86')) return chinaMobile(digits.slice(2));
    if (digits.startsWith('0')) return invalid('a country code cannot start with 0');
    if (digits.length < 8 || digits.length > 15) return invalid('8 to 15 digits expected after + and the country code');
    return { value: `+${digits}` };
  }
  if (digits.length === 13 && digits.startsWith('86')) return chinaMobile(digits.slice(2));
  if (digits.length === 11) return chinaMobile(digits);
  return invalid('11 digits expected for a Chinese mobile number; write other countries with + or 00 and the country code');
}

function chinaMobile(national: string): { value: string } | { reason: string } {
  if (national.length !== 11) return invalid('11 digits expected after country code 86');
  if (!CN_MOBILE.test(national)) return invalid('Chinese mobile numbers start with 13 to 19');
  return { value: `+86${national}` };
}
