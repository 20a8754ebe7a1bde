/**
 * Opens the node's embedded SQLite database and brings its schema up to date.
 *
 * The store knows no feature: each domain owns its tables and exports its migration steps next to
 * its schema, and the caller hands the ordered list in (see `node/database.ts`). Pending
 * migrations run in one transaction, so a failed migration leaves the previous schema intact.
 * Only the owner's folder names a table in SQL; other domains call its functions, or compose the
 * SQL fragments it exports (test/architecture.test.ts checks this).
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Migration } from './migrations.js';

export type Db = Database.Database;

export type { Migration } from './migrations.js';

/** @example openDatabase(join(dataDir, 'mofang.db'), NODE_MIGRATIONS) */
export function openDatabase(file: string, migrations: readonly Migration[]): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Created owner-only before SQLite opens it: SQLite gives the -wal and -shm files the
    // database file's mode, so they are private too. An existing file keeps its mode (start warns).
    closeSync(openSync(file, 'a', 0o600));
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A CLI command and a running node may share the file: wait for the other's write lock.
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db, migrations);
  return db;
}

function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per database and kept: for fixed SQL on a hot path (an engine
 * step runs a dozen statements per customer). Never for SQL built from values — each text is kept
 * for the database's lifetime — and a statement's mode (`pluck`, `raw`) is shared by every caller
 * of the same text.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) byText.set(sql, (statement = db.prepare(sql)));
  return statement;
}
