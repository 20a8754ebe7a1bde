import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertSecretFileMode, writeFileAtomic } from './atomic-write.js';

const root = mkdtempSync(join(tmpdir(), 'mofang-fs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes with the exact mode and replaces existing content, leaving no temp files', () => {
    const file = join(root, 'config.yaml');
    writeFileAtomic(file, 'a: 1\n', { mode: 0o644 });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    writeFileAtomic(file, Buffer.from('a: 2\n'), { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('a: 2\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['config.yaml']);
  });

  it('exclusive: refuses to replace an existing file (EEXIST), keeping it intact', () => {
    const file = join(root, 'key.pem');
    writeFileAtomic(file, 'first', { mode: 0o600, exclusive: true });
    expect(() => writeFileAtomic(file, 'second', { mode: 0o600, exclusive: true })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('fails without a trace when the directory does not exist', () => {
    expect(() => writeFileAtomic(join(root, 'missing', 'x'), 'x', { mode: 0o600 })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('assertSecretFileMode', () => {
  it('accepts 0600 and 0400, refuses any group or other bit naming the file', () => {
    const file = join(root, 'secret');
    writeFileSync(file, 's');
    for (const ok of [0o600, 0o400]) {
      chmodSync(file, ok);
      expect(() => assertSecretFileMode(file)).not.toThrow();
    }
    for (const bad of [0o644, 0o640, 0o604, 0o660, 0o700 | 0o001]) {
      chmodSync(file, bad);
      expect(() => assertSecretFileMode(file)).toThrow(expect.objectContaining({ code: 'SECRET_FILE_MODE', details: expect.objectContaining({ file }) }));
    }
  });

  it('lets a missing file through as the fs error', () => {
    expect(() => assertSecretFileMode(join(root, 'nope'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
