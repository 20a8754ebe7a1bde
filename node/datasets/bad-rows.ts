/** Counting and listing bad rows for the import report, or aborting on the first. */
import { MofangError } from '../errors.js';
import type { BadRow } from './row-reader.js';

/** Bad rows listed in a report (all are counted). */
const MAX_REPORTED_BAD_ROWS = 100;

/** Collects bad rows, which arrive in line order (duplicates included: they are found as rows are staged). */
export class BadRows {
  count = 0;
  readonly listed: BadRow[] = [];

  constructor(
    private readonly dataset: string,
    readonly skip: boolean,
  ) {}

  add(row: BadRow): void {
    if (!this.skip) {
      const where = row.column ? `line ${row.line}: column ${row.column}` : `line ${row.line}`;
      throw new MofangError('IMPORT_BAD_ROW', `${where}: ${row.reason}; nothing was imported (use --skip-bad to skip bad rows)`, {
        dataset: this.dataset,
        ...row,
      });
    }
    this.count++;
    if (this.listed.length < MAX_REPORTED_BAD_ROWS) this.listed.push(row);
  }
}
