/**
 * Synthetic customer profiles written straight into a published dataset generation of a node
 * database, as an import leaves them (no CSV, no hash-to-group pass: the benchmarks that use them
 * never run a joint query), for the insight benchmarks and the analytics benchmark's segment row.
 */
import { beginGeneration, publishGeneration } from '../node/datasets/generations.js';
import type { openNodeDatabase } from '../node/database.js';

type Db = ReturnType<typeof openNodeDatabase>;

export interface ProfileSet {
  dataset: string;
  rows: number;
  /** The dataset's identifier column and kind, and each row's normalised identifier. */
  idColumn: string;
  idKind: string;
  idOf(row: number): string;
  columns: readonly (readonly [string, string])[];
  profileOf(row: number): Record<string, unknown>;
}

/** Writes `set.rows` records in transactions of 100,000 and publishes the generation. */
export function writeProfiles(db: Db, set: ProfileSet): void {
  const generation = beginGeneration(db, set.dataset);
  const insert = db.prepare('INSERT INTO records (generation, row, id_norm, point, attrs) VALUES (?, ?, ?, zeroblob(32), ?)');
  const batch = db.transaction((from: number, to: number) => {
    // Row numbers are file lines: the header is line 1.
    for (let r = from; r < to; r++) insert.run(generation, r + 2, set.idOf(r), JSON.stringify(set.profileOf(r)));
  });
  for (let from = 0; from < set.rows; from += 100_000) batch(from, Math.min(set.rows, from + 100_000));
  publishGeneration(db, generation, {
    name: set.dataset,
    idColumn: set.idColumn,
    idKind: set.idKind,
    idOptions: '{}',
    columns: JSON.stringify(set.columns.map(([name, type]) => ({ name, type }))),
    rowCount: set.rows,
    rejectedCount: 0,
    sourceSha256: '0'.repeat(64),
    groupSuite: 'bench',
  });
}
