/**
 * When a transient failure is tried again: exponential backoff with full jitter (a delay drawn
 * uniformly from 0 to min(cap, base · 2^(attempt−1))), so that a gateway that failed for many
 * messages at once is not hit by all of them again at the same instant — AWS Architecture Blog,
 * "Exponential Backoff and Jitter" (2015), which measured full jitter doing the least work for the
 * same completion time. A provider's `Retry-After` is a floor, not a suggestion. After the last
 * attempt the message is dead: listed, and sent again only when an operator re-drives it.
 */
import { ChannelError } from './errors.js';

export interface RetryOptions {
  /** Delay bound of the first retry. */
  baseMs: number;
  /** No delay bound grows beyond this. */
  capMs: number;
  /** Attempts in all, the first included; after the last failed one the message is dead. */
  maxAttempts: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * @example retryPolicy({ baseMs: 1000, capMs: 300_000, maxAttempts: 5 }).after(1) // { retry: true, delayMs: 0…1000 }
 */
export function retryPolicy(options: RetryOptions, random: () => number = Math.random) {
  for (const field of ['baseMs', 'capMs', 'maxAttempts'] as const) {
    if (!Number.isInteger(options[field]) || options[field] < 1) {
      throw new ChannelError('CHANNEL_CONFIG_INVALID', `retry ${field} must be a positive integer`, { field });
    }
  }
  return {
    /** What follows the `attempt`-th (1-based) transient failure; `retryAfterMs` is the provider's own wish. */
    after(attempt: number, retryAfterMs?: number): RetryDecision {
      if (attempt >= options.maxAttempts) return { retry: false };
      // 2^(attempt−1) overflows to Infinity past ~1000 attempts; min() with the cap keeps it finite.
      const bound = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1));
      const jittered = Math.floor(random() * bound);
      return { retry: true, delayMs: Math.max(jittered, retryAfterMs ?? 0) };
    },
  };
}
