/**
 * A cheap last line of defence against personal data in the audit log. Audit entries are kept
 * forever and exported to compliance, so `subject` and `details` must hold only non-sensitive
 * facts (ids of datasets, agreements and runs, counts, codes, hashes) — never a customer's
 * identifier. This check catches the common slip (logging a raw phone number, email, Chinese
 * resident ID or bank card number); it is a heuristic, not a guarantee, and callers remain
 * responsible for what they log.
 *
 * What counts as an identifier is decided in text/identifiers.ts, shared with the outsider-text filter.
 */
import { MofangError } from '../errors.js';
import { identifierKind } from '../text/identifiers.js';

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
