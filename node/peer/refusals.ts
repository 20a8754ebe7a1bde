/**
 * Refused inbound calls and connections, counted in memory and audited in summary. A caller without a pinned
 * certificate costs us nothing it can choose: one audit entry when a source is first refused in
 * a window (so a single probe shows at once), then one more when the window closes with the
 * count, first and last time and methods of everything refused since — at most two signed
 * entries per source, reason and window however hard it calls. The table of open windows is
 * bounded; sources beyond it share one overflow row. Counters since start are kept for metrics.
 */

export interface RefusedCall {
  /**
   * Whom the window counts: a pinned peer's node id, otherwise the host. Never an unpinned
   * certificate: a caller can mint those without end, and each would open a window.
   */
  source: string;
  /** The certificate the caller presented, when it presented one (the first of a window is kept). */
  fingerprint: string | null;
  /** Remote host without the port (a new connection must not make a new source). */
  host: string;
  method: string;
  /** Why it was refused, in words: the same few strings, so it can key counters. */
  reason: string;
  /** The call was also over its source's rate limit (answered RESOURCE_EXHAUSTED). */
  rateLimited: boolean;
  /**
   * Not a call but a connection, closed before TLS (connection-limit.ts): counted apart, and
   * listed under `method` 'connection' in the summary.
   */
  connection?: boolean;
}

/** What the audit log receives: one refused call, or a window's worth of them. */
export interface RefusalSummary {
  fingerprint: string | null;
  host: string;
  reason: string;
  count: number;
  rateLimited: number;
  methods: Record<string, number>;
  firstAt: string;
  lastAt: string;
}

export interface RefusalWindowOptions {
  /** Receives each summary to audit. Must not throw: it runs on the call path and from a timer. */
  report: (summary: RefusalSummary) => void;
  /** Length of a window in ms (default one minute). */
  windowMs?: number;
  /** Sources tracked at once before the rest share the overflow row (default 1024). */
  maxSources?: number;
  now?: () => Date;
}

export interface RefusalCounters {
  /** Refused calls since start, per reason. */
  refusedCalls: Readonly<Record<string, number>>;
  /** Calls answered RESOURCE_EXHAUSTED since start (pinned or not). */
  rateLimitedCalls: number;
  /** Connections closed before TLS since start, per reason (connection-limit.ts). */
  refusedConnections: Readonly<Record<string, number>>;
}

export const OVERFLOW_HOST = 'other sources';

/**
 * @example
 * const refusals = refusalWindow({ report: (s) => audit.append(...) });
 * refusals.record({ fingerprint, host, method: 'Handshake', reason: 'client certificate not pinned', rateLimited: false });
 * await refusals.close(); // reports what is still open
 */
export function refusalWindow(options: RefusalWindowOptions) {
  const { report, windowMs = 60_000, maxSources = 1024, now = () => new Date() } = options;
  // Per source and reason: the calls after the first, which was reported when the window opened.
  const open = new Map<string, RefusalSummary>();
  const refusedCalls: Record<string, number> = Object.create(null) as Record<string, number>;
  const refusedConnections: Record<string, number> = Object.create(null) as Record<string, number>;
  let rateLimitedCalls = 0;

  const flush = (): void => {
    const closing = [...open.values()].filter((w) => w.count > 0);
    open.clear();
    for (const summary of closing) report(summary);
  };
  const timer = setInterval(flush, windowMs);
  timer.unref();

  return {
    record(call: RefusedCall): void {
      const counted = call.connection ? refusedConnections : refusedCalls;
      counted[call.reason] = (counted[call.reason] ?? 0) + 1;
      const at = now().toISOString();
      const own = `${call.source}\u0000${call.reason}`;
      const full = !open.has(own) && open.size >= maxSources;
      const host = full ? OVERFLOW_HOST : call.host;
      const fingerprint = full ? null : call.fingerprint;
      const key = full ? `\u0000${call.reason}` : own;
      const held = open.get(key);
      if (!held) {
        open.set(key, { fingerprint, host, reason: call.reason, count: 0, rateLimited: 0, methods: {}, firstAt: '', lastAt: '' });
        report({
          fingerprint,
          host,
          reason: call.reason,
          count: 1,
          rateLimited: call.rateLimited ? 1 : 0,
          methods: { [call.method]: 1 },
          firstAt: at,
          lastAt: at,
        });
        return;
      }
      held.count++;
      if (call.rateLimited) held.rateLimited++;
      held.methods[call.method] = (held.methods[call.method] ?? 0) + 1;
      held.firstAt ||= at;
      held.lastAt = at;
    },
    /** A call over its rate limit, refused or not, is counted here (metrics read it). */
    countRateLimited(): void {
      rateLimitedCalls++;
    },
    counters(): RefusalCounters {
      return { refusedCalls: { ...refusedCalls }, rateLimitedCalls, refusedConnections: { ...refusedConnections } };
    },
    /** Reports what the current window holds now (and starts a new one). */
    flush,
    /** Stops the timer and reports what is still open: call at shutdown. */
    close(): void {
      clearInterval(timer);
      flush();
    },
  };
}

export type RefusalWindow = ReturnType<typeof refusalWindow>;
