/**
 * What may be a column name. A file's first line is only a header if every field looks like a
 * name; otherwise it is data — `/etc/shadow`, an environment dump, a key file, a headerless CSV of
 * phone numbers — and must never be quoted back in an error, a report or the audit log.
 *
 * The rule: starts with a letter (any script, CJK included) or `_`; then letters, combining marks,
 * digits, `_`, `-`, `.` and single inner spaces; at most 64 characters. A leading letter keeps
 * numbers (phones, ids, amounts) out; `:`, `=`, `$`, `/`, `@`, `+` keep out credentials, settings,
 * paths and e-mail addresses.
 */
import { SourceError } from './errors.js';

const MAX_COLUMN_NAME = 64;

const COLUMN_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}_.-]*(?: [\p{L}\p{M}\p{N}_.-]+)*$/u;

/** @example isColumnName('客户 手机') // true; isColumnName('root:$6$…') // false */
export function isColumnName(text: string): boolean {
  return text.length <= MAX_COLUMN_NAME && COLUMN_NAME.test(text);
}

const ORDINALS = ['first', 'second', 'third'];
const ordinal = (i: number) => ORDINALS[i] ?? `field ${i + 1}`;

/**
 * The header's names (trimmed), or an error that describes the line without quoting it.
 *
 * @example checkHeader('in.csv', 1, ['phone', 'segment']) // ['phone', 'segment']
 */
export function checkHeader(file: string, line: number, fields: readonly string[]): string[] {
  const names = fields.map((field) => field.trim());
  const bad = names.findIndex((name) => !isColumnName(name));
  if (bad >= 0) {
    const what = names[bad] === '' ? 'has no name' : 'is not a column name';
    throw new SourceError(
      'IMPORT_FILE_UNREADABLE',
      `${file}: line ${line} does not look like a header: ${names.length} field${names.length === 1 ? '' : 's'}, the ${ordinal(bad)} ${what} ` +
        `(a header names every column: letters, digits, _ - . and spaces, starting with a letter, at most ${MAX_COLUMN_NAME} characters)`,
      { file, line, fields: names.length, field: bad + 1 },
    );
  }
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name))
      throw new SourceError('IMPORT_FILE_UNREADABLE', (quote) => `${file}: header field ${i + 1} repeats the column name "${quote(name)}"`, {
        file,
        line,
        field: i + 1,
      });
    seen.add(name);
  });
  return names;
}
