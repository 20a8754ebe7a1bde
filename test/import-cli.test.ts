/**
 * `mofang import` as an operator runs it (the built dist/): --encoding for GBK exports, and errors
 * that never echo the file — even for a file that is not a dataset at all.
 */
import iconv from 'iconv-lite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { mofang } from './support/node-processes.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-import-cli-'));
let config: string;
beforeAll(() => {
  const r = mofang(null, '--json', 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
  expect(r.code, r.err).toBe(0);
  config = JSON.parse(r.out).configFile;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mofang import', () => {
  it('refuses a GBK file with the line and the --encoding hint, then imports it with --encoding gb18030', () => {
    const file = join(dir, 'gbk.csv');
    writeFileSync(file, iconv.encode('phone,name\n+8613800138000,张三\n+8613900139000,李四\n', 'gbk'));
    const refused = mofang(config, 'import', file, '--dataset', 'customers', '--id', 'phone:phone');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('IMPORT_ENCODING_INVALID');
    expect(refused.err).toContain('line 2 is not valid UTF-8');
    expect(refused.err).toContain('--encoding gb18030');
    const ok = mofang(config, '--json', 'import', file, '--dataset', 'customers', '--id', 'phone:phone', '--encoding', 'gb18030');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ imported: 2, columns: [{ name: 'name', type: 'string' }] });
  });

  it('may read any file its user can, but never prints its content', () => {
    const file = join(dir, 'shadow');
    writeFileSync(file, 'root:$6$Zr8Lq$SecretHash:19000:0:99999:7:::\n');
    const r = mofang(config, 'import', file, '--format', 'csv', '--dataset', 'x', '--id', 'phone:phone');
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 1 does not look like a header');
    expect(r.out + r.err).not.toMatch(/root|SecretHash|\$6\$/);
  });
});
