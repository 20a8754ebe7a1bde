/**
 * When each API token was last used. Kept apart from the token file, and written at most once a
 * minute (not per request): the token file changes only when an administrator changes a token,
 * so its lock is never contended by traffic, and a busy API does not fsync on every call. The
 * price: a use in the last minute before a crash may be missing from `token list`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { loadTokens } from './tokens.js';

const USAGE_FLUSH_MS = 60_000;

/** `secrets/tokens.json` → `secrets/tokens.last-used.json`. */
export function usageFileOf(tokenFile: string): string {
  return `${tokenFile.replace(/\.json$/, '')}.last-used.json`;
}

/** Last-used times by token id; an unreadable or malformed file reads as "never used". */
export function readTokenUsage(tokenFile: string): Record<string, string> {
  const file = usageFileOf(tokenFile);
  if (!existsSync(file)) return {};
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { lastUsed?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.lastUsed ?? {}).filter(([, v]) => typeof v === 'string' && !Number.isNaN(Date.parse(v)))) as Record<
      string,
      string
    >;
  } catch {
    return {};
  }
}

/**
 * Records uses in memory and writes them out at most once per `USAGE_FLUSH_MS` (a timer catches
 * the last ones), and on `close()`.
 * @example const usage = new TokenUsageRecorder(file); usage.touch('ops-1'); … usage.close();
 */
export class TokenUsageRecorder {
  private readonly pending = new Map<string, string>();
  private lastFlush = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tokenFile: string,
    private readonly now: () => number = Date.now,
    private readonly flushMs = USAGE_FLUSH_MS,
  ) {}

  touch(id: string): void {
    this.pending.set(id, new Date(this.now()).toISOString());
    const wait = this.lastFlush + this.flushMs - this.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastFlush = this.now();
    if (this.pending.size === 0) return;
    // Tokens deleted since (each CLI command through the node mints and deletes one) leave the
    // file too, or it would grow by one entry per command forever.
    const known = tokenIds(this.tokenFile);
    const kept = Object.entries(readTokenUsage(this.tokenFile)).filter(([id]) => !known || known.has(id));
    const merged = { ...Object.fromEntries(kept), ...Object.fromEntries(this.pending) };
    this.pending.clear();
    try {
      writeFileAtomic(usageFileOf(this.tokenFile), `${JSON.stringify({ version: 1, lastUsed: merged }, null, 2)}\n`, { mode: 0o600 });
    } catch {
      // Bookkeeping only: a full disk must not turn into failed API calls.
    }
  }

  close(): void {
    this.flush();
  }
}

/** The ids in the token file, or null when it cannot be read (then nothing is pruned). */
function tokenIds(tokenFile: string): Set<string> | null {
  try {
    return new Set(loadTokens(tokenFile).map((e) => e.id));
  } catch {
    return null;
  }
}
