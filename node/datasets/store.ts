/**
 * Reading datasets, and the attributes joint queries write back to them. Every read that spans
 * `datasets` and `records` runs in one read transaction, so it sees one generation even while an
 * import publishes a new one.
 */
import { lengthPrefixed } from '../../protocols/psi/domain.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { DatasetColumn } from './attributes.js';
import type { IdKind, NormaliseOptions } from './normalise.js';

export interface DatasetInfo {
  name: string;
  /** Generation whose records are live (changes on every re-import). */
  generation: number;
  idColumn: string;
  idKind: IdKind;
  idOptions: NormaliseOptions;
  columns: DatasetColumn[];
  rowCount: number;
  rejectedCount: number;
  sourceSha256: string;
  /** Suite of the stored points; a node with another group must re-import. */
  groupSuite: string;
  importedAt: string;
}

/**
 * Domain-separation tag for the points stored at import: one per identifier kind, so a phone
 * number and a raw id with the same text never hash to the same point. Per-agreement and per-run
 * separation happen later, in the OPRF key and the digests (protocols/psi/domain.ts).
 */
export function pointDst(kind: IdKind): Uint8Array {
  return lengthPrefixed(Buffer.from('mofang/v1/dataset-h2g'), Buffer.from(kind));
}

interface DatasetRow {
  name: string;
  generation: number;
  id_column: string;
  id_kind: IdKind;
  id_options: string;
  columns: string;
  row_count: number;
  rejected_count: number;
  source_sha256: string;
  group_suite: string;
  imported_at: string;
}

const toInfo = (r: DatasetRow): DatasetInfo => ({
  name: r.name,
  generation: r.generation,
  idColumn: r.id_column,
  idKind: r.id_kind,
  idOptions: JSON.parse(r.id_options) as NormaliseOptions,
  columns: JSON.parse(r.columns) as DatasetColumn[],
  rowCount: r.row_count,
  rejectedCount: r.rejected_count,
  sourceSha256: r.source_sha256,
  groupSuite: r.group_suite,
  importedAt: r.imported_at,
});

export function listDatasets(db: Db): DatasetInfo[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY name').all() as DatasetRow[]).map(toInfo);
}

/** @throws DATASET_NOT_FOUND */
export function getDataset(db: Db, name: string): DatasetInfo {
  const row = db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as DatasetRow | undefined;
  if (!row) throw new MofangError('DATASET_NOT_FOUND', `no dataset named "${name}"`, { dataset: name });
  return toInfo(row);
}

/** The live generation of dataset `name`, or undefined when there is no such dataset. */
export function liveGeneration(db: Db, name: string): number | undefined {
  return db.prepare('SELECT generation FROM datasets WHERE name = ?').pluck().get(name) as number | undefined;
}

/** The live generation of every dataset. */
export function liveGenerations(db: Db): number[] {
  return db.prepare('SELECT generation FROM datasets').pluck().all() as number[];
}

/** Records read per query by datasetPoints. */
const POINTS_CHUNK = 65536;

/**
 * The dataset's hashed points for the PSI hot path, as typed arrays (no object per record).
 *
 * SQLite hands over each chunk as two strings — the rows, comma-separated, and the points in hex,
 * concatenated by `group_concat` — so no JS object is made per record: ≈ 0.4 µs a point against
 * ≈ 1.1 µs for a Buffer per row (10 M points: ≈ 4 s; docs/benchmarks.md, "Import").
 *
 * @example
 * const { points, rows } = datasetPoints(db, 'customers'); // points.length === rows.length * 32
 */
export function datasetPoints(db: Db, name: string): { points: Uint8Array; rows: Uint32Array; groupSuite: string } {
  return db.transaction(() => {
    const info = getDataset(db, name);
    const rows = new Uint32Array(info.rowCount);
    let points = Buffer.alloc(0);
    const chunk = (ordered: boolean) => {
      // Without ORDER BY in the aggregates SQLite concatenates in the subquery's order (checked below).
      const order = ordered ? ' ORDER BY row' : '';
      return db
        .prepare(
          `SELECT count(*), max(row), group_concat(row, ','${order}), group_concat(hex(point), ''${order})
         FROM (SELECT row, point FROM records WHERE generation = ? AND row > ? ORDER BY row LIMIT ?)`,
        )
        .raw();
    };
    const fast = chunk(false);
    let sorted: ReturnType<typeof chunk> | undefined;
    let size = 0;
    for (let i = 0, after = -1; ; ) {
      let [count, last, rowList, hex] = fast.get(info.generation, after, POINTS_CHUNK) as [number, number, string, string];
      if (count === 0) {
        if (i !== info.rowCount) throw new MofangError('INTERNAL', `dataset ${name}: ${i} records stored, ${info.rowCount} expected`);
        return { points: new Uint8Array(points.buffer, points.byteOffset, points.length), rows, groupSuite: info.groupSuite };
      }
      if (i + count > info.rowCount) throw new MofangError('INTERNAL', `dataset ${name}: more records stored than the ${info.rowCount} expected`);
      if (!parseRows(rowList, rows, i, after)) {
        sorted ??= chunk(true);
        [count, last, rowList, hex] = sorted.get(info.generation, after, POINTS_CHUNK) as [number, number, string, string];
        parseRows(rowList, rows, i, after);
      }
      if (i === 0) {
        size = hex.length / 2 / count;
        points = Buffer.alloc(info.rowCount * size);
      }
      if (hex.length !== 2 * size * count) throw new MofangError('INTERNAL', `dataset ${name}: stored points differ in length`);
      points.write(hex, i * size, 'hex');
      i += count;
      after = last;
    }
  })();
}

