/** A source that fails midway (disk error, vanished file): the import fails and changes nothing. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { RecordSource } from '../../adapters/sources/record.js';
import { defaultGroup } from '../../protocols/group/index.js';
import { MofangError } from '../errors.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { importDataset } from './import.js';
import { datasetPoints, getDataset } from './store.js';

const failAfter = vi.hoisted(() => ({ rows: Infinity }));
vi.mock('../../adapters/sources/open.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../adapters/sources/open.js')>();
  return {
    ...real,
    openSource: (file: string, format?: string): RecordSource => {
      const source = real.openSource(file, format);
      return Object.assign(Object.create(source) as RecordSource, {
        async *batches() {
          let n = 0;
          for await (const batch of source.batches()) {
            n += batch.length;
            if (n > failAfter.rows) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (EIO)`, { code: 'EIO' });
            yield batch;
          }
        },
      });
    },
  };
});

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-import-'));
  db = openNodeDatabase(join(dir, 'node.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a source error midway leaves the previous dataset exactly as it was', async () => {
  const file = join(dir, 'a.csv');
  const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => `139${String(from + i).padStart(8, '0')},${i}`).join('\n');
  writeFileSync(file, `phone,n\n${rows(1000, 0)}\n`);
  const options = { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup() };
  await importDataset(db, options);
  const before = { info: getDataset(db, 'customers'), points: datasetPoints(db, 'customers'), count: db.prepare('SELECT count(*) FROM records').pluck().get() };

  writeFileSync(file, `phone,n\n${rows(5000, 50_000)}\n`);
  failAfter.rows = 4000;
  await expect(importDataset(db, options)).rejects.toMatchObject({ code: 'IMPORT_FILE_UNREADABLE' });
  expect(getDataset(db, 'customers')).toEqual(before.info);
  expect(datasetPoints(db, 'customers')).toEqual(before.points);
  expect(db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(before.count);
  expect(db.prepare('SELECT state FROM generations').pluck().all()).toEqual(['live']);
});
