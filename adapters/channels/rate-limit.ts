/**
 * A token bucket per channel: `ratePerSecond` messages on average, up to `burst` at once after a
 * quiet spell. It keeps a provider's limit (an SMS gateway that answers 429 above 100/s) from
 * being the thing that paces us: a message that would exceed it waits here instead of failing
 * there and burning a retry. The clock is injected, so tests step it instead of sleeping.
 */
import { ChannelError } from './errors.js';

export interface RateLimitOptions {
  ratePerSecond: number;
  /** The bucket's size: messages that may go at once. */
  burst: number;
  /** Milliseconds, monotonic; defaults to performance.now. */
  now?: () => number;
}

/**
 * @example const bucket = tokenBucket({ ratePerSecond: 100, burst: 10 }); const wait = bucket.take(); // 0: send now
 */
export function tokenBucket(options: RateLimitOptions) {
  const { ratePerSecond, burst } = options;
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
    throw new ChannelError('CHANNEL_CONFIG_INVALID', 'rate must be a positive number of messages per second', { field: 'rate' });
  if (!Number.isInteger(burst) || burst < 1) throw new ChannelError('CHANNEL_CONFIG_INVALID', 'burst must be a positive integer', { field: 'burst' });
  const now = options.now ?? (() => performance.now());
  let tokens = burst;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) * ratePerSecond) / 1000);
    at = t;
  };
  return {
    /** Takes one token and returns 0, or takes nothing and returns how many milliseconds until one is there. */
    take(): number {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) * 1000) / ratePerSecond);
    },
    /** Waits (with `sleep`) until a token is there and takes it. */
    async acquire(sleep: (ms: number) => Promise<void>): Promise<void> {
      for (let wait = this.take(); wait > 0; wait = this.take()) await sleep(wait);
    },
  };
}