/** Parses comma-separated rows into `out` from `at`; false unless they ascend (from above `after`). */
function parseRows(list: string, out: Uint32Array, at: number, after: number): boolean {
  let previous = after;
  let value = 0;
  let ascending = true;
  for (let k = 0; k <= list.length; k++) {
    const c = k < list.length ? list.charCodeAt(k) : 44;
    if (c !== 44) {
      value = value * 10 + (c - 48);
      continue;
    }
    if (value <= previous) ascending = false;
    out[at++] = previous = value;
    value = 0;
  }
  return ascending;
}

/** The normalised identifiers of `rows`, in the same order. @throws NOT_FOUND for an unknown row */
export function idNormsForRows(db: Db, name: string, rows: ArrayLike<number>): string[] {
  return db.transaction(() => idNormLookup(db, name, getDataset(db, name).generation, rows))();
}

function idNormLookup(db: Db, name: string, generation: number, rows: ArrayLike<number>): string[] {
  const select = db.prepare('SELECT id_norm FROM records WHERE generation = ? AND row = ?').pluck();
  return Array.from(rows, (row) => {
    const id = select.get(generation, row) as string | undefined;
    if (id === undefined) throw new MofangError('NOT_FOUND', `dataset ${name} has no row ${row}`, { dataset: name, row });
    return id;
  });
}

/** Joint attribute names: a namespace and a name, e.g. `partner:telco:member`. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Sets attribute `name` on `rows` of the dataset, replacing every previous value of that attribute
 * for the dataset (a new run's result supersedes the last one), in one transaction.
 * `value` is one value for all rows, or one per row. `rows` index `generation`, the generation the
 * run read: if the dataset was re-imported since, the rows may name other customers, so nothing is
 * written (RUN_FAILED). Returns the number of rows written.
 */
export function writeJointAttribute(
  db: Db,
  input: { dataset: string; generation: number; rows: ArrayLike<number>; name: string; value: string | readonly string[]; agreementId: string; runId: string },
): number {
  const { dataset, generation, rows, name, value, agreementId, runId } = input;
  if (!ATTRIBUTE_NAME.test(name)) throw new MofangError('REQUEST_INVALID', `attribute name must match ${ATTRIBUTE_NAME}`, { field: 'name' });
  if (typeof value !== 'string' && value.length !== rows.length) {
    throw new MofangError('REQUEST_INVALID', `${value.length} values given for ${rows.length} rows`, { field: 'value' });
  }
  const at = new Date().toISOString();
  return db
    .transaction(() => {
      if (getDataset(db, dataset).generation !== generation) {
        throw new MofangError('RUN_FAILED', `dataset ${dataset} was re-imported during the run; nothing was stored: run the query again`, { dataset });
      }
      const ids = idNormLookup(db, dataset, generation, rows);
      db.prepare('DELETE FROM joint_attributes WHERE dataset = ? AND name = ?').run(dataset, name);
      const insert = db.prepare(
        'INSERT OR REPLACE INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      ids.forEach((id, i) => insert.run(dataset, id, name, typeof value === 'string' ? value : value[i], agreementId, runId, at));
      return ids.length;
    })
    .immediate();
}

/**
 * Per identifier (id_norm) seen by the given runs' attributes: 'true' when every run matched it,
 * 'false' when at least one did not, null when only some runs saw it and those matched it (a
 * re-import between runs: unknown).
 */
export function jointVerdicts(db: Db, dataset: string, runs: readonly { name: string; runId: string }[]): [idNorm: string, verdict: 'true' | 'false' | null][] {
  const params = runs.flatMap((r) => [r.name, r.runId]);
  return db
    .prepare(
      `SELECT id_norm, CASE WHEN sum(value = 'true') = ? THEN 'true' WHEN sum(value = 'false') > 0 THEN 'false' END AS verdict
         FROM joint_attributes WHERE dataset = ? AND (${runs.map(() => '(name = ? AND run_id = ?)').join(' OR ')})
         GROUP BY id_norm`,
    )
    .raw()
    .all(runs.length, dataset, ...params) as [string, 'true' | 'false' | null][];
}

/**
 * Sets attribute `name` by identifier (id_norm) rather than by row, replacing every previous value
 * of that attribute for the dataset. Runs in the caller's transaction when there is one (as a
 * savepoint), so a caller can read, check and write atomically.
 */
export function replaceJointAttributeByIdNorm(
  db: Db,
  input: { dataset: string; name: string; values: readonly (readonly [idNorm: string, value: string])[]; agreementId: string; runId: string },
): void {
  const { dataset, name, values, agreementId, runId } = input;
  db.transaction(() => {
    db.prepare('DELETE FROM joint_attributes WHERE dataset = ? AND name = ?').run(dataset, name);
    const insert = db.prepare('INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const at = new Date().toISOString();
    for (const [id, value] of values) insert.run(dataset, id, name, value, agreementId, runId, at);
  })();
}

/**
 * How many records of the dataset's live generation carry attribute `name` (with `value`, if
 * given). Values of identifiers no longer in the dataset after a re-import are not counted.
 */
export function countJointAttribute(db: Db, dataset: string, name: string, value?: string): number {
  return db.transaction(() => {
    const { generation } = getDataset(db, dataset);
    const sql = `SELECT count(*) FROM joint_attributes j JOIN records r ON r.generation = ? AND r.id_norm = j.id_norm
                 WHERE j.dataset = ? AND j.name = ?${value === undefined ? '' : ' AND j.value = ?'}`;
    const params = value === undefined ? [generation, dataset, name] : [generation, dataset, name, value];
    return db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  })();
}
