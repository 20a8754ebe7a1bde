/**
 * Encodings and headers as banks' files come: GBK/GB18030 and Latin-1 exports, UTF-16 with a BOM,
 * and first lines that are data rather than a header. Nothing may be stored as U+FFFD, and no
 * error may quote the file.
 */
import iconv from 'iconv-lite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isColumnName } from './column-name.js';
import { firstInvalidUtf8, type SourceEncoding } from './decode.js';
import { openSource } from './open.js';
import type { SourceRecord } from './record.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer, ext = 'csv') => {
  const f = join(dir, `f${n++}.${ext}`);
  writeFileSync(f, content);
  return f;
};
const readAll = async (f: string, encoding?: SourceEncoding) => {
  const out: SourceRecord[] = [];
  for await (const r of openSource(f, undefined, { encoding })) out.push(r);
  return out;
};
/** Every message and detail of the error, for "never quotes the file" checks. */
const everything = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code: string; message: string; details: unknown };
  expect(err, 'expected the read to fail').toBeDefined();
  return { err, text: `${err.message} ${JSON.stringify(err.details)}` };
};

const NAMES = 'phone,name,city\n+8613800138000,张三,北京\n+8613900139000,李四,上海\n+8613700137000,王五,广州\n';

describe('encodings', () => {
  it('refuses a GBK file read as UTF-8, naming the first bad line and the fix — never storing U+FFFD', async () => {
    const f = file(iconv.encode(NAMES, 'gbk'));
    const { err, text } = await everything(readAll(f));
    expect(err.code).toBe('IMPORT_ENCODING_INVALID');
    expect(err.message).toContain('line 2 is not valid UTF-8; if the file is GBK/GB18030 import it with encoding gb18030 (--encoding gb18030)');
    expect(err.details).toMatchObject({ line: 2, encoding: 'utf-8' });
    expect(text).not.toContain('13800138000');
  });

  it.each(['gb18030', 'gbk'] as const)('reads a GBK file with encoding %s', async (encoding) => {
    const records = await readAll(file(iconv.encode(NAMES, 'gbk')), encoding);
    expect(records.map((r) => r.fields?.name)).toEqual(['张三', '李四', '王五']);
    expect(records.map((r) => r.fields?.city)).toEqual(['北京', '上海', '广州']);
  });

  it('reads GB18030 characters outside GBK (4-byte sequences)', async () => {
    const text = 'phone,name\n+8613800138000,𠀀名\n';
    const records = await readAll(file(iconv.encode(text, 'gb18030')), 'gb18030');
    expect(records[0].fields?.name).toBe('𠀀名');
  });

  it('refuses Latin-1 read as UTF-8, and reads it with encoding latin1', async () => {
    const latin1 = Buffer.from('phone,name\n+33612345678,Zoë\n+33612345679,José\n', 'latin1');
    const { err } = await everything(readAll(file(latin1)));
    expect(err).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', details: { line: 2 } });
    const records = await readAll(file(latin1), 'latin1');
    expect(records.map((r) => r.fields?.name)).toEqual(['Zoë', 'José']);
  });

  it('lets a byte-order mark choose UTF-16LE, UTF-16BE or UTF-8 by itself', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(NAMES, 'utf-16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(NAMES, 'utf-16be')]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NAMES)]);
    for (const bytes of [le, be, utf8]) {
      const records = await readAll(file(bytes));
      expect(records.map((r) => r.fields?.name)).toEqual(['张三', '李四', '王五']);
      expect(Object.keys(records[0].fields ?? {})).toEqual(['phone', 'name', 'city']);
    }
    // Without a BOM, UTF-16LE needs its name.
    const records = await readAll(file(iconv.encode(NAMES, 'utf-16le')), 'utf-16le');
    expect(records.map((r) => r.fields?.city)).toEqual(['北京', '上海', '广州']);
  });

  it('refuses bytes GB18030 cannot map, by line', async () => {
    const bytes = Buffer.concat([iconv.encode('phone,name\n+8613800138000,张三\n', 'gb18030'), Buffer.from([0x2b, 0x38, 0x36, 0x2c, 0x81, 0x20, 0x0a])]);
    const { err } = await everything(readAll(file(bytes), 'gb18030'));
    expect(err).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', details: { line: 3, encoding: 'gb18030' } });
  });

  it('finds the line of a bad byte far into a large file, and of one split across chunks', async () => {
    const row = '+8613800138000,张三,北京\n';
    const rows = 40_000; // ≈ 1.1 MB: several read chunks
    // A character cut short after 1 or 2 of its 3 bytes, and a stray continuation byte, placed
    // so that the bad sequence straddles (or starts right after) the boundary of a 256 KiB read.
    const head = Buffer.from(`phone,name,city\n${row.repeat(rows)}`);
    for (const bad of [[0xe5], [0xe5, 0xbc], [0xbc]]) {
      for (const before of [1, 2, 3, 0]) {
        const boundary = 262_144 * Math.ceil(head.length / 262_144);
        const pad = Buffer.from(`${'p'.repeat(boundary - before - head.length - 1)}\n`);
        const f = file(Buffer.concat([head, pad, Buffer.from(bad), Buffer.from(`\n${row}`)]));
        const { err } = await everything(readAll(f));
        expect(err, `${bad} at boundary - ${before}`).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', details: { line: rows + 3 } });
      }
    }
    // A truncated character at the very end of the file.
    const f = file(Buffer.concat([Buffer.from('phone,name\n+8613800138000,a\n+8613900139000,'), Buffer.from('张').subarray(0, 2)]));
    expect((await everything(readAll(f))).err).toMatchObject({ details: { line: 3 } });
  });

  it('refuses an unknown encoding, listing the valid ones', async () => {
    expect(() => openSource(file(NAMES), 'csv', { encoding: 'ebcdic' })).toThrow(
      expect.objectContaining({ code: 'IMPORT_BAD_OPTION', details: expect.objectContaining({ option: 'encoding' }) }),
    );
  });

  it('firstInvalidUtf8 follows the WHATWG rules (overlongs, surrogates, truncation)', () => {
    const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
    expect(at(0x61, 0xe5, 0xbc, 0xa0)).toBe(4);
    expect(at(0x61, 0xc0, 0xaf)).toBe(1); // overlong '/'
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // above U+10FFFF
    expect(at(0x61, 0x62, 0xe5, 0xbc)).toBe(2); // truncated
    expect(at(0x80)).toBe(0);
  });
});

