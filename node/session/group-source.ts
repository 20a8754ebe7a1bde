/**
 * Where the querier's groups come from. An aggregate run compares k groups of the querier's own
 * records (its candidate segments) with the partner's values; a GroupSource names them, by
 * record row of the dataset generation the run reads. `groupByAttribute` groups by a categorical
 * attribute of the dataset; segments from the insight store plug in as another source.
 */
import { recordAttributeValues, recordRows } from '../datasets/records.js';
import { getDataset } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

export interface QueryGroup {
  /** Shown to the querier's operators only; never sent to the partner. */
  label: string;
  /** Rows (records.row) of the querier's dataset generation, ascending. */
  rows: Uint32Array;
}

export interface GroupSource {
  /** How the groups were chosen, stored with the results: 'all', 'group-by:city', 'segments:a,b'. */
  readonly grouping: string;
  /** May read asynchronously (segments refresh a stale materialisation first). */
  groups(db: Db, dataset: string, generation: number): QueryGroup[] | Promise<QueryGroup[]>;
}

/** One group: every record of the dataset. */
function allRecords(): GroupSource {
  return {
    grouping: 'all',
    groups(db, dataset, generation) {
      return [{ label: dataset, rows: Uint32Array.from(recordRows(db, generation)) }];
    },
  };
}

/**
 * One group per value of a categorical (string, boolean or date) attribute of the dataset, in
 * the order of the values; records without a value are in no group. A number attribute is refused:
 * its values are not categories (group it into a segment first).
 *
 * @example groupByAttribute('city').groups(db, 'customers', generation) // [{ label: '上海', rows }, …]
 */
export function groupByAttribute(attribute: string): GroupSource {
  return {
    grouping: `group-by:${attribute}`,
    groups(db, dataset, generation) {
      const column = getDataset(db, dataset).columns.find((c) => c.name === attribute);
      if (!column) throw new MofangError('REQUEST_INVALID', `group-by: dataset ${dataset} has no attribute '${attribute}'`, { field: 'groupBy' });
      if (column.type === 'number') {
        throw new MofangError(
          'REQUEST_INVALID',
          `group-by: attribute '${attribute}' is a number column, not a category; group by a string, boolean or date attribute`,
          { field: 'groupBy' },
        );
      }
      const byValue = new Map<string, number[]>();
      for (const [row, value] of recordAttributeValues(db, generation, attribute)) {
        if (value === null || value === undefined) continue;
        // JSON true/false come back from SQLite as 1/0.
        const key = column.type === 'boolean' ? String(value === 1 || value === true) : String(value);
        let rows = byValue.get(key);
        if (!rows) byValue.set(key, (rows = []));
        rows.push(row);
      }
      return [...byValue.keys()].sort().map((label) => ({ label, rows: Uint32Array.from(byValue.get(label)!) }));
    },
  };
}

/** What a job's options ask for: `groupBy` or saved `segments`; default all records. */
export function groupSourceFor(options: { groupBy?: string; segments?: string[] }, segments: (names: string[]) => GroupSource): GroupSource {
  if (options.groupBy !== undefined && options.segments !== undefined) {
    throw new MofangError('REQUEST_INVALID', 'groupBy and segments: choose one way to form the groups', { field: 'segments' });
  }
  if (options.groupBy !== undefined) return groupByAttribute(options.groupBy);
  if (options.segments !== undefined) return segments(options.segments);
  return allRecords();
}
