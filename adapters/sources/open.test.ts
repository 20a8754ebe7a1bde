import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, openSource } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSource', () => {
  it('detects the format from the extension', () => {
    expect(detectFormat('a/b.CSV')).toBe('csv');
    expect(detectFormat('b.jsonl')).toBe('jsonl');
    expect(detectFormat('b.ndjson')).toBe('jsonl');
    expect(detectFormat('b.txt')).toBeUndefined();
  });

  it('lets the caller override the format', () => {
    const f = join(dir, 'export.txt');
    writeFileSync(f, '{"a":1}\n');
    expect(openSource(f, 'jsonl').format).toBe('jsonl');
    expect(() => openSource(f)).toThrow(expect.objectContaining({ code: 'IMPORT_BAD_OPTION', message: expect.stringContaining('csv, jsonl') }));
    expect(() => openSource(f, 'xlsx')).toThrow(
      expect.objectContaining({ code: 'IMPORT_BAD_OPTION', message: expect.stringContaining('unknown format "xlsx"') }),
    );
  });
});
