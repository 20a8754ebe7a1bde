/**
 * API bearer tokens. A token is `mfg_<role>_<43 base64url chars>` (32 random bytes); the token
 * file keeps only `{ id, role, sha256 }` per token (plus issue, expiry and revocation times), so
 * a leaked file (or backup) grants nothing. Changes are read-modify-writes under a lock file and
 * land by atomic rename. Last-used times live in a separate file (token-usage.ts).
 * The role prefix in a token is a hint for humans; the stored role is the one that counts.
 *
 * Roles are NOT hierarchical: each route lists the roles it allows, and admin does not imply
 * compliance (separation of duties — whoever sets up agreements must not also be the one who
 * reviews their audit trail).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MofangError } from '../errors.js';
import { assertSecretFileMode, writeFileAtomic } from '../fs/atomic-write.js';
import type { Role } from './services.js';

const ROLES = ['admin', 'operator', 'compliance', 'ingest', 'app'] as const satisfies readonly Role[];

export interface TokenEntry {
  /** The token's name: who holds it (e.g. `ops-1`); appears in the audit log as `token:<id>`. */
  id: string;
  role: Role;
  /** Lowercase hex SHA-256 of the whole token string. */
  sha256: string;
  /** The organisation unit whose customers the token may see in insight, and whose branch tasks it works; absent: the whole organisation. */
  unit?: string;
  /** ISO date-time of issue (absent in files written before it was recorded). */
  createdAt?: string;
  /** ISO date-time after which the token is refused; absent: no expiry. */
  expiresAt?: string;
  /**
   * ISO date-time of revocation. A revoked entry is kept (not deleted) so that its holder gets
   * "revoked" rather than "unknown token", and `token list` shows when it happened.
   */
  revokedAt?: string;
  /**
   * The name audit entries give whoever acts with the token, instead of `token:<id>`: only
   * `cli:<operator>`, on the tokens the CLI mints for itself to act through the running node
   * (cli/via-node.ts), so its entries read as when it acts on the node's files. The admin API
   * never sets it; whoever can write this file can run the CLI as any operator anyway.
   */
  actor?: string;
}

/** Returns the current entries; `tokenFileSource` re-reads the file when it changes. */
export type TokenSource = () => readonly TokenEntry[];

