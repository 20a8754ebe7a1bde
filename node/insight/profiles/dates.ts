/**
 * Dates are stored in profile tables as epoch milliseconds (UTC), so date rules compare numbers.
 * An ISO date without an offset is taken as UTC (the import accepts no other zone information).
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export const DAY_MS = 86_400_000;

/** Epoch milliseconds of an ISO-8601 date (as the import accepts them), or null. */
export function isoToEpochMs(value: string): number | null {
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
  if (Number.isNaN(ms) || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const zone = m[8];
  if (!zone || zone === 'Z') return ms;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return ms - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}
