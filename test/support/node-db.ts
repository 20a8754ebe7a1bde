/**
 * A node's SQLite file opened as an outside observer would (a second connection, as an operator's
 * `sqlite3` shell): tests read what the node stored, and a few tamper with it, without any access
 * to the node's own connection.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

const open = new Map<string, Database.Database>();

/** The connection to the database file of the node with this config (reused, reopened once closed). */
export function nodeDb(node: { config: { node: { dataDir: string } } }): Database.Database {
  const file = join(node.config.node.dataDir, 'mofang.db');
  let db = open.get(file);
  if (!db?.open) {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    open.set(file, db);
  }
  return db;
}