const TOKEN_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const TOKEN_FORM = /^mfg_(admin|operator|compliance|ingest|app)_[A-Za-z0-9_-]{43}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Same form as an organisation unit id (node/insight/units/units.ts). */
const UNIT_ID = /^[a-z][a-z0-9-]{0,23}$/;
const FILE_VERSION = 1;
const ENTRY_FIELDS = ['id', 'role', 'sha256', 'unit', 'createdAt', 'expiresAt', 'revokedAt', 'actor'];
/** `cli:` and an operator name as `--as` takes it (cli/operator.ts). */
const CLI_ACTOR = /^cli:[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/**
 * Reads and validates the token file; refuses it unless only the owner can read it.
 * @example const tokens = loadTokens('/etc/mofang/tokens.json');
 */
export function loadTokens(file: string): TokenEntry[] {
  statOrThrow(file);
  // Hashes are not secrets, but a readable file lets anyone list ids and roles, and a writable
  // one lets them add a token: only the owner may touch it.
  assertSecretFileMode(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Not the parser's message: it quotes the file, which might hold a pasted token.
    const why = err instanceof SyntaxError ? 'not valid JSON' : `cannot read token file: ${(err as NodeJS.ErrnoException).code}`;
    throw new MofangError('TOKEN_FILE_INVALID', `${file}: ${why}`, { file });
  }
  return validateFile(parsed, file);
}

/**
 * A source that re-reads the file whenever it changes (size, mtime, ctime or inode), so a token
 * revoked with the CLI stops working without restarting the node. Reads the file once at
 * creation (throws like `loadTokens`); afterwards fails closed: a file that becomes unreadable
 * or readable by others makes every authenticated request fail.
 * @example buildApp({ ..., tokens: tokenFileSource(config.http.tokens) })
 */
export function tokenFileSource(file: string): TokenSource {
  let stamp = '';
  let entries: readonly TokenEntry[] = [];
  const current = () => {
    const st = statOrThrow(file);
    const next = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (next !== stamp) {
      entries = Object.freeze(loadTokens(file));
      stamp = next;
    }
    return entries;
  };
  current(); // fail at startup, not on the first request
  return current;
}

export interface CreateTokenInput {
  id: string;
  role: Role;
  unit?: string;
  /** ISO date-time after which the token is refused. */
  expiresAt?: string;
  /** `cli:<operator>`, for a token the CLI mints for itself (TokenEntry.actor). */
  actor?: string;
  /** Clock, for tests. */
  now?: Date;
}

/**
 * Issues a token, stores its hash, and returns the token — the only time it exists in clear.
 * Creates the file (mode 0600) if absent. A revoked entry with the same id is replaced.
 * @example const token = createToken('tokens.json', { id: 'ops-1', role: 'operator', expiresAt: '2027-01-01T00:00:00Z' });
 */
export function createToken(file: string, input: CreateTokenInput): string {
  if (!TOKEN_ID.test(input.id)) {
    throw new MofangError('REQUEST_INVALID', `id: must match ${TOKEN_ID.source} (got ${JSON.stringify(input.id)})`, { field: 'id' });
  }
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new MofangError('REQUEST_INVALID', `role: must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  if (input.unit !== undefined && !UNIT_ID.test(input.unit)) {
    throw new MofangError('REQUEST_INVALID', `unit: must match ${UNIT_ID.source}`, { field: 'unit' });
  }
  if (input.actor !== undefined && !CLI_ACTOR.test(input.actor)) {
    throw new MofangError('REQUEST_INVALID', `actor: must match ${CLI_ACTOR.source}`, { field: 'actor' });
  }
  const now = input.now ?? new Date();
  if (input.expiresAt !== undefined && !(Date.parse(input.expiresAt) > now.getTime())) {
    throw new MofangError('REQUEST_INVALID', `expiresAt: must be an ISO date-time in the future (got ${JSON.stringify(input.expiresAt)})`, {
      field: 'expiresAt',
    });
  }
  return withTokenFileLock(file, () => {
    const entries = existsSync(file) ? loadTokens(file) : [];
    if (entries.some((e) => e.id === input.id && e.revokedAt === undefined)) {
      throw new MofangError('TOKEN_EXISTS', `${file}: a token named "${input.id}" already exists; revoke it first`, { id: input.id });
    }
    const token = `mfg_${input.role}_${randomBytes(32).toString('base64url')}`;
    const entry: TokenEntry = {
      id: input.id,
      role: input.role,
      sha256: sha256Hex(token),
      ...(input.unit !== undefined ? { unit: input.unit } : {}),
      createdAt: now.toISOString(),
      ...(input.expiresAt !== undefined ? { expiresAt: new Date(input.expiresAt).toISOString() } : {}),
      ...(input.actor !== undefined ? { actor: input.actor } : {}),
    };
    writeTokens(file, [...entries.filter((e) => e.id !== input.id), entry]);
    return token;
  });
}

/**
 * Marks the token with this id revoked; returns false when there is no live token with this id.
 * @example revokeToken('tokens.json', 'ops-1')
 */
export function revokeToken(file: string, id: string, now = new Date()): boolean {
  return withTokenFileLock(file, () => {
    const entries = loadTokens(file);
    const i = entries.findIndex((e) => e.id === id && e.revokedAt === undefined);
    if (i < 0) return false;
    writeTokens(
      file,
      entries.map((e, j) => (j === i ? { ...e, revokedAt: now.toISOString() } : e)),
    );
    return true;
  });
}

/**
 * Deletes the entries `drop` selects, returning how many. Only for tokens no one holds any more
 * (the CLI's own short-lived ones, cli/via-node.ts): other revoked entries stay, so their holders
 * hear "revoked" rather than "unknown".
 * @example dropTokens('tokens.json', (e) => e.id === 'cli.alice.0a1b2c3d4e5f')
 */
export function dropTokens(file: string, drop: (entry: TokenEntry) => boolean): number {
  return withTokenFileLock(file, () => {
    const entries = loadTokens(file);
    const kept = entries.filter((e) => !drop(e));
    if (kept.length < entries.length) writeTokens(file, kept);
    return entries.length - kept.length;
  });
}

export type TokenCheck =
  | { ok: true; principal: { id: string; role: Role; unit?: string; actor?: string } }
  | { ok: false; reason: 'missing' | 'invalid' }
  | { ok: false; reason: 'revoked' | 'expired'; id: string; at: string };

/**
 * Checks an `Authorization` header. The presented token is hashed and compared with EVERY
 * stored hash in constant time, with no early exit, so response time does not reveal how many
 * entries were checked or which one matched. Revocation and expiry are checked only after the
 * match, so they are told apart from an unknown token (the holder of a revoked token learns
 * nothing they did not have).
 * @example checkToken(tokens, req.headers.authorization) // → { ok: true, principal: { id: 'ops-1', role: 'operator' } }
 */
export function checkToken(tokens: readonly TokenEntry[], header: string | undefined, now = new Date()): TokenCheck {
  if (!header?.trim()) return { ok: false, reason: 'missing' };
  const token = /^Bearer ([^\s]+)$/i.exec(header.trim())?.[1];
  // The form is public knowledge; rejecting a malformed token early reveals nothing stored.
  if (!token || !TOKEN_FORM.test(token)) return { ok: false, reason: 'invalid' };
  const presented = createHash('sha256').update(token).digest();
  let found: TokenEntry | null = null;
  for (const entry of tokens) {
    const equal = timingSafeEqual(presented, Buffer.from(entry.sha256, 'hex'));
    found = equal ? entry : found;
  }
  if (!found) return { ok: false, reason: 'invalid' };
  if (found.revokedAt !== undefined) return { ok: false, reason: 'revoked', id: found.id, at: found.revokedAt };
  if (found.expiresAt !== undefined && Date.parse(found.expiresAt) <= now.getTime()) return { ok: false, reason: 'expired', id: found.id, at: found.expiresAt };
  return {
    ok: true,
    principal: {
      id: found.id,
      role: found.role,
      ...(found.unit !== undefined ? { unit: found.unit } : {}),
      ...(found.actor !== undefined ? { actor: found.actor } : {}),
    },
  };
}

/** `checkToken` reduced to the principal, or null for any refusal. */
export function authenticate(tokens: readonly TokenEntry[], header: string | undefined, now = new Date()): { id: string; role: Role; unit?: string } | null {
  const r = checkToken(tokens, header, now);
  return r.ok ? r.principal : null;
}

const LOCK_WAIT_MS = 5000;
/** A lock older than this is left over from a crashed writer (a write takes milliseconds). */
const LOCK_STALE_MS = 30_000;

/**
 * Runs a read-modify-write of the token file under an exclusive lock file (`<file>.lock`,
 * created with O_EXCL), so a revoke racing a create in another process cannot be lost: each
 * reads the file only after the other has renamed its version into place. A lock whose owner
 * process is gone, or that is older than 30 s, is broken.
 */
export function withTokenFileLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new MofangError('TOKEN_FILE_LOCKED', `${file}: another process holds ${lock}; retry, or delete the lock file if no mofang command is running`, {
        file,
      });
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function sha256Hex(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function statOrThrow(file: string) {
  try {
    return statSync(file);
  } catch (err) {
    throw new MofangError('TOKEN_FILE_INVALID', `${file}: cannot read token file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
}

function validateFile(parsed: unknown, file: string): TokenEntry[] {
  const bad = (why: string): never => {
    throw new MofangError('TOKEN_FILE_INVALID', `${file}: ${why}`, { file });
  };
  const doc = parsed as { version?: unknown; tokens?: unknown };
  if (typeof doc !== 'object' || doc === null || doc.version !== FILE_VERSION) bad(`version: must be ${FILE_VERSION}`);
  if (!Array.isArray(doc.tokens)) bad('tokens: must be an array');
  const seen = new Set<string>();
  return (doc.tokens as unknown[]).map((raw, i) => {
    const e = raw as Partial<TokenEntry> & Record<string, unknown>;
    if (typeof e !== 'object' || e === null) return bad(`tokens[${i}]: must be an object`);
    const extra = Object.keys(e).find((k) => !ENTRY_FIELDS.includes(k));
    // A clear-text token must never be stored; refuse any field we do not expect.
    if (extra) bad(`tokens[${i}].${extra}: unknown field`);
    if (typeof e.id !== 'string' || !TOKEN_ID.test(e.id)) bad(`tokens[${i}].id: must match ${TOKEN_ID.source}`);
    if (!(ROLES as readonly unknown[]).includes(e.role)) bad(`tokens[${i}].role: must be one of ${ROLES.join(', ')}`);
    if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256)) bad(`tokens[${i}].sha256: must be 64 lowercase hex digits`);
    if (e.unit !== undefined && (typeof e.unit !== 'string' || !UNIT_ID.test(e.unit))) bad(`tokens[${i}].unit: must match ${UNIT_ID.source}`);
    if (e.actor !== undefined && (typeof e.actor !== 'string' || !CLI_ACTOR.test(e.actor))) bad(`tokens[${i}].actor: must match ${CLI_ACTOR.source}`);
    for (const k of ['createdAt', 'expiresAt', 'revokedAt'] as const) {
      if (e[k] !== undefined && (typeof e[k] !== 'string' || Number.isNaN(Date.parse(e[k])))) bad(`tokens[${i}].${k}: must be an ISO date-time`);
    }
    // Revoked entries may share an id with the live token that replaced them.
    if (e.revokedAt === undefined && seen.has(e.id!)) bad(`tokens[${i}].id: duplicate id "${e.id}"`);
    if (e.revokedAt === undefined) seen.add(e.id!);
    const entry: TokenEntry = { id: e.id!, role: e.role!, sha256: e.sha256! };
    for (const k of ['unit', 'createdAt', 'expiresAt', 'revokedAt', 'actor'] as const) if (e[k] !== undefined) entry[k] = e[k] as string;
    return entry;
  });
}

/** Atomic (temp + fsync + rename): a crash leaves the old file or the new one, never half. */
function writeTokens(file: string, entries: readonly TokenEntry[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify({ version: FILE_VERSION, tokens: entries }, null, 2)}\n`, { mode: 0o600 });
}
