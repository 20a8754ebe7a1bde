/**
 * Phone numbers through a real import (reader worker, SQLite file): foreign spellings of one
 * number are one identifier, and a number that cannot be parsed is a bad row named by line and
 * column, never by its value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { defaultGroup } from '../../protocols/group/index.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { importDataset } from './import.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-phone-'));
  db = openNodeDatabase(join(dir, 'node.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const importPhones = (phones: string[], skipBad = false) => {
  const file = join(dir, 'phones.csv');
  writeFileSync(file, `name,phone\n${phones.map((p, i) => `c${i},"${p}"`).join('\n')}\n`);
  return importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup(), skipBad });
};

it('a UK number with and without its trunk 0 is one customer: the second is a duplicate', async () => {
  await expect(importPhones(['+44 07911 123456', '+44 7911 123456'])).rejects.toMatchObject({
    code: 'IMPORT_BAD_ROW',
    message: expect.stringMatching(/^line 3: column phone: duplicate of line 2;/),
  });
});

it('refuses a number outside its country plan as a bad row naming line and column, without the number', async () => {
  const err = await importPhones(['13800138000', '+44 7700 900123']).catch((e) => e);
  expect(err).toMatchObject({
    code: 'IMPORT_BAD_ROW',
    message: expect.stringMatching(/^line 3: column phone: not a valid phone number \(not in the numbering plan of its country\)/),
  });
  expect(JSON.stringify(err.toJSON())).not.toMatch(/7700|900123/);
});

it('with skipBad, imports the valid numbers and lists the bad rows by line', async () => {
  const report = await importPhones(['+852 6123 4567', '07911 123456', '+1 202 555 0123', '010 1234 5678'], true);
  expect(report).toMatchObject({ imported: 3, rejected: 1 });
  expect(db.prepare('SELECT id_norm FROM records ORDER BY id_norm').pluck().all()).toEqual(['+12025550123', '+85261234567', '+861012345678']);
});
