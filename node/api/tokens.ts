/**
 * API bearer tokens. A token is `mfg_<role>_<43 base64url chars>` (32 random bytes); the token
 * file keeps only `{ id, role, sha256 }` per token, so a leaked file (or backup) grants nothing.
 * The role prefix in a token is a hint for humans; the stored role is the one that counts.
 *
 * Roles are NOT hierarchical: each route lists the roles it allows, and admin does not imply
 * compliance (separation of duties — whoever sets up agreements must not also be the one who
 * reviews their audit trail).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MofangError } from '../errors.js';
import { assertSecretFileMode, writeFileAtomic } from '../fs/atomic-write.js';
import type { Role } from './services.js';

export const ROLES = ['admin', 'operator', 'compliance'] as const satisfies readonly Role[];

export interface TokenEntry {
  /** Who holds the token (e.g. `ops-1`); appears in the audit log as `token:<id>`. */
  id: string;
  role: Role;
  /** Lowercase hex SHA-256 of the whole token string. */
  sha256: string;
  /** The organisation unit whose customers the token may see in insight; absent: the whole organisation. */
  unit?: string;
}

/** Returns the current entries; `tokenFileSource` re-reads the file when it changes. */
export type TokenSource = () => readonly TokenEntry[];

const TOKEN_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const TOKEN_FORM = /^mfg_(admin|operator|compliance)_[A-Za-z0-9_-]{43}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Same form as an organisation unit id (node/insight/units/units.ts). */
const UNIT_ID = /^[a-z][a-z0-9-]{0,23}$/;
const FILE_VERSION = 1;

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

/**
 * Issues a token, stores its hash, and returns the token — the only time it exists in clear.
 * Creates the file (mode 0600) if absent.
 * @example const token = createToken('tokens.json', { id: 'ops-1', role: 'operator' });
 */
export function createToken(file: string, input: { id: string; role: Role; unit?: string }): string {
  if (!TOKEN_ID.test(input.id)) {
    throw new MofangError('REQUEST_INVALID', `id: must match ${TOKEN_ID.source} (got ${JSON.stringify(input.id)})`, { field: 'id' });
  }
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new MofangError('REQUEST_INVALID', `role: must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  if (input.unit !== undefined && !UNIT_ID.test(input.unit)) {
    throw new MofangError('REQUEST_INVALID', `unit: must match ${UNIT_ID.source}`, { field: 'unit' });
  }
  const entries = existsSync(file) ? loadTokens(file) : [];
  if (entries.some((e) => e.id === input.id)) {
    throw new MofangError('TOKEN_EXISTS', `${file}: a token with id "${input.id}" already exists; revoke it first`, { id: input.id });
  }
  const token = `mfg_${input.role}_${randomBytes(32).toString('base64url')}`;
  writeTokens(file, [...entries, { id: input.id, role: input.role, sha256: sha256Hex(token), ...(input.unit !== undefined ? { unit: input.unit } : {}) }]);
  return token;
}

/** Removes the token with this id; returns false when there was none. */
export function revokeToken(file: string, id: string): boolean {
  const entries = loadTokens(file);
  const kept = entries.filter((e) => e.id !== id);
  if (kept.length === entries.length) return false;
  writeTokens(file, kept);
  return true;
}

/**
 * Checks an `Authorization` header. The presented token is hashed and compared with EVERY
 * stored hash in constant time, with no early exit, so response time does not reveal how many
 * entries were checked or which one matched.
 * @example authenticate(tokens, req.headers.authorization) // → { id: 'ops-1', role: 'operator' } | null
 */
export function authenticate(tokens: readonly TokenEntry[], header: string | undefined): { id: string; role: Role; unit?: string } | null {
  const token = /^Bearer ([^\s]+)$/i.exec(header?.trim() ?? '')?.[1];
  // The form is public knowledge; rejecting a malformed token early reveals nothing stored.
  if (!token || !TOKEN_FORM.test(token)) return null;
  const presented = createHash('sha256').update(token).digest();
  let found: TokenEntry | null = null;
  for (const entry of tokens) {
    const equal = timingSafeEqual(presented, Buffer.from(entry.sha256, 'hex'));
    found = equal ? entry : found;
  }
  return found ? { id: found.id, role: found.role, ...(found.unit !== undefined ? { unit: found.unit } : {}) } : null;
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
    const extra = Object.keys(e).find((k) => !['id', 'role', 'sha256', 'unit'].includes(k));
    // A clear-text token must never be stored; refuse any field we do not expect.
    if (extra) bad(`tokens[${i}].${extra}: unknown field`);
    if (typeof e.id !== 'string' || !TOKEN_ID.test(e.id)) bad(`tokens[${i}].id: must match ${TOKEN_ID.source}`);
    if (!(ROLES as readonly unknown[]).includes(e.role)) bad(`tokens[${i}].role: must be one of ${ROLES.join(', ')}`);
    if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256)) bad(`tokens[${i}].sha256: must be 64 lowercase hex digits`);
    if (e.unit !== undefined && (typeof e.unit !== 'string' || !UNIT_ID.test(e.unit))) bad(`tokens[${i}].unit: must match ${UNIT_ID.source}`);
    if (seen.has(e.id!)) bad(`tokens[${i}].id: duplicate id "${e.id}"`);
    seen.add(e.id!);
    return { id: e.id!, role: e.role!, sha256: e.sha256!, ...(e.unit !== undefined ? { unit: e.unit } : {}) };
  });
}

/** Atomic (temp + fsync + rename): a crash leaves the old file or the new one, never half. */
function writeTokens(file: string, entries: readonly TokenEntry[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify({ version: FILE_VERSION, tokens: entries }, null, 2)}\n`, { mode: 0o600 });
}
