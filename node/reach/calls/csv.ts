/**
 * The call list as CSV (RFC 4180: header row, CRLF, fields with quotes, commas or line breaks
 * quoted). Text a template rendered can begin with `=`, `+`, `-` or `@`, which a spreadsheet runs as
 * a formula: such fields get a leading apostrophe (OWASP, CSV injection) — except plain phone
 * numbers, which are left dialable.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PHONE_LIKE = /^\+?[0-9][0-9 ()-]*$/;

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PHONE_LIKE.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** @example csvTable(['id', 'phone'], [[1, '+8613800138000']]) // 'id,phone\r\n1,+8613800138000\r\n' */
export function csvTable(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