describe('headers', () => {
  it('never quotes a first line that is not a header (a shadow file, an environment dump, a key)', async () => {
    const secrets = [
      'root:$6$9QsLzb$Tr0ub4dor&3/xyz:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
      'PATH=/usr/bin\u0000DB_PASSWORD=hunter2\u0000HOME=/root\n',
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n',
      '13800138000,gold\n13900139000,silver\n',
    ];
    for (const content of secrets) {
      const { err, text } = await everything(readAll(file(content)));
      expect(err.code).toBe('IMPORT_FILE_UNREADABLE');
      expect(err.message).toMatch(/line 1 does not look like a header: \d+ fields?, the first is not a column name/);
      for (const secret of ['$6$', 'Tr0ub4dor', 'hunter2', 'DB_PASSWORD', 'MIGHAgEA', 'PRIVATE', '13800138000', 'root']) expect(text).not.toContain(secret);
    }
  });

  it('describes the first field that is not a name, without quoting it', async () => {
    const { err, text } = await everything(readAll(file('phone,name,s3cr3t=value\n1,2,3\n')));
    expect(err.message).toContain('line 1 does not look like a header: 3 fields, the third is not a column name');
    expect(err.details).toMatchObject({ line: 1, fields: 3, field: 3 });
    expect(text).not.toContain('s3cr3t');
  });

  it('takes names in any script, with _ - . and inner spaces', async () => {
    const records = await readAll(file('手机号,客户 姓名,acct_no.2,x-y\n+8613800138000,张三,1,2\n'));
    expect(Object.keys(records[0].fields ?? {})).toEqual(['手机号', '客户 姓名', 'acct_no.2', 'x-y']);
    for (const name of ['a:b', 'a=b', '$x', '1st', '+86', 'a@b.cn', 'a/b', 'x'.repeat(65), 'a  b', '']) expect(isColumnName(name), name).toBe(false);
  });
});

describe('keys that name Object.prototype members', () => {
  it('reads JSONL keys __proto__ and constructor as ordinary columns, without polluting any prototype', async () => {
    const f = file(
      '{"phone":"+8613800138000","__proto__":"gold","constructor":"x"}\n{"phone":"+8613900139000","__proto__":{"polluted":true}}\n{"phone":"+8613700137000"}\n',
      'jsonl',
    );
    const records = await readAll(f);
    // biome-ignore lint/complexity/useLiteralKeys lint/suspicious/noProto: reads the data column named __proto__
    expect(records[0].fields?.['__proto__']).toBe('gold');
    expect(Object.keys(records[0].fields ?? {})).toEqual(['phone', '__proto__', 'constructor']);
    expect(records[1]).toEqual({ line: 2, column: '__proto__', error: 'nested objects and arrays are not supported' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(records[2].fields ?? {}, 'constructor')).toBe(false);
  });

  it('reads a CSV column named __proto__', async () => {
    const records = await readAll(file('phone,__proto__,constructor\n+8613800138000,gold,x\n'));
    // biome-ignore lint/complexity/useLiteralKeys lint/suspicious/noProto: reads the data column named __proto__
    expect(records[0].fields?.['__proto__']).toBe('gold');
    // biome-ignore lint/complexity/useLiteralKeys: reads the data column named constructor, like the line above
    expect(records[0].fields?.['constructor']).toBe('x');
    expect(({} as Record<string, unknown>).gold).toBeUndefined();
  });

  it('reports a JSONL key that is not a name without quoting it', async () => {
    const records = await readAll(file('{"phone":"+8613800138000","13900139000":1}\n', 'jsonl'));
    expect(records).toEqual([{ line: 1, error: expect.stringContaining('key 2 is not a column name') }]);
    expect(JSON.stringify(records)).not.toContain('13900139000');
  });
});
