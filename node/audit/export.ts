/**
 * Exports the audit log for compliance: every column, exactly as stored, so an export can be
 * re-verified offline (details stays its canonical JSON text).
 *
 * - jsonl: one JSON object per line, keys = column names. Lossless.
 * - csv: RFC 4180 — header row, CRLF line ends, fields containing '"', ',', CR or LF are quoted
 *   with '"' doubled. A NULL subject becomes an empty field (use jsonl to tell NULL from '').
 */
import { once } from 'node:events';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { AUDIT_COLUMNS, type AuditRow } from './chain.js';

export type AuditExportFormat = 'jsonl' | 'csv';

export interface AuditFilter {
  /** Entries at or after this instant (ISO 8601; a date alone means 00:00 UTC). */
  from?: string;
  /** Entries strictly before this instant. */
  to?: string;
  /** Only this action. */
  action?: string;
  /** Only entries by this actor (`token:ops-1`, `cli:alice`, `system`). */
  actor?: string;
  /** Only entries about this agreement: its subject, or the agreement a run or job entry names in its details. */
  agreement?: string;
}

/** The WHERE terms of an `AuditFilter` over the parameters `normaliseFilter` returns. */
export const AUDIT_FILTER_SQL = `(@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to) AND (@action IS NULL OR action = @action)
  AND (@actor IS NULL OR actor = @actor)
  AND (@agreement IS NULL OR subject = @agreement OR json_extract(details, '$.agreementId') = @agreement)`;

const PAGE = 1000;

/**
 * Writes the entries matching `filter` to `out`, oldest first, honouring backpressure. Does not
 * end `out`. Returns the number of entries written. The export covers the log as it was when it
 * started; entries appended meanwhile are left out.
 *
 * @example await exportAudit(db, 'csv', createWriteStream('audit-2024Q4.csv'), { from: '2024-10-01', to: '2025-01-01' })
 */
export async function exportAudit(db: Db, format: AuditExportFormat, out: NodeJS.WritableStream, filter: AuditFilter = {}): Promise<number> {
  if (!Object.hasOwn(ENCODERS, format)) {
    throw new MofangError('AUDIT_EXPORT_FORMAT', `format: "${String(format)}" is not one of ${Object.keys(ENCODERS).join(', ')}`, { field: 'format' });
  }
  const encode = ENCODERS[format];
  const params = normaliseFilter(filter);
  const lastSeq = (db.prepare('SELECT MAX(seq) AS seq FROM audit_log').get() as { seq: number | null }).seq ?? 0;
  // Pages rather than one iterator: an open iterator would keep the shared connection busy
  // across the awaits below, failing every other query of the node meanwhile.
  const page = db.prepare<unknown[], AuditRow>(
    `SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_log
     WHERE seq > @cursor AND seq <= @lastSeq
       AND ${AUDIT_FILTER_SQL}
     ORDER BY seq LIMIT ${PAGE}`,
  );
  let written = 0;
  if (format === 'csv') await write(out, `${AUDIT_COLUMNS.join(',')}\r\n`);
  for (let cursor = 0; ; ) {
    const rows = page.all({ cursor, lastSeq, ...params });
    if (rows.length > 0) await write(out, rows.map(encode).join(''));
    written += rows.length;
    if (rows.length < PAGE) return written;
    cursor = rows[rows.length - 1].seq;
  }
}

const ENCODERS: Record<AuditExportFormat, (row: AuditRow) => string> = {
  jsonl: (row) => `${JSON.stringify(Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, row[c]])))}\n`,
  csv: (row) => `${AUDIT_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`,
};

/** RFC 4180 §2 (6)–(7). */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

type FilterParams = { [K in keyof Required<AuditFilter>]: string | null };

/** The filter as the parameters of `AUDIT_FILTER_SQL`; a malformed field is refused by name. */
export function normaliseFilter(filter: AuditFilter): FilterParams {
  const instant = (name: 'from' | 'to'): string | null => {
    const value = filter[name];
    if (value === undefined) return null;
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new MofangError('REQUEST_INVALID', `filter.${name}: not an ISO 8601 date or timestamp`, { field: `filter.${name}` });
    // Entries store toISOString() text, which sorts as time; compare in that same form.
    return new Date(ms).toISOString();
  };
  const text = (name: 'action' | 'actor' | 'agreement'): string | null => {
    const value = filter[name];
    if (value !== undefined && typeof value !== 'string')
      throw new MofangError('REQUEST_INVALID', `filter.${name}: must be a string`, { field: `filter.${name}` });
    return value ?? null;
  };
  return { from: instant('from'), to: instant('to'), action: text('action'), actor: text('actor'), agreement: text('agreement') };
}

async function write(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
