/**
 * A consent file: CSV with a header naming `customer_id`, `channel`, `status` and optionally
 * `source`, one customer × channel per row. Read whole (the import is all or nothing); a row the
 * reader cannot parse fails the import naming its line, never its content.
 */
import { openSource } from '../../../adapters/sources/open.js';
import { fieldOf } from '../../../adapters/sources/record.js';
import { MofangError } from '../../errors.js';
import type { ConsentEntry } from './consent.js';

const REQUIRED = ['customer_id', 'channel', 'status'] as const;

/** The entries with the line each starts on. */
export async function readConsentFile(file: string): Promise<{ entries: ConsentEntry[]; lines: number[] }> {
  const source = openSource(file, 'csv');
  const entries: ConsentEntry[] = [];
  const lines: number[] = [];
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  for await (const r of source) {
    if (r.error !== undefined) throw new MofangError('CONSENT_INVALID', `line ${r.line}: ${r.error}`, { field: 'file', line: r.line });
    if (lines.length === 0) {
      const missing = REQUIRED.filter((c) => !source.header?.includes(c));
      if (missing.length > 0)
        throw new MofangError('CONSENT_INVALID', `the header lacks ${missing.join(', ')} (needs customer_id, channel, status; source optional)`, {
          field: 'file',
        });
    }
    const rowSource = text(fieldOf(r.fields, 'source'));
    entries.push({
      customerId: text(fieldOf(r.fields, 'customer_id')),
      channel: text(fieldOf(r.fields, 'channel')),
      status: text(fieldOf(r.fields, 'status')),
      ...(rowSource !== '' ? { source: rowSource } : {}),
    });
    lines.push(r.line);
  }
  return { entries, lines };
}
