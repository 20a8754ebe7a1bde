/**
 * A cheap last line of defence against personal data in the audit log. Audit entries are kept
 * forever and exported to compliance, so `subject` and `details` must hold only non-sensitive
 * facts (ids of datasets, agreements and runs, counts, codes, hashes) — never a customer's
 * identifier. This check catches the common slip (logging a raw phone number, email, Chinese
 * resident ID or bank card number); it is a heuristic, not a guarantee, and callers remain
 * responsible for what they log.
 *
 * Only whole tokens are tested (digits not touching letters, '-', '.' or '_'), and the ID and
 * card patterns must also pass their check digit, so hex hashes, UUIDs and timestamps never match.
 */
import { MofangError } from '../errors.js';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Whole digit tokens, with an optional '+' and a trailing ID check character X.
const DIGIT_TOKEN = /(?<![\w.-])\+?\d+[Xx]?(?![\w.-])/g;
// Mainland mobile numbers (MIIT numbering plan), optionally with the +86 country code.
const CN_MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
// GB 11643-1999 citizen identity number: 17 digits and an ISO 7064 MOD 11-2 check character.
const CN_RESIDENT_ID = /^\d{17}[\dXx]$/;
// ISO/IEC 7812 payment card numbers: 13–19 digits with a Luhn check digit.
const CARD_NUMBER = /^\d{13,19}$/;

/**
 * Throws AUDIT_RAW_IDENTIFIER naming the path (never the value) of the first string, key or
 * integer that looks like a raw identifier.
 *
 * @example assertNoRawIdentifiers({ dataset: 'customers-2024', rows: 120000 }, 'details')
 */
export function assertNoRawIdentifiers(value: unknown, path = 'details'): void {
  const found = firstRawIdentifier(value, path);
  if (found) {
    throw new MofangError('AUDIT_RAW_IDENTIFIER', `${found.field}: looks like a raw ${found.kind}; audit entries must not contain personal identifiers`, found);
  }
}

/**
 * The path and kind of the first string, key or integer in `value` that looks like a raw
 * identifier, or null. A number under a key that names a measure (`bytesReceived`, `localSize`,
 * `groupSizes`, `ms`) is a quantity, not a phone number: a 13–19 GB run moves an 11-digit byte
 * count that happens to fit the mobile numbering plan.
 *
 * @example firstRawIdentifier({ note: 'call 13800138000' }) // { field: 'details.note', kind: 'mobile phone number' }
 */
export function firstRawIdentifier(value: unknown, path = 'details', key = ''): { field: string; kind: string } | null {
  const kind = typeof value === 'number' && isMeasureKey(key) ? null : identifierKind(value);
  if (kind) return { field: path, kind };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstRawIdentifier(value[i], `${path}[${i}]`, key);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, item] of Object.entries(value)) {
      const keyKind = identifierKind(k);
      if (keyKind) return { field: `${path} (a key)`, kind: keyKind };
      const found = firstRawIdentifier(item, `${path}.${k}`, k);
      if (found) return found;
    }
  }
  return null;
}

// The last word of a camelCase or snake_case key that makes its number a quantity.
const MEASURE_WORDS = new Set(['count', 'counts', 'size', 'sizes', 'bytes', 'ms', 'seq', 'sent', 'received', 'rows', 'total', 'entries', 'runs']);

function isMeasureKey(key: string): boolean {
  const words = key.split(/_|(?<=[a-z0-9])(?=[A-Z])/);
  return MEASURE_WORDS.has(words[words.length - 1].toLowerCase());
}

export function identifierKind(value: unknown): string | null {
  if (typeof value === 'number') {
    // Only the mobile pattern: long integers are often legitimate (millisecond timestamps).
    return Number.isSafeInteger(value) && CN_MOBILE.test(String(value)) ? 'mobile phone number' : null;
  }
  if (typeof value !== 'string') return null;
  if (EMAIL.test(value)) return 'email address';
  for (const [token] of value.matchAll(DIGIT_TOKEN)) {
    if (CN_MOBILE.test(token)) return 'mobile phone number';
    if (CN_RESIDENT_ID.test(token) && residentIdCheckOk(token)) return 'resident ID number';
    if (CARD_NUMBER.test(token) && luhnOk(token)) return 'card number';
  }
  return null;
}

/**
 * Replaces every email address, mobile number, resident ID and card number in `text` by
 * "[redacted <kind>]", keeping the rest, so outsider text can be audited without refusing it.
 */
export function redactIdentifiers(text: string): string {
  let out = text.replace(new RegExp(EMAIL.source, 'g'), '[redacted email address]');
  out = out.replace(DIGIT_TOKEN, (token) => {
    const kind = identifierKind(token);
    return kind ? `[redacted ${kind}]` : token;
  });
  return out;
}

function residentIdCheckOk(id: string): boolean {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (2 ** (17 - i) % 11);
  const check = (12 - (sum % 11)) % 11;
  return id[17].toUpperCase() === (check === 10 ? 'X' : String(check));
}

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
