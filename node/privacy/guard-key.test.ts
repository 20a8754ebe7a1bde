import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openNodeDatabase } from '../database.js';
import { guardKey } from './guard-key.js';
import { fingerprintKey } from './set-codec.js';

const PEM = '-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----\n';

describe("the differencing guard's key file", () => {
  it('is created on first use with mode 0600, random, and read back unchanged', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mofang-guard-key-')), 'privacy-guard.key');
    const db = openNodeDatabase(':memory:');
    const key = guardKey(file, db, PEM);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(key).not.toEqual(fingerprintKey(PEM));
    expect(guardKey(file, db, PEM)).toEqual(key);
    expect(readFileSync(file)).toEqual(key);
  });

  it('keeps the key earlier versions derived when fingerprints are already stored, and refuses a readable file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mofang-guard-key-')), 'privacy-guard.key');
    const db = openNodeDatabase(':memory:');
    db.prepare(
      "INSERT INTO released_groups (agreement_id, period, run_id, group_index, label, size, members, created_at) VALUES ('a', 0, 'r', 0, 'g', 0, x'', '2026-01-01T00:00:00.000Z')",
    ).run();
    expect(guardKey(file, db, PEM)).toEqual(fingerprintKey(PEM));
    chmodSync(file, 0o644);
    expect(() => guardKey(file, db, PEM)).toThrow(expect.objectContaining({ code: 'SECRET_FILE_MODE' }));
  });
});
