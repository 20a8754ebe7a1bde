import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { stageUpload, sweepStagedUploads, uploadDir } from './upload.js';

let dataDir: string;
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('staged uploads', () => {
  it('are staged under <dataDir>/uploads (0700) as 0600 files, and removed after use', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mofang-data-'));
    const staged = await stageUpload(Readable.from([Buffer.from('phone\n+8613800138000\n')]), { dir: uploadDir(dataDir), extension: 'csv', limit: 1000 });
    expect(staged.file.startsWith(`${join(dataDir, 'uploads')}/`)).toBe(true);
    expect(statSync(join(dataDir, 'uploads')).mode & 0o777).toBe(0o700);
    expect(statSync(staged.file).mode & 0o777).toBe(0o600);
    await staged.remove();
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
  });

  it('sweepStagedUploads removes what a killed node left behind and tightens the directory mode', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mofang-data-'));
    const left = join(dataDir, 'uploads', 'mofang-upload-abc123');
    mkdirSync(left, { recursive: true, mode: 0o755 });
    writeFileSync(join(left, 'upload.csv'), 'phone\n+8613800138000\n');
    writeFileSync(join(dataDir, 'mofang.db'), 'not touched');
    expect(sweepStagedUploads(dataDir)).toBe(1);
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
    expect(statSync(join(dataDir, 'uploads')).mode & 0o777).toBe(0o700);
    expect(readdirSync(dataDir).sort()).toEqual(['mofang.db', 'uploads']);
    expect(sweepStagedUploads(dataDir)).toBe(0);
  });
});
