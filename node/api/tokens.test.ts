import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { readTokenUsage, TokenUsageRecorder, usageFileOf } from './token-usage.js';
import { authenticate, checkToken, createToken, dropTokens, loadTokens, revokeToken, tokenFileSource, withTokenFileLock, type TokenEntry } from './tokens.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-tokens-'));
  file = join(dir, 'tokens.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof MofangError ? err.code : `not a MofangError: ${String(err)}`;
  }
  return undefined;
}

describe('createToken', () => {
  it('returns mfg_<role>_<43 base64url chars> and stores only id, role, sha256 and times, mode 0600', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = createToken(file, { id: 'ops-1', role: 'operator', now });
    expect(token).toMatch(/^mfg_operator_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice('mfg_operator_'.length));
    const sha256 = createHash('sha256').update(token).digest('hex');
    expect(JSON.parse(text)).toEqual({ version: 1, tokens: [{ id: 'ops-1', role: 'operator', sha256, createdAt: '2026-01-01T00:00:00.000Z' }] });
  });

  it('appends atomically and leaves no temp file behind', () => {
    createToken(file, { id: 'admin-1', role: 'admin' });
    createToken(file, { id: 'audit-1', role: 'compliance' });
    expect(loadTokens(file).map((e) => e.id)).toEqual(['admin-1', 'audit-1']);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('issues a different token each time', () => {
    const a = createToken(file, { id: 'a', role: 'admin' });
    const b = createToken(file, { id: 'b', role: 'admin' });
    expect(a).not.toBe(b);
  });

  it('refuses a duplicate id, a bad id and a bad role', () => {
    createToken(file, { id: 'ops-1', role: 'operator' });
    expect(codeOf(() => createToken(file, { id: 'ops-1', role: 'admin' }))).toBe('TOKEN_EXISTS');
    expect(codeOf(() => createToken(file, { id: 'Bad Id', role: 'admin' }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => createToken(file, { id: 'x', role: 'root' as never }))).toBe('REQUEST_INVALID');
  });
});

describe('unit-scoped tokens', () => {
  it('store the unit, return it on authentication, and refuse a malformed one', () => {
    const token = createToken(file, { id: 'ops-sz', role: 'operator', unit: 'gd-sz' });
    expect(loadTokens(file)).toEqual([expect.objectContaining({ id: 'ops-sz', unit: 'gd-sz' })]);
    expect(authenticate(loadTokens(file), `Bearer ${token}`)).toEqual({ id: 'ops-sz', role: 'operator', unit: 'gd-sz' });
    const whole = createToken(file, { id: 'ops-all', role: 'operator' });
    expect(authenticate(loadTokens(file), `Bearer ${whole}`)).toEqual({ id: 'ops-all', role: 'operator' });
    expect(codeOf(() => createToken(file, { id: 'x', role: 'operator', unit: 'Not A Unit' }))).toBe('REQUEST_INVALID');
  });
});

describe("the CLI's own tokens", () => {
  it('act as the cli:<operator> they name, and refuse any other actor name', () => {
    const token = createToken(file, { id: 'cli.alice.0123456789ab', role: 'operator', actor: 'cli:Alice@bank' });
    expect(authenticate(loadTokens(file), `Bearer ${token}`)).toEqual({ id: 'cli.alice.0123456789ab', role: 'operator', actor: 'cli:Alice@bank' });
    for (const actor of ['token:ops-1', 'system', 'cli:', 'cli:a b', 'cli:x\nforged'])
      expect(
        codeOf(() => createToken(file, { id: 'cli.x.0123456789ab', role: 'operator', actor })),
        actor,
      ).toBe('REQUEST_INVALID');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.tokens[0].actor = 'system';
    writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
    expect(codeOf(() => loadTokens(file))).toBe('TOKEN_FILE_INVALID');
  });

  it('are deleted by dropTokens, which keeps every other entry', () => {
    createToken(file, { id: 'ops-1', role: 'operator' });
    createToken(file, { id: 'cli.alice.0123456789ab', role: 'operator', actor: 'cli:alice' });
    revokeToken(file, 'ops-1');
    expect(dropTokens(file, (e) => e.id.startsWith('cli.'))).toBe(1);
    expect(loadTokens(file).map((e) => [e.id, e.revokedAt !== undefined])).toEqual([['ops-1', true]]);
    expect(dropTokens(file, (e) => e.id.startsWith('cli.'))).toBe(0);
  });
});

describe('loadTokens', () => {
  it('refuses a file readable by group or others with SECRET_FILE_MODE naming the file', () => {
    createToken(file, { id: 'ops-1', role: 'operator' });
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      try {
        loadTokens(file);
        expect.fail('should have thrown');
      } catch (err) {
        expect((err as MofangError).code).toBe('SECRET_FILE_MODE');
        expect((err as MofangError).message).toContain(file);
      }
    }
    chmodSync(file, 0o600);
    expect(loadTokens(file)).toHaveLength(1);
    // Also checked before adding a token to an existing file.
    chmodSync(file, 0o644);
    expect(codeOf(() => createToken(file, { id: 'x', role: 'admin' }))).toBe('SECRET_FILE_MODE');
  });

  it('refuses a missing or malformed file, and any field that could hold a clear token', () => {
    expect(codeOf(() => loadTokens(join(dir, 'absent.json')))).toBe('TOKEN_FILE_INVALID');
    const write = (body: unknown) => writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body), { mode: 0o600 });
    const ok = { id: 'a', role: 'admin', sha256: 'a'.repeat(64) };
    for (const body of [
      '{not json',
      { tokens: [ok] },
      { version: 1, tokens: [{ ...ok, token: 'mfg_admin_x' }] },
      { version: 1, tokens: [{ ...ok, role: 'root' }] },
      { version: 1, tokens: [{ ...ok, sha256: 'xyz' }] },
      { version: 1, tokens: [ok, ok] },
    ]) {
      write(body);
      expect(codeOf(() => loadTokens(file))).toBe('TOKEN_FILE_INVALID');
    }
    // The parser's message would quote the file; a pasted token must not reach the logs.
    write('mfg_admin_pasted-by-mistake');
    expect(() => loadTokens(file)).toThrow(/not valid JSON$/);
  });
});

