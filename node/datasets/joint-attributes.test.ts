import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { customerJointAttributes, jointAttributeRows, jointAttributeSummaries } from './joint-attributes.js';
import { replaceJointAttributeByIdNorm } from './store.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-joint-'));
  db = openNodeDatabase(join(dir, 'node.db'));
  // Joint attributes are keyed by identifier and outlive the dataset's generations: no import needed.
  replaceJointAttributeByIdNorm(db, {
    dataset: 'customers',
    name: 'partner:telco:active',
    values: [
      ['+8613800138000', 'true'],
      ['+8613900139000', 'false'],
    ],
    agreementId: 'agr-1',
    runId: 'run-1',
  });
  replaceJointAttributeByIdNorm(db, {
    dataset: 'customers',
    name: 'audience:both',
    values: [['+8613800138000', 'true']],
    agreementId: 'agr-1,agr-2',
    runId: 'job-7',
  });
  replaceJointAttributeByIdNorm(db, {
    dataset: 'other',
    name: 'partner:telco:active',
    values: [['+8613800138000', 'false']],
    agreementId: 'agr-3',
    runId: 'run-3',
  });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('joint attribute reads', () => {
  it("lists one customer's attributes of one dataset by name, with their agreements split", () => {
    expect(customerJointAttributes(db, 'customers', '+8613800138000')).toEqual([
      { name: 'audience:both', value: 'true', agreementIds: ['agr-1', 'agr-2'], runId: 'job-7', createdAt: expect.any(String) },
      { name: 'partner:telco:active', value: 'true', agreementIds: ['agr-1'], runId: 'run-1', createdAt: expect.any(String) },
    ]);
    expect(customerJointAttributes(db, 'customers', '+8600000000000')).toEqual([]);
  });

  it('sums each attribute of a dataset per agreement and run', () => {
    expect(jointAttributeSummaries(db, 'customers')).toEqual([
      { name: 'audience:both', agreementIds: ['agr-1', 'agr-2'], runId: 'job-7', at: expect.any(String), count: 1 },
      { name: 'partner:telco:active', agreementIds: ['agr-1'], runId: 'run-1', at: expect.any(String), count: 2 },
    ]);
    expect(jointAttributeSummaries(db, 'nobody')).toEqual([]);
  });

  it('hands out the rows of one dataset (and one attribute) as a fragment a caller composes', () => {
    const one = jointAttributeRows({ dataset: 'customers', name: 'partner:telco:active', alias: 'j' });
    const values = db
      .prepare(`SELECT ${one.columns.idNorm}, ${one.columns.value} FROM ${one.from} WHERE ${one.where} ORDER BY 1`)
      .raw()
      .all(...one.params);
    expect(values).toEqual([
      ['+8613800138000', 'true'],
      ['+8613900139000', 'false'],
    ]);
    const all = jointAttributeRows({ dataset: 'customers', alias: 'x' });
    const perName = db
      .prepare(`SELECT ${all.columns.name}, count(*) FROM ${all.from} WHERE ${all.where} GROUP BY 1 ORDER BY 1`)
      .raw()
      .all(...all.params);
    expect(perName).toEqual([
      ['audience:both', 1],
      ['partner:telco:active', 2],
    ]);
  });

  it('refuses an alias that is not an SQL identifier', () => {
    expect(() => jointAttributeRows({ dataset: 'customers', alias: 'j; DROP TABLE x' })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
