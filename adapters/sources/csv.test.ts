import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvSource } from './csv.js';
import type { SourceRecord } from './record.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const f = join(dir, `f${n++}.csv`);
  writeFileSync(f, content);
  return f;
};
const readAll = async (f: string) => {
  const out: SourceRecord[] = [];
  const source = csvSource(f);
  for await (const r of source) out.push(r);
  return { records: out, source };
};
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('csvSource', () => {
  it('yields header-keyed fields with the line each record starts on', async () => {
    const f = file('phone,city\n138,北京\n\n\n139,"two\nlines"\n137,x\n');
    const { records, source } = await readAll(f);
    expect(source.header).toEqual(['phone', 'city']);
    expect(records).toEqual([
      { line: 2, fields: { phone: '138', city: '北京' } },
      { line: 5, fields: { phone: '139', city: 'two\nlines' } },
      { line: 7, fields: { phone: '137', city: 'x' } },
    ]);
    expect(source.sha256()).toBe(sha256(f));
    expect(source.bytesRead).toBe(source.totalBytes);
  });

  it('reads CRLF files and strips a UTF-8 BOM', async () => {
    const { records, source } = await readAll(file('\uFEFFphone,city\r\n138,a\r\n139,b'));
    expect(source.header).toEqual(['phone', 'city']);
    expect(records).toEqual([
      { line: 2, fields: { phone: '138', city: 'a' } },
      { line: 3, fields: { phone: '139', city: 'b' } },
    ]);
  });

  it('turns a wrong field count into a bad record and goes on', async () => {
    const { records } = await readAll(file('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n'));
    expect(records).toEqual([
      { line: 2, fields: { a: '1', b: '2', c: '3' } },
      { line: 3, error: 'malformed CSV: 3 fields expected, 2 found' },
      { line: 4, error: 'malformed CSV: 3 fields expected, 4 found' },
      { line: 5, fields: { a: '10', b: '11', c: '12' } },
    ]);
  });

  it('turns quote errors into bad records and resumes on the next line', async () => {
    const f = file('a,b,c\n1,2,3\n4,x"SECRET",6\n7,"SECRET"y,9\n\n10,11,12\n13,"SECRET,15\n16,17,18\n');
    const { records, source } = await readAll(f);
    expect(records).toEqual([
      { line: 2, fields: { a: '1', b: '2', c: '3' } },
      { line: 3, error: 'malformed CSV: a quote inside an unquoted field' },
      { line: 4, error: 'malformed CSV: characters after a closing quote' },
      { line: 6, fields: { a: '10', b: '11', c: '12' } },
      { line: 7, error: 'malformed CSV: unclosed quote' },
      { line: 8, fields: { a: '16', b: '17', c: '18' } },
    ]);
    expect(JSON.stringify(records.filter((r) => r.error))).not.toContain('SECRET');
    // Re-reading after a bad record does not disturb the file digest.
    expect(source.sha256()).toBe(sha256(f));
  });

  it('resumes correctly deep into a file larger than one read chunk', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},row ${i},"quoted, ${i}"`);
    rows[40_000] = '40000,"broken,x';
    rows[50_000] = '50000,x"y,z';
    const f = file(`id,name,note\n${rows.join('\n')}\n`);
    const { records, source } = await readAll(f);
    const bad = records.filter((r) => r.error);
    expect(bad.map((r) => r.line)).toEqual([40_002, 50_002]);
    expect(records).toHaveLength(60_000);
    expect(records[59_999]).toEqual({ line: 60_001, fields: { id: '59999', name: 'row 59999', note: 'quoted, 59999' } });
    expect(source.sha256()).toBe(sha256(f));
  });

  it('rejects a missing, empty or duplicated header', async () => {
    await expect(readAll(file(''))).rejects.toMatchObject({ code: 'IMPORT_FILE_UNREADABLE', message: expect.stringContaining('header row is required') });
    await expect(readAll(file('a,,c\n1,2,3\n'))).rejects.toMatchObject({
      code: 'IMPORT_FILE_UNREADABLE',
      message: expect.stringContaining('line 1 does not look like a header: 3 fields, the second has no name'),
    });
    await expect(readAll(file('a,b,a\n1,2,3\n'))).rejects.toMatchObject({
      code: 'IMPORT_FILE_UNREADABLE',
      message: expect.stringContaining('header field 3 repeats the column name "a"'),
    });
  });

  it('reports a missing file as IMPORT_FILE_UNREADABLE', () => {
    expect(() => csvSource(join(dir, 'nope.csv'))).toThrow(expect.objectContaining({ code: 'IMPORT_FILE_UNREADABLE' }));
  });
});