describe('authenticate', () => {
  it('accepts each stored token with its stored role, whatever its position', () => {
    const admin = createToken(file, { id: 'admin-1', role: 'admin' });
    const ops = createToken(file, { id: 'ops-1', role: 'operator' });
    const audit = createToken(file, { id: 'audit-1', role: 'compliance' });
    const app = createToken(file, { id: 'web-app', role: 'ingest' });
    const tokens = loadTokens(file);
    expect(authenticate(tokens, `Bearer ${admin}`)).toEqual({ id: 'admin-1', role: 'admin' });
    expect(authenticate(tokens, `Bearer ${ops}`)).toEqual({ id: 'ops-1', role: 'operator' });
    expect(authenticate(tokens, `bearer ${audit}`)).toEqual({ id: 'audit-1', role: 'compliance' });
    expect(authenticate(tokens, `Bearer ${app}`)).toEqual({ id: 'web-app', role: 'ingest' });
  });

  it('uses the stored role, not the prefix in the token', () => {
    const ops = createToken(file, { id: 'ops-1', role: 'operator' });
    const forged = ops.replace('mfg_operator_', 'mfg_admin_');
    expect(authenticate(loadTokens(file), `Bearer ${forged}`)).toBeNull();
  });

  it('rejects missing, malformed, unknown and revoked tokens', () => {
    const ops = createToken(file, { id: 'ops-1', role: 'operator' });
    const tokens = loadTokens(file);
    for (const header of [undefined, '', 'Bearer', `Basic ${ops}`, ops, `Bearer ${ops}x`, `Bearer mfg_operator_${'A'.repeat(43)}`]) {
      expect(authenticate(tokens, header)).toBeNull();
    }
    expect(revokeToken(file, 'ops-1')).toBe(true);
    expect(revokeToken(file, 'ops-1')).toBe(false);
    expect(authenticate(loadTokens(file), `Bearer ${ops}`)).toBeNull();
  });

  it('visits every entry: the match is found at the end of a long list, and the last duplicate hash wins', () => {
    // Functional evidence that the loop has no early exit: with two entries sharing a hash,
    // an early-exit loop would return the first one.
    const ops = createToken(file, { id: 'ops-1', role: 'operator' });
    const [entry] = loadTokens(file);
    const filler: TokenEntry[] = Array.from({ length: 50 }, (_, i) => ({ id: `f${i}`, role: 'admin', sha256: i.toString(16).padStart(64, '0') }));
    const tokens: TokenEntry[] = [{ ...entry, id: 'first' }, ...filler, { ...entry, id: 'last' }];
    expect(authenticate(tokens, `Bearer ${ops}`)).toEqual({ id: 'last', role: 'operator' });
  });
});

describe('tokenFileSource', () => {
  it('picks up new and revoked tokens without restart, and fails closed on a bad mode', () => {
    const a = createToken(file, { id: 'a', role: 'admin' });
    const source = tokenFileSource(file);
    expect(authenticate(source(), `Bearer ${a}`)).not.toBeNull();
    const b = createToken(file, { id: 'b', role: 'operator' });
    expect(authenticate(source(), `Bearer ${b}`)).not.toBeNull();
    revokeToken(file, 'a');
    expect(authenticate(source(), `Bearer ${a}`)).toBeNull();
    chmodSync(file, 0o644);
    expect(codeOf(() => source())).toBe('SECRET_FILE_MODE');
  });
});

