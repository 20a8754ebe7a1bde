/**
 * What looks like a personal identifier in a piece of text: an email address, a mainland mobile
 * number, a Chinese resident ID or a bank card number. The audit log refuses such values
 * (audit/privacy-guard.ts) and the outsider-text filter redacts them (untrusted.ts).
 *
 * Only whole digit runs not touching a letter or another digit are tested — so a hex hash or a
 * word never matches, while `x.13800138000.csv` or `id_13800138000` do — and the ID and card
 * patterns must also pass their check digit.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Digit runs with an optional '+' and a trailing ID check character X, bounded by anything but a
// letter or digit: punctuation such as '.', '_' or '-' around a number does not hide it.
const DIGIT_TOKEN = /(?<![A-Za-z0-9+])\+?\d+[Xx]?(?![A-Za-z0-9])/g;
// Mainland mobile numbers (MIIT numbering plan), optionally with the +86 country code.
const CN_MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
// GB 11643-1999 citizen identity number: 17 digits and an ISO 7064 MOD 11-2 check character.
const CN_RESIDENT_ID = /^\d{17}[\dXx]$/;
// ISO/IEC 7812 payment card numbers: 13–19 digits with a Luhn check digit.
const CARD_NUMBER = /^\d{13,19}$/;

/** The kind of the first identifier in `value`, or null. @example identifierKind('call 13800138000') // 'mobile phone number' */
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
