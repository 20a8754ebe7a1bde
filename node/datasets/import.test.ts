import iconv from 'iconv-lite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../protocols/group/index.js';
import { CryptoPool } from '../crypto-pool/pool.js';
import { MofangError } from '../errors.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { importDataset, type ImportOptions } from './import.js';
import { datasetPoints, getDataset, listDatasets, pointDst } from './store.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/datasets');
const group = defaultGroup();

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

const write = (name: string, content: string) => {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
};
/** Set per describe.each below: the reading half runs in this thread or in a worker thread. */
let readInWorker = false;
const run = (file: string, options: Partial<ImportOptions> = {}) =>
  importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group, readInWorker, ...options });
const failure = async (p: Promise<unknown>): Promise<MofangError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MofangError);
    return err as MofangError;
  }
  throw new Error('expected the import to fail');
};
/** Everything a reader could see of a dataset, plus any leftover staging data. */
const snapshot = (name = 'customers') => ({
  info: getDataset(db, name),
  points: Buffer.from(datasetPoints(db, name).points).toString('base64'),
  rows: Array.from(datasetPoints(db, name).rows),
  records: db.prepare('SELECT generation, row, id_norm, attrs FROM records ORDER BY generation, row').all(),
  generations: db.prepare('SELECT id, dataset, state FROM generations ORDER BY id').all(),
});
/** A CSV of `n` distinct valid mobile numbers, starting at line 2. */
const phones = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `139${String(from + i).padStart(8, '0')}`);
const csv = (rows: string[]) => `phone,age\n${rows.map((p, i) => `${p},${20 + (i % 50)}`).join('\n')}\n`;

