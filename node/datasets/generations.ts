/**
 * The life of a dataset generation: staging → live → retired, or staging → abandoned; retired and
 * abandoned generations are reclaimed. Each step is one short transaction, so an import never holds
 * the database's write lock while it reads its file, and other writers (audit, runs) keep going.
 *
 * Atomicity: readers follow `datasets.generation`, which only moves in `publishGeneration`, after
 * every record of the new generation is committed. A crash at any point leaves the published
 * generation untouched; the orphaned rows are reclaimed by the next import (or `reclaimGenerations`
 * at start-up).
 */
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

/**
 * A staging generation whose heartbeat is older than this belongs to an import that died. Batches
 * beat every ~2k rows, so a live import never comes close.
 */
const STALE_AFTER_MS = 10 * 60_000;
/** Rows deleted per transaction when reclaiming, so reclaiming never blocks writers for long. */
const DELETE_CHUNK = 20_000;

export interface DatasetMeta {
  name: string;
  idColumn: string;
  idKind: string;
  idOptions: string;
  columns: string;
  rowCount: number;
  rejectedCount: number;
  sourceSha256: string;
  groupSuite: string;
}

export function beginGeneration(db: Db, dataset: string, now = new Date()): number {
  const at = now.toISOString();
  const { lastInsertRowid } = db.prepare("INSERT INTO generations (dataset, state, created_at, heartbeat_at) VALUES (?, 'staging', ?, ?)").run(dataset, at, at);
  return Number(lastInsertRowid);
}

/**
 * Returns a check to call inside each batch transaction: it beats the heartbeat and throws if the
 * generation stopped being ours (reclaimed as stale), so the batch rolls back.
 */
export function heartbeat(db: Db, generation: number): () => void {
  const beat = db.prepare("UPDATE generations SET heartbeat_at = ? WHERE id = ? AND state = 'staging'");
  return () => {
    if (beat.run(new Date().toISOString(), generation).changes !== 1) throw reclaimed(generation);
  };
}

/** Makes `generation` the dataset's live one; returns the generation it replaced, if any. */
export function publishGeneration(db: Db, generation: number, meta: DatasetMeta, now = new Date()): number | null {
  const at = now.toISOString();
  return db
    .transaction(() => {
      const live = db.prepare("UPDATE generations SET state = 'live', heartbeat_at = ? WHERE id = ? AND state = 'staging'");
      if (live.run(at, generation).changes !== 1) throw reclaimed(generation);
      const previous = db.prepare('SELECT generation FROM datasets WHERE name = ?').pluck().get(meta.name) as number | undefined;
      db.prepare(
        `INSERT INTO datasets (name, generation, id_column, id_kind, id_options, columns, row_count, rejected_count, source_sha256, group_suite, imported_at)
         VALUES (@name, @generation, @idColumn, @idKind, @idOptions, @columns, @rowCount, @rejectedCount, @sourceSha256, @groupSuite, @at)
         ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, id_column = excluded.id_column, id_kind = excluded.id_kind,
           id_options = excluded.id_options, columns = excluded.columns, row_count = excluded.row_count,
           rejected_count = excluded.rejected_count, source_sha256 = excluded.source_sha256,
           group_suite = excluded.group_suite, imported_at = excluded.imported_at`,
      ).run({ ...meta, generation, at });
      if (previous === undefined) return null;
      db.prepare("UPDATE generations SET state = 'retired' WHERE id = ?").run(previous);
      return previous;
    })
    .immediate();
}

/** Abandons a staging generation (if still staging) and deletes its records, a chunk at a time. */
export async function dropGeneration(db: Db, generation: number): Promise<void> {
  db.prepare("UPDATE generations SET state = 'abandoned' WHERE id = ? AND state = 'staging'").run(generation);
  const state = db.prepare('SELECT state FROM generations WHERE id = ?').pluck().get(generation);
  if (state === 'live') throw new MofangError('INTERNAL', `generation ${generation} is live and cannot be dropped`);
  const chunk = db.prepare('DELETE FROM records WHERE generation = ? AND row IN (SELECT row FROM records WHERE generation = ? LIMIT ?)');
  while (chunk.run(generation, generation, DELETE_CHUNK).changes > 0) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  db.prepare('DELETE FROM generations WHERE id = ?').run(generation);
}

/**
 * Reclaims retired and abandoned generations and stale staging ones (imports that crashed).
 * Returns how many generations were removed. Safe to run while other imports are staging.
 */
export async function reclaimGenerations(db: Db, options: { staleBefore?: Date } = {}): Promise<number> {
  const cutoff = (options.staleBefore ?? new Date(Date.now() - STALE_AFTER_MS)).toISOString();
  db.prepare("UPDATE generations SET state = 'abandoned' WHERE state = 'staging' AND heartbeat_at < ?").run(cutoff);
  const garbage = db.prepare("SELECT id FROM generations WHERE state IN ('retired', 'abandoned')").pluck().all() as number[];
  for (const generation of garbage) await dropGeneration(db, generation);
  return garbage.length;
}

function reclaimed(generation: number): MofangError {
  return new MofangError('INTERNAL', `import generation ${generation} was reclaimed as stale before it finished; run the import again`, { generation });
}
