/** Reading option values: ones that may name a file (`--rule @rule.json`), whole numbers. */
import { readFileSync } from 'node:fs';
import { MofangError } from '../errors.js';

/**
 * The value itself, or the content of the file it names with a leading `@`. A file that cannot
 * be read is the user's error, named with its option and path (never its content).
 * @example argText('@rule.json', '--rule')
 */
export function argText(value: string, option: string): string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot read it (${code ?? 'error'})`;
    throw new MofangError('REQUEST_INVALID', `${option}: ${file}: ${why}; give the value inline or as @<readable file>`, { field: option });
  }
}

/** A whole number from an option, or the field named. */
export function integer(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new MofangError('REQUEST_INVALID', `${option}: expected a whole number, got "${value.slice(0, 32)}"`, { field: option });
  return Number(value);
}