describe.each([false, true])('importDataset (reading in a worker thread: %s)', (inWorker) => {
  beforeEach(() => {
    readInWorker = inWorker;
  });

  it('imports a CSV: normalised ids, typed attributes, points hashed once', async () => {
    const report = await run(join(FIXTURES, 'customers.csv'));
    expect(report).toMatchObject({
      dataset: 'customers',
      generation: expect.any(Number),
      previousGeneration: null,
      format: 'csv',
      idColumn: 'phone',
      idKind: 'phone',
      rowsRead: 4,
      imported: 4,
      rejected: 0,
      badRows: [],
      sourceSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      groupSuite: group.suite,
    });
    expect(report.columns).toEqual([
      { name: 'customer_id', type: 'string' },
      { name: 'age', type: 'number' },
      { name: 'city', type: 'string' },
      { name: 'vip', type: 'boolean' },
      { name: 'opened', type: 'date' },
    ]);
    const rows = db.prepare('SELECT row, id_norm, attrs FROM records ORDER BY row').all() as { row: number; id_norm: string; attrs: string }[];
    expect(rows.map((r) => [r.row, r.id_norm])).toEqual([
      [2, '+8613800138000'],
      [3, '+8613900139000'],
      [4, '+8613700137000'],
      [5, '+8613600136000'],
    ]);
    expect(JSON.parse(rows[2].attrs)).toEqual({ customer_id: 'C003', age: 28, city: 'Guangzhou, GD', vip: true, opened: '2021-06-30' });
    expect(JSON.parse(rows[3].attrs)).toMatchObject({ age: null, city: '深圳' });

    const { points, rows: pointRows } = datasetPoints(db, 'customers');
    expect(Array.from(pointRows)).toEqual([2, 3, 4, 5]);
    expect(points).toEqual(
      group.hashToGroup(
        pointDst('phone'),
        rows.map((r) => Buffer.from(r.id_norm)),
      ),
    );
    expect(listDatasets(db)).toEqual([
      expect.objectContaining({ name: 'customers', rowCount: 4, rejectedCount: 0, idKind: 'phone', generation: report.generation }),
    ]);
  });

  it('imports JSONL with native types, and takes declared types over inferred ones', async () => {
    const report = await run(join(FIXTURES, 'subscribers.jsonl'), { dataset: 'subscribers', attributeTypes: { plan: 'string', monthly_spend: 'number' } });
    expect(report).toMatchObject({ format: 'jsonl', rowsRead: 3, imported: 3, rejected: 0 });
    expect(report.columns).toEqual([
      { name: 'active', type: 'boolean' },
      { name: 'plan', type: 'string' },
      { name: 'monthly_spend', type: 'number' },
    ]);
    const attrs = db.prepare('SELECT attrs FROM records ORDER BY row').pluck().all() as string[];
    expect(attrs.map((a) => JSON.parse(a))).toEqual([
      { active: true, plan: '5G-Plus', monthly_spend: 199.5 },
      { active: false, plan: 'Prepaid', monthly_spend: null },
      { active: true, plan: 'Family', monthly_spend: 88 },
    ]);
    expect(db.prepare('SELECT row FROM records ORDER BY row').pluck().all()).toEqual([1, 2, 4]);
  });

  it('treats spellings of one phone number as duplicates', async () => {
    const f = write('dups.csv', 'phone,age\n+86 138-0013-8000,1\n13900139000,2\n0086 13800138000,3\n(+86) 138 0013 8000,4\n');
    const err = await failure(run(f));
    expect(err.code).toBe('IMPORT_BAD_ROW');
    expect(err.message).toBe('line 4: column phone: duplicate of line 2; nothing was imported (use --skip-bad to skip bad rows)');
    expect(err.details).toMatchObject({ line: 4, column: 'phone', reason: 'duplicate of line 2' });

    const report = await run(f, { skipBad: true });
    expect(report).toMatchObject({ rowsRead: 4, imported: 2, rejected: 2 });
    expect(report.badRows).toEqual([
      { line: 4, column: 'phone', reason: 'duplicate of line 2' },
      { line: 5, column: 'phone', reason: 'duplicate of line 2' },
    ]);
  });

  it('imports a GBK file with encoding gb18030, names intact; without it, refuses by line and changes nothing', async () => {
    const f = join(dir, 'gbk.csv');
    writeFileSync(f, iconv.encode('phone,姓名,city\n+8613800138000,张三,北京\n+8613900139000,李四,上海\n', 'gbk'));
    const err = await failure(run(f));
    expect(err).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', details: { line: 1, encoding: 'utf-8' } });
    expect(listDatasets(db)).toEqual([]);
    const report = await run(f, { encoding: 'gb18030' });
    expect(report.columns.map((c) => c.name)).toEqual(['姓名', 'city']);
    const attrs = db.prepare('SELECT attrs FROM records ORDER BY row').pluck().all() as string[];
    expect(attrs.map((a) => JSON.parse(a))).toEqual([
      { 姓名: '张三', city: '北京' },
      { 姓名: '李四', city: '上海' },
    ]);
  });

  it('imports JSONL keys __proto__ and constructor as ordinary columns, without polluting Object.prototype', async () => {
    const f = write('proto.jsonl', '{"phone":"+8613800138000","__proto__":"gold","constructor":"a"}\n{"phone":"+8613900139000","__proto__":"silver"}\n');
    const report = await run(f);
    expect(report.columns.map((c) => c.name)).toEqual(['__proto__', 'constructor']);
    const attrs = db.prepare('SELECT attrs FROM records ORDER BY row').pluck().all() as string[];
    expect(attrs.map((a) => Object.entries(JSON.parse(a)))).toEqual([
      [
        ['__proto__', 'gold'],
        ['constructor', 'a'],
      ],
      [
        ['__proto__', 'silver'],
        ['constructor', null],
      ],
    ]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).gold).toBeUndefined();
  });

  it('never quotes a first line that is not a header, nor lists it as available columns', async () => {
    const f = write('shadow.csv', 'root:$6$Zr8Lq$SecretHash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n');
    const err = await failure(run(f));
    expect(err.code).toBe('IMPORT_FILE_UNREADABLE');
    expect(err.message).toContain('line 1 does not look like a header: 1 field, the first is not a column name');
    expect(`${err.message} ${JSON.stringify(err.details)}`).not.toMatch(/root|SecretHash|\$6\$/);
  });

  describe('a bad row aborts the import and changes nothing', () => {
    const cases: [string, string, object][] = [
      ['wrong field count', `${csv(phones(3))}13900009999,40,extra\n`, { line: 5, reason: 'malformed CSV: 2 fields expected, 3 found' }],
      ['unclosed quote', `${csv(phones(3))}"13900009999,40\n`, { line: 5, reason: 'malformed CSV: unclosed quote' }],
      ['stray quote', `${csv(phones(3))}139000"09999,40\n`, { line: 5, reason: 'malformed CSV: a quote inside an unquoted field' }],
      ['bad type', `${csv(phones(3))}13900009999,forty\n`, { line: 5, column: 'age', reason: expect.stringContaining('not a number') }],
      [
        'bad id',
        `${csv(phones(3))}+86 139 0000 999,40\n`,
        { line: 5, column: 'phone', reason: 'not a valid phone number (11 digits expected after country code 86)' },
      ],
      ['empty id', `${csv(phones(3))},40\n`, { line: 5, column: 'phone', reason: 'empty identifier' }],
    ];
    it.each(cases)('%s', async (_label, content, details) => {
      await run(join(FIXTURES, 'customers.csv'));
      const before = snapshot();
      const err = await failure(run(write('bad.csv', content), { attributeTypes: { age: 'number' } }));
      expect(err.code).toBe('IMPORT_BAD_ROW');
      expect(err.details).toMatchObject(details);
      expect(err.message).toMatch(/^line 5: /);
      expect(JSON.stringify([err.message, err.details])).not.toMatch(/0000\s?999|13900009999/);
      expect(snapshot()).toEqual(before);
    });
  });

  it('with skipBad, imports the good rows and reports the bad ones by line and column', async () => {
    const rows = phones(10);
    rows[2] = '+86 139 0000 999'; // line 4: bad id
    rows[5] = `${rows[0]}`; // line 7: duplicate of line 2
    const f = write('mixed.csv', `${csv(rows)}13900008888,x\n13900007777\n`);
    const report = await run(f, { skipBad: true, attributeTypes: { age: 'number' } });
    expect(report).toMatchObject({ rowsRead: 12, imported: 8, rejected: 4 });
    expect(report.badRows).toEqual([
      { line: 4, column: 'phone', reason: 'not a valid phone number (11 digits expected after country code 86)' },
      { line: 7, column: 'phone', reason: 'duplicate of line 2' },
      { line: 12, column: 'age', reason: expect.stringContaining('not a number') },
      { line: 13, reason: 'malformed CSV: 2 fields expected, 1 found' },
    ]);
    expect(getDataset(db, 'customers')).toMatchObject({ rowCount: 8, rejectedCount: 4 });
    expect(JSON.stringify(report)).not.toMatch(/139 0000 999|1390000000|13900008888|13900007777/);
  });

  it('infers types from the first 1000 rows and holds later rows to them', async () => {
    const rows = phones(1200);
    const content = csv(rows).replace(`${rows[1100]},${20 + (1100 % 50)}`, `${rows[1100]},n/a`);
    const err = await failure(run(write('late-type.csv', content)));
    expect(err.details).toMatchObject({ line: 1102, column: 'age', reason: expect.stringContaining('not a number') });
    // Within the sample, the same value just makes the column a string column.
    const early = csv(rows).replace(`${rows[10]},${20 + 10}`, `${rows[10]},n/a`);
    expect((await run(write('early-type.csv', early))).columns).toEqual([{ name: 'age', type: 'string' }]);
  });

  it('lists the first 100 bad rows in line order and counts them all', async () => {
    const rows = phones(5000);
    for (let i = 0; i < 5000; i += 20) rows[i] = rows[i + 1]; // duplicates, found when a batch is written
    for (let i = 7; i < 5000; i += 20) rows[i] = 'not-a-phone'; // found while reading
    const report = await run(write('many.csv', csv(rows)), { skipBad: true });
    expect(report.rejected).toBe(500);
    expect(report.badRows).toHaveLength(100);
    const lines = report.badRows.map((b) => b.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines.slice(0, 4)).toEqual([3, 9, 23, 29]);
  });

  describe('options', () => {
    it('rejects an unknown id kind, listing the valid ones', async () => {
      const err = await failure(run(join(FIXTURES, 'customers.csv'), { idKind: 'mobile' }));
      expect(err.code).toBe('IMPORT_BAD_OPTION');
      expect(err.message).toBe('unknown identifier kind "mobile"; valid kinds: phone, email, national-id, raw');
    });

    it('rejects a missing id column, listing the available ones', async () => {
      const err = await failure(run(join(FIXTURES, 'customers.csv'), { idColumn: 'mobile' }));
      expect(err.code).toBe('IMPORT_BAD_OPTION');
      expect(err.message).toBe('id column "mobile" is not in the file; available columns: customer_id, phone, age, city, vip, opened');
      expect(err.details).toMatchObject({ column: 'mobile', available: ['customer_id', 'phone', 'age', 'city', 'vip', 'opened'] });
    });

    it.each([
      [{ dataset: 'Customers' }, 'dataset name must match'],
      [{ dataset: '1x' }, 'dataset name must match'],
      [{ format: 'xlsx' }, 'unknown format "xlsx"'],
      [{ attributeTypes: { age: 'integer' } }, 'column age: unknown type "integer"'],
      [{ attributeTypes: { nope: 'string' } }, 'attributeTypes: column "nope" is not in the file'],
      [{ attributeTypes: { phone: 'string' } }, 'is the identifier column'],
    ] as [Partial<ImportOptions>, string][])('%j', async (options, message) => {
      const err = await failure(run(join(FIXTURES, 'customers.csv'), options));
      expect(err.code).toBe('IMPORT_BAD_OPTION');
      expect(err.message).toContain(message);
    });

    it('reports an unreadable file', async () => {
      const err = await failure(run(join(dir, 'missing.csv')));
      expect(err.code).toBe('IMPORT_FILE_UNREADABLE');
    });
  });

  it('re-importing replaces the dataset and reclaims the old generation', async () => {
    const first = await run(write('a.csv', csv(phones(300))));
    const second = await run(write('b.csv', csv(phones(200, 1000))));
    expect(second.previousGeneration).toBe(first.generation);
    expect(second.generation).toBeGreaterThan(first.generation);
    expect(getDataset(db, 'customers')).toMatchObject({ generation: second.generation, rowCount: 200 });
    expect(db.prepare('SELECT DISTINCT generation FROM records').pluck().all()).toEqual([second.generation]);
    expect(db.prepare('SELECT id, state FROM generations').all()).toEqual([{ id: second.generation, state: 'live' }]);
    expect(datasetPoints(db, 'customers').rows).toHaveLength(200);
  });

  it('an exception from onProgress midway leaves the previous dataset exactly as it was', async () => {
    await run(join(FIXTURES, 'customers.csv'));
    const before = snapshot();
    // More rows than one commit (64k), so committed staging rows must be cleaned up too.
    const big = write('big.csv', csv(phones(70_000)));
    const stop = new Error('operator cancelled');
    let sawRows = 0;
    const err = await run(big, {
      onProgress: (p) => {
        sawRows = p.rowsRead;
        expect(p.totalBytes).toBeGreaterThan(0);
        if (p.rowsRead >= 68_000) throw stop;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(stop);
    expect(sawRows).toBeGreaterThanOrEqual(68_000);
    expect(snapshot()).toEqual(before);
  });

  it('a bad row at line 5000 leaves the previous dataset exactly as it was', async () => {
    await run(join(FIXTURES, 'customers.csv'));
    const before = snapshot();
    const rows = phones(6000);
    rows[4998] = '123';
    const err = await failure(run(write('late.csv', csv(rows))));
    expect(err.details).toMatchObject({ line: 5000, column: 'phone' });
    expect(snapshot()).toEqual(before);
  });

  it('reclaims the staging rows of an import that crashed, but not those of one still running', async () => {
    await run(join(FIXTURES, 'customers.csv'));
    const insert = db.prepare("INSERT INTO generations (dataset, state, created_at, heartbeat_at) VALUES ('customers', 'staging', ?, ?)");
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const crashed = Number(insert.run(old, old).lastInsertRowid);
    const now = new Date().toISOString();
    const running = Number(insert.run(now, now).lastInsertRowid);
    for (const g of [crashed, running]) {
      db.prepare("INSERT INTO records (generation, row, id_norm, point, attrs) VALUES (?, 2, 'x', x'00', '{}')").run(g);
    }
    await run(join(FIXTURES, 'subscribers.jsonl'), { dataset: 'subscribers' });
    const generations = db.prepare('SELECT id FROM generations').pluck().all();
    expect(generations).not.toContain(crashed);
    expect(generations).toContain(running);
    expect(db.prepare('SELECT count(*) FROM records WHERE generation = ?').pluck().get(crashed)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM records WHERE generation = ?').pluck().get(running)).toBe(1);
  });

  it('imports e-mail, national-id and raw identifiers', async () => {
    const f = write(
      'ids.jsonl',
      [
        '{"email":" Alice@Example.COM ","nid":"11010519491231002x","ref":" Cafe\u0301 "}',
        '{"email":"bob@example.org","nid":"110105194912310029","ref":"42"}',
      ].join('\n'),
    );
    for (const [idColumn, idKind, expected] of [
      ['email', 'email', ['alice@example.com', 'bob@example.org']],
      ['nid', 'national-id', ['11010519491231002X']],
      ['ref', 'raw', ['Caf\u00e9', '42']],
    ] as const) {
      const report = await run(f, { dataset: idKind, idColumn, idKind, skipBad: true });
      const ids = db.prepare('SELECT id_norm FROM records WHERE generation = ? ORDER BY row').pluck().all(report.generation);
      expect(ids).toEqual(expected);
    }
    expect(getDataset(db, 'national-id')).toMatchObject({ rowCount: 1, rejectedCount: 1 });
  });
});

describe('importDataset: the hash pass', () => {
  beforeEach(() => {
    readInWorker = false;
  });

  it('hashes on the pool it is given, in row order across chunks, with the same points as the group', async () => {
    const pool = new CryptoPool({ threads: 2, inlineBelow: { hashToGroup: 0 } });
    try {
      const report = await run(write('many.csv', csv(phones(9000))), { pool });
      expect(report).toMatchObject({ imported: 9000, hashThreads: 2 });
      expect(report.hashPerSecond).toBeGreaterThan(0);
      expect(report.parseRowsPerSecond).toBeGreaterThan(0);
      const ids = db.prepare('SELECT id_norm FROM records WHERE generation = ? ORDER BY row').pluck().all(report.generation) as string[];
      expect(datasetPoints(db, 'customers').points).toEqual(
        group.hashToGroup(
          pointDst('phone'),
          ids.map((id) => Buffer.from(id)),
        ),
      );
    } finally {
      await pool.close();
    }
  });

  it('publishes only after every point is stored', async () => {
    await run(join(FIXTURES, 'customers.csv'));
    const before = getDataset(db, 'customers');
    const phases: string[] = [];
    const report = await run(write('next.csv', csv(phones(3000))), {
      pool: new CryptoPool({ threads: 0 }),
      onProgress: (p) => {
        phases.push(p.phase ?? '');
        // While the points are computed, readers still see the previous generation.
        if (p.phase === 'hash') expect(getDataset(db, 'customers').generation).toBe(before.generation);
      },
    });
    expect(phases).toContain('read');
    expect(phases.at(-1)).toBe('hash');
    const zero = Buffer.alloc(32);
    expect(db.prepare('SELECT count(*) FROM records WHERE generation = ? AND point = ?').pluck().get(report.generation, zero)).toBe(0);
  });

  it('a failure during the hash pass leaves the previous dataset exactly as it was', async () => {
    await run(join(FIXTURES, 'customers.csv'));
    const before = snapshot();
    const file = write('next.csv', csv(phones(20_000)));
    const stop = new Error('operator cancelled');
    const cancelled = run(file, {
      pool: new CryptoPool({ threads: 0 }),
      onProgress: (p) => {
        if (p.phase === 'hash' && (p.hashed ?? 0) > 0) throw stop;
      },
    });
    await expect(cancelled).rejects.toBe(stop);
    expect(snapshot()).toEqual(before);

    const closed = new CryptoPool({ threads: 0 });
    await closed.close();
    await expect(run(file, { pool: closed })).rejects.toThrow('crypto pool is closed');
    expect(snapshot()).toEqual(before);
  });
});
