import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from '../../adapters/sources/open.js';
import { checkImportPath, type ImportPathPolicy } from './import-path.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'mofang-import-path-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const allowed = join(root, 'exports');
const outside = join(root, 'elsewhere');
const nodeDir = join(root, 'node');
for (const dir of [allowed, outside, join(nodeDir, 'identity'), join(allowed, 'sub')]) mkdirSync(dir, { recursive: true });
writeFileSync(join(allowed, 'bank.csv'), 'phone\n+8613800138000\n');
writeFileSync(join(allowed, 'sub', 'more.csv'), 'phone\n+8613800138000\n');
writeFileSync(join(outside, 'shadow'), 'root:$6$secret:19000:0:99999:7:::\n');
writeFileSync(join(nodeDir, 'identity', 'key.pem'), '-----BEGIN PRIVATE KEY-----\n');
symlinkSync(join(outside, 'shadow'), join(allowed, 'link.csv'));
symlinkSync(outside, join(allowed, 'linked-dir'));
symlinkSync(allowed, join(root, 'exports-link'));

const policy: ImportPathPolicy = { allowedDirs: [allowed], nodeDirs: [nodeDir] };
const refused = (path: string, p: ImportPathPolicy = policy) => {
  try {
    checkImportPath(path, p);
  } catch (err) {
    return err as { code: string; details: { reason: string } };
  }
  throw new Error(`${path} was allowed`);
};

describe('checkImportPath', () => {
  it('allows files inside an allowed directory, and returns their real path', () => {
    expect(checkImportPath(join(allowed, 'bank.csv'), policy).file).toBe(join(allowed, 'bank.csv'));
    expect(checkImportPath(join(allowed, 'sub', 'more.csv'), policy).file).toBe(join(allowed, 'sub', 'more.csv'));
    // An allowed directory reached through a link of its own is still that directory.
    expect(checkImportPath(join(root, 'exports-link', 'bank.csv'), { ...policy, allowedDirs: [join(root, 'exports-link')] }).file).toBe(
      join(allowed, 'bank.csv'),
    );
    // The path itself must name an allowed directory (as listed, or its real path): other routes
    // in are refused before the filesystem is looked at.
    expect(refused(join(root, 'exports-link', 'bank.csv'))).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'outside-allowed-dirs' } });
  });

  it('refuses every path when no directory is allowed (the default)', () => {
    expect(refused(join(allowed, 'bank.csv'), { allowedDirs: [], nodeDirs: [] })).toMatchObject({
      code: 'IMPORT_PATH_FORBIDDEN',
      details: { reason: 'no-allowed-dirs' },
    });
  });

  it('refuses files outside, /etc/shadow and /proc/self/environ among them, and dot-dot escapes', () => {
    for (const path of [join(outside, 'shadow'), '/etc/shadow', '/proc/self/environ', join(allowed, '..', 'elsewhere', 'shadow'), `${allowed}-evil/x.csv`]) {
      expect(refused(path), path).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'outside-allowed-dirs' } });
    }
  });

  it('follows symbolic links before deciding: a link inside an allowed directory pointing out is refused', () => {
    expect(refused(join(allowed, 'link.csv'))).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'outside-allowed-dirs' } });
    expect(refused(join(allowed, 'linked-dir', 'shadow'))).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'outside-allowed-dirs' } });
  });

  it("never reads the node's own directories, even when an allowed directory holds them", () => {
    const wide: ImportPathPolicy = { allowedDirs: [root], nodeDirs: [nodeDir] };
    expect(refused(join(nodeDir, 'identity', 'key.pem'), wide)).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'node-dir' } });
    symlinkSync(join(nodeDir, 'identity', 'key.pem'), join(allowed, 'key.csv'));
    expect(refused(join(allowed, 'key.csv'), wide)).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'node-dir' } });
  });

  it('refuses relative paths, and reports a missing file inside an allowed directory as unreadable', () => {
    expect(refused('exports/bank.csv')).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'not-absolute' } });
    expect(refused(join(allowed, 'missing.csv'))).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE' });
  });

  it('the reader refuses a file swapped in after the check, before or during the read', async () => {
    const path = join(allowed, 'swap.csv');
    const read = async (source: ReturnType<typeof openSource>) => {
      for await (const _ of source) void _;
    };
    writeFileSync(path, 'phone\n+8613800138000\n');
    let checked = checkImportPath(path, policy);
    symlinkSync(join(outside, 'shadow'), `${path}.tmp`);
    renameSync(`${path}.tmp`, path); // atomically replaced by a link out
    expect(() => openSource(checked.file, 'csv', { identity: checked.identity })).toThrow(
      expect.objectContaining({ code: 'IMPORT_PATH_FORBIDDEN', details: expect.objectContaining({ reason: 'file-replaced' }) }),
    );

    rmSync(path);
    writeFileSync(path, 'phone\n+8613800138000\n');
    checked = checkImportPath(path, policy);
    const source = openSource(checked.file, 'csv', { identity: checked.identity });
    symlinkSync(join(outside, 'shadow'), `${path}.tmp`);
    renameSync(`${path}.tmp`, path);
    await expect(read(source)).rejects.toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'file-replaced' } });
  });
});
