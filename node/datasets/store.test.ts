import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../protocols/group/index.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { importDataset } from './import.js';
import { countJointAttribute, datasetPoints, getDataset, idNormsForRows, listDatasets, writeJointAttribute } from './store.js';

let dir: string;
let db: Db;
const importPhones = async (phones: string[]) => {
  const file = join(dir, `${Math.random()}.csv`);
  writeFileSync(file, `phone\n${phones.join('\n')}\n`);
  return importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup() });
};
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-store-'));
  db = openNodeDatabase(join(dir, 'node.db'));
  await importPhones(['13800138000', '13900139000', '13700137000']);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dataset store', () => {
  it('getDataset names a missing dataset', () => {
    expect(() => getDataset(db, 'nope')).toThrow(expect.objectContaining({ code: 'DATASET_NOT_FOUND', message: 'no dataset named "nope"' }));
    expect(listDatasets(db).map((d) => d.name)).toEqual(['customers']);
  });

  it('datasetPoints returns typed arrays ordered by row', () => {
    const { points, rows, groupSuite } = datasetPoints(db, 'customers');
    expect(rows).toBeInstanceOf(Uint32Array);
    expect(Array.from(rows)).toEqual([2, 3, 4]);
    expect(points).toBeInstanceOf(Uint8Array);
    expect(points.length).toBe(3 * 32);
    expect(groupSuite).toBe(defaultGroup().suite);
  });

  it('idNormsForRows maps rows back to identifiers', () => {
    expect(idNormsForRows(db, 'customers', [4, 2])).toEqual(['+8613700137000', '+8613800138000']);
    expect(() => idNormsForRows(db, 'customers', [9])).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  const generation = () => getDataset(db, 'customers').generation;

  it('writeJointAttribute replaces the attribute; counts follow the live generation', () => {
    const base = { dataset: 'customers', generation: generation(), name: 'partner:telco:active', agreementId: 'agr-1', runId: 'run-1' };
    expect(writeJointAttribute(db, { ...base, rows: [2, 3], value: 'true' })).toBe(2);
    expect(countJointAttribute(db, 'customers', 'partner:telco:active')).toBe(2);
    expect(writeJointAttribute(db, { ...base, rows: [3, 4], value: ['true', 'false'], runId: 'run-2' })).toBe(2);
    expect(countJointAttribute(db, 'customers', 'partner:telco:active')).toBe(2);
    expect(countJointAttribute(db, 'customers', 'partner:telco:active', 'true')).toBe(1);
    expect(db.prepare('SELECT id_norm, value, run_id FROM joint_attributes ORDER BY id_norm').all()).toEqual([
      { id_norm: '+8613700137000', value: 'false', run_id: 'run-2' },
      { id_norm: '+8613900139000', value: 'true', run_id: 'run-2' },
    ]);
  });

  it('a failed write changes nothing', () => {
    const base = { dataset: 'customers', generation: generation(), name: 'partner:telco:active', agreementId: 'agr-1', runId: 'run-1' };
    writeJointAttribute(db, { ...base, rows: [2], value: 'true' });
    expect(() => writeJointAttribute(db, { ...base, rows: [3, 99], value: 'true' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => writeJointAttribute(db, { ...base, name: 'bad name', rows: [3], value: 'true' })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
    expect(countJointAttribute(db, 'customers', 'partner:telco:active')).toBe(1);
  });

  it('joint attributes follow the identifier across a re-import', async () => {
    writeJointAttribute(db, {
      dataset: 'customers',
      generation: generation(),
      name: 'partner:telco:active',
      rows: [2, 3],
      value: 'true',
      agreementId: 'a',
      runId: 'r',
    });
    await importPhones(['13600136000', '+86 139-0013-9000']); // keeps one of the two
    expect(countJointAttribute(db, 'customers', 'partner:telco:active')).toBe(1);
  });

  it('refuses to write rows of a generation that is no longer live (a re-import during the run)', async () => {
    const before = generation();
    await importPhones(['13600136000', '+86 139-0013-9000']);
    const write = () =>
      writeJointAttribute(db, {
        dataset: 'customers',
        generation: before,
        name: 'partner:telco:member',
        rows: [2],
        value: 'true',
        agreementId: 'a',
        runId: 'r',
      });
    expect(write).toThrow(expect.objectContaining({ code: 'RUN_FAILED', message: expect.stringContaining('re-imported during the run') }));
    expect(countJointAttribute(db, 'customers', 'partner:telco:member')).toBe(0);
  });
});
