/**
 * Opens the node's embedded SQLite database and brings its schema up to date.
 *
 * The DDL lives with the domain that creates each table (mostly a `schema.ts` in its folder);
 * `migrations.ts` orders those statements into numbered versions and this file applies them in one
 * transaction, so a failed migration leaves the previous schema intact. Declaring a table does not
 * make a domain its only user: some tables are also queried from other folders (`records` from
 * node/session/, for one).
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
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
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
