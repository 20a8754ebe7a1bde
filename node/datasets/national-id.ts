/**
 * Chinese resident identity numbers (GB 11643-1999): 6-digit region, 8-digit date of birth,
 * 3-digit sequence, and a check character from ISO 7064 MOD 11-2. Canonical form: 18 characters,
 * a final `x` upper-cased.
 */

/** ISO 7064 MOD 11-2 weights for positions 1–17: 2^(17-i) mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check character indexed by (weighted sum mod 11). */
const CHECK = '10X98765432';
const SHAPE = /^\d{17}[\dX]$/;

const invalid = (detail: string) => ({ reason: `not a valid national id (${detail})` });

export function normaliseNationalId(raw: string): { value: string } | { reason: string } {
  // NFKC folds full-width digits and `Ｘ`, common in data typed with a Chinese IME.
  const s = raw.normalize('NFKC').trim().toUpperCase();
  if (s.length === 15 && /^\d{15}$/.test(s)) return invalid('18 characters expected; 15-digit ids issued before 1999 are not converted');
  if (!SHAPE.test(s)) return invalid('18 characters expected: 17 digits and a check digit 0-9 or X');
  if (!validBirthDate(Number(s.slice(6, 10)), Number(s.slice(10, 12)), Number(s.slice(12, 14)))) {
    return invalid('the date of birth (characters 7-14) is not a valid date');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (s.charCodeAt(i) - 48) * WEIGHTS[i];
  if (CHECK[sum % 11] !== s[17]) return invalid('check digit does not match (ISO 7064 MOD 11-2)');
  return { value: s };
}

function validBirthDate(year: number, month: number, day: number): boolean {
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCDate() === day && date.getTime() <= Date.now();
}
