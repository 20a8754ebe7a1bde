import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../protocols/group/index.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { importDataset } from './import.js';
import { recordsChunkSql } from './records.js';
import { getDataset } from './store.js';

let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-records-'));
  db = openNodeDatabase(join(dir, 'node.db'));
  const file = join(dir, 'customers.csv');
  writeFileSync(file, 'phone,age\n13800138000,31\n13900139000,\n13700137000,58\n');
  await importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup() });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('records chunk SQL', () => {
  it('copies a generation set-based in row order, a chunk at a time after the last row copied', () => {
    db.exec('CREATE TABLE copy (row INTEGER PRIMARY KEY, id_norm TEXT, age REAL)');
    const copy = db.prepare(`INSERT INTO copy ${recordsChunkSql((c) => `${c.row}, ${c.idNorm}, ${c.attribute}`)}`);
    const { generation } = getDataset(db, 'customers');
    expect(copy.run('$."age"', generation, -1, 2).changes).toBe(2);
    expect(copy.run('$."age"', generation, 3, 2).changes).toBe(1);
    expect(copy.run('$."age"', generation, 4, 2).changes).toBe(0);
    expect(db.prepare('SELECT row, id_norm, age FROM copy ORDER BY row').raw().all()).toEqual([
      [2, '+8613800138000', 31],
      [3, '+8613900139000', null],
      [4, '+8613700137000', 58],
    ]);
  });
});
