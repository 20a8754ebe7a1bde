/**
 * Audit entries about what outsiders did quote what they sent: a peer's abort reason, the
 * agreement id it asked for, an error message built around its input. Those fields are data, not
 * our code's doing, so they must never stop the entry from being written (an unaudited refusal
 * is worse than a redacted one). The caller names them; each is passed through `untrustedText`
 * (capped, stripped, identifiers redacted), and if one still looks like an identifier it is
 * replaced whole by REDACTED and listed under `details.redacted`. Fields not named stay under the
 * privacy guard's full rule — a raw identifier there is a bug in this node and still throws.
 */
import { untrustedText } from '../text/untrusted.js';
import { firstRawIdentifier } from './privacy-guard.js';

const REDACTED = '[redacted]';
// Subjects are ids; the audit log refuses subjects over 200 characters.
const SUBJECT_MAX = 128;

export interface OutsiderFields {
  subject: string | null;
  details: Record<string, unknown>;
}

/**
 * Returns `subject` and `details` with the named outsider fields made safe: 'subject' names the
 * subject, any other name a top-level key of `details`.
 *
 * @example sanitizeOutsiderFields({ subject: null, details: { reason: peerText } }, ['reason'])
 */
export function sanitizeOutsiderFields(entry: OutsiderFields, fields: readonly string[]): OutsiderFields {
  if (fields.length === 0) return entry;
  let subject = entry.subject;
  const details = { ...entry.details };
  const redacted: string[] = [];
  for (const field of fields) {
    if (field === 'subject') {
      if (subject === null) continue;
      subject = untrustedText(subject, SUBJECT_MAX) || REDACTED;
      if (firstRawIdentifier(subject, 'subject')) (subject = REDACTED), redacted.push('subject');
    } else if (Object.hasOwn(details, field)) {
      details[field] = cleaned(details[field]);
      if (firstRawIdentifier(details[field], `details.${field}`, field)) (details[field] = REDACTED), redacted.push(field);
    }
  }
  if (redacted.length > 0) details.redacted = redacted;
  return { subject, details };
}

/** Strings anywhere inside the value go through untrustedText; numbers, booleans and null stay. */
function cleaned(value: unknown): unknown {
  if (typeof value === 'string') return untrustedText(value);
  if (Array.isArray(value)) return value.map(cleaned);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [untrustedText(k, 64), cleaned(v)]));
  }
  return value;
}