describe('revocation, expiry and the lock', () => {
  it('tells a revoked and an expired token apart from an unknown one', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const ops = createToken(file, { id: 'ops-1', role: 'operator', now });
    const temp = createToken(file, { id: 'temp', role: 'operator', expiresAt: '2026-01-31T00:00:00Z', now });
    expect(checkToken(loadTokens(file), `Bearer ${temp}`, new Date('2026-01-30T23:59:59Z')).ok).toBe(true);
    expect(checkToken(loadTokens(file), `Bearer ${temp}`, new Date('2026-01-31T00:00:00Z'))).toEqual({
      ok: false,
      reason: 'expired',
      id: 'temp',
      at: '2026-01-31T00:00:00.000Z',
    });
    expect(revokeToken(file, 'ops-1', new Date('2026-01-02T00:00:00Z'))).toBe(true);
    expect(checkToken(loadTokens(file), `Bearer ${ops}`, now)).toEqual({ ok: false, reason: 'revoked', id: 'ops-1', at: '2026-01-02T00:00:00.000Z' });
    expect(checkToken(loadTokens(file), `Bearer mfg_operator_${'A'.repeat(43)}`).ok).toBe(false);
    expect(checkToken(loadTokens(file), `Bearer mfg_operator_${'A'.repeat(43)}`)).toMatchObject({ reason: 'invalid' });
    // The name is free again, and the old token stays revoked.
    const again = createToken(file, { id: 'ops-1', role: 'operator', now });
    expect(authenticate(loadTokens(file), `Bearer ${again}`)).toEqual({ id: 'ops-1', role: 'operator' });
    expect(authenticate(loadTokens(file), `Bearer ${ops}`)).toBeNull();
  });

  it('refuses an expiry in the past', () => {
    expect(codeOf(() => createToken(file, { id: 'x', role: 'admin', expiresAt: '2000-01-01T00:00:00Z' }))).toBe('REQUEST_INVALID');
  });

  it('waits for the lock held by another live process, and breaks the lock of a dead one', () => {
    createToken(file, { id: 'a', role: 'admin' });
    // A live process (this one) holds the lock: a revoke must not slip in between its read and write.
    withTokenFileLock(file, () => {
      expect(codeOf(() => revokeToken(file, 'a'))).toBe('TOKEN_FILE_LOCKED');
    });
    expect(revokeToken(file, 'a')).toBe(true);
    writeFileSync(`${file}.lock`, '999999999');
    expect(createToken(file, { id: 'b', role: 'admin' })).toMatch(/^mfg_admin_/);
    expect(loadTokens(file).map((e) => e.id)).toEqual(['a', 'b']);
  }, 20_000);
});

describe('TokenUsageRecorder', () => {
  it('writes last-used times at most once per interval, and the rest on close', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const usage = new TokenUsageRecorder(file, () => t);
    usage.touch('a');
    expect(readTokenUsage(file)).toEqual({ a: '2026-01-01T00:00:00.000Z' });
    const written = statSync(usageFileOf(file)).mtimeMs;
    t += 1000;
    usage.touch('a');
    usage.touch('b');
    expect(readTokenUsage(file)).toEqual({ a: '2026-01-01T00:00:00.000Z' });
    expect(statSync(usageFileOf(file)).mtimeMs).toBe(written);
    t += 60_000;
    usage.touch('a');
    expect(readTokenUsage(file)).toEqual({ a: '2026-01-01T00:01:01.000Z', b: '2026-01-01T00:00:01.000Z' });
    t += 5;
    usage.touch('c');
    usage.close();
    expect(readTokenUsage(file).c).toBe('2026-01-01T00:01:01.005Z');
    expect(statSync(usageFileOf(file)).mode & 0o777).toBe(0o600);
  });

  it('forgets the last use of a token deleted from the token file at the next write', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    createToken(file, { id: 'kept', role: 'operator' });
    createToken(file, { id: 'cli.alice.0123456789ab', role: 'operator' });
    const usage = new TokenUsageRecorder(file, () => t);
    usage.touch('kept');
    usage.touch('cli.alice.0123456789ab');
    usage.close();
    expect(Object.keys(readTokenUsage(file)).sort()).toEqual(['cli.alice.0123456789ab', 'kept']);
    dropTokens(file, (e) => e.id.startsWith('cli.'));
    t += 120_000;
    usage.touch('kept');
    usage.close();
    expect(readTokenUsage(file)).toEqual({ kept: '2026-01-01T00:02:00.000Z' });
  });
});
