/** Counting and listing bad rows for the import report, or aborting on the first. */
import { MofangError } from '../errors.js';
import type { BadRow } from './row-reader.js';

/** Bad rows listed in a report (all are counted). */
export const MAX_REPORTED_BAD_ROWS = 100;

/**
 * Collects bad rows. Duplicates are found only when their batch is written, after other errors on
 * later lines, so listing waits until the batch is committed and then goes in line order.
 */
export class BadRows {
  count = 0;
  readonly listed: BadRow[] = [];
  private pending: BadRow[] = [];
  private pendingErrors = 0;

  constructor(
    private readonly dataset: string,
    readonly skip: boolean,
  ) {}

  /** `duplicate`: found while writing a batch (kept until `commit`, at most one batch of them). */
  add(row: BadRow, duplicate = false): void {
    if (!this.skip) {
      const where = row.column ? `line ${row.line}: column ${row.column}` : `line ${row.line}`;
      throw new MofangError('IMPORT_BAD_ROW', `${where}: ${row.reason}; nothing was imported (use --skip-bad to skip bad rows)`, { dataset: this.dataset, ...row });
    }
    this.count++;
    const room = MAX_REPORTED_BAD_ROWS - this.listed.length;
    // Other errors arrive in line order, so only the first `room` of them can still be listed.
    if (room > 0 && (duplicate || this.pendingErrors++ < room)) this.pending.push(row);
  }

  /** Called once the batch holding every pending row's line is committed. */
  commit(): void {
    if (this.pending.length > 0 && this.listed.length < MAX_REPORTED_BAD_ROWS) {
      this.pending.sort((a, b) => a.line - b.line);
      this.listed.push(...this.pending.slice(0, MAX_REPORTED_BAD_ROWS - this.listed.length));
    }
    this.pending = [];
    this.pendingErrors = 0;
  }
}
