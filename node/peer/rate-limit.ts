/**
 * Token buckets per call source, so a flood from one address or certificate is answered with
 * RESOURCE_EXHAUSTED before any handler, database or signing work runs. Each source may spend
 * `burst` calls at once and regains `perSecond` calls a second. The table holds at most `maxSources`
 * buckets; the least recently seen source is forgotten first (it starts again with a full bucket,
 * which is the cost of a bounded table).
 */

export interface RateLimit {
  /** Calls a source may make at once. */
  burst: number;
  /** Calls a source regains per second. */
  perSecond: number;
}

export interface TokenBucketsOptions extends RateLimit {
  maxSources?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
}

/** @example const limiter = tokenBuckets({ burst: 10, perSecond: 1 }); if (!limiter.take(address)) refuse(); */
export function tokenBuckets(options: TokenBucketsOptions): { take(source: string): boolean; readonly size: number } {
  const { burst, perSecond, maxSources = 4096, now = () => performance.now() } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(source) {
      const t = now();
      const held = buckets.get(source);
      const bucket = held ? { tokens: Math.min(burst, held.tokens + ((t - held.at) / 1000) * perSecond), at: t } : { tokens: burst, at: t };
      // Re-inserting keeps the Map in order of last use, so the first key is the one to forget.
      buckets.delete(source);
      if (buckets.size >= maxSources) buckets.delete(buckets.keys().next().value!);
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      buckets.set(source, bucket);
      return allowed;
    },
    get size() {
      return buckets.size;
    },
  };
}
