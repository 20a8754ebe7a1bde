import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonlSource } from './jsonl.js';
import type { SourceRecord } from './record.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('jsonlSource', () => {
  it('yields one record per object line, skipping blank lines, with bad lines as bad records', async () => {
    const f = join(dir, 'a.jsonl');
    const lines = [
      '\uFEFF{"phone":"138","age":30,"vip":true,"note":null}',
      '',
      '   ',
      '{"phone": SECRET}',
      '[1,2]',
      '{"phone":"139","tags":["SECRET"]}',
      '{"phone":"137"}',
    ];
    writeFileSync(f, lines.join('\r\n'));
    const records: SourceRecord[] = [];
    const source = jsonlSource(f);
    for await (const r of source) records.push(r);
    expect(records).toEqual([
      { line: 1, fields: { phone: '138', age: 30, vip: true, note: null } },
      { line: 4, error: 'not valid JSON' },
      { line: 5, error: 'not a JSON object' },
      { line: 6, column: 'tags', error: 'nested objects and arrays are not supported' },
      { line: 7, fields: { phone: '137' } },
    ]);
    expect(JSON.stringify(records)).not.toContain('SECRET');
    expect(source.header).toBeUndefined();
    expect(source.sha256()).toBe(createHash('sha256').update(readFileSync(f)).digest('hex'));
    expect(source.bytesRead).toBe(source.totalBytes);
  });

  it('reports an over-long line without holding it, and reads on', async () => {
    const f = join(dir, 'long.jsonl');
    writeFileSync(f, `{"a":1}\n{"a":"${'x'.repeat(3_000_000)}"}\n{"a":3}`);
    const records: SourceRecord[] = [];
    for await (const r of jsonlSource(f)) records.push(r);
    expect(records).toEqual([
      { line: 1, fields: { a: 1 } },
      { line: 2, error: 'line longer than 1048576 characters' },
      { line: 3, fields: { a: 3 } },
    ]);
  });
});
