/**
 * The tracker's options: an interface with a comment per field, frozen defaults, and one check at
 * construction that names the field. A wrong option is the host developer's mistake, found once
 * when the tracker is created; after that nothing the tracker does throws into the host app.
 */
import type { DeliveryError } from './report.js';

/** How long to wait between attempts to deliver a batch after a transient failure. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms; it doubles on each further retry. */
  initialMs: number;
  /** Upper bound of the doubled delay, in ms. */
  maxMs: number;
  /** Share of the delay drawn at random, 0…1: 0.5 waits between 50 % and 100 % of it. Spreads the retries of many clients after an outage. */
  jitter: number;
}

/** The `fetch` the tracker calls: the global one, or an injected one (a proxy, a test). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface TrackerOptions {
  /** The node's HTTP base URL, e.g. `https://events.bank.example:8443`; events go to `{endpoint}/v1/events`. */
  endpoint: string;
  /** A token of role `ingest`, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Events per request; a batch is sent as soon as this many are queued. */
  batchSize?: number;
  /** Longest time a queued event waits for its batch to fill before it is sent anyway, in ms. */
  flushIntervalMs?: number;
  /** Most events held in memory; when full, the oldest queued event is dropped (and counted) to make room. */
  maxQueue?: number;
  /** Retries of one batch after transient failures (network, 408, 429, 5xx) before it is dropped (and counted). */
  maxRetries?: number;
  backoff?: Partial<BackoffOptions>;
  /** A request that has not answered after this many ms counts as a transient failure. */
  requestTimeoutMs?: number;
  /** Told about every event the tracker drops, with the reason. Whatever it throws is ignored. */
  onError?: (error: DeliveryError) => void;
  /** Defaults to the global `fetch` (Node 20, browsers). */
  fetch?: FetchLike;
}

export interface Settings {
  url: string;
  token: string;
  batchSize: number;
  flushIntervalMs: number;
  maxQueue: number;
  maxRetries: number;
  backoff: BackoffOptions;
  requestTimeoutMs: number;
  onError: (error: DeliveryError) => void;
  fetch: FetchLike;
}

const DEFAULTS = Object.freeze({
  batchSize: 100,
  flushIntervalMs: 2000,
  maxQueue: 10_000,
  // With the default backoff, 10 retries span about two and a half minutes: a node restart or a
  // short network outage is ridden out; a node gone for longer costs that batch, not the app's memory.
  maxRetries: 10,
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, jitter: 0.5 }),
  requestTimeoutMs: 10_000,
});

// setTimeout fires at once for delays past 2³¹−1 ms, which would turn a long wait into a busy loop.
const MAX_TIMER_MS = 2 ** 31 - 1;

function integer(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`mofang tracker: ${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`mofang tracker: ${field} must be a non-empty string`);
  return value;
}

export function resolveOptions(options: TrackerOptions): Settings {
  const endpoint = text('endpoint', options?.endpoint);
  if (!/^https?:\/\//i.test(endpoint)) throw new TypeError('mofang tracker: endpoint must be an http(s) URL');
  const backoff = { ...DEFAULTS.backoff, ...options.backoff };
  const jitter = backoff.jitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
    throw new RangeError(`mofang tracker: backoff.jitter must be a number from 0 to 1, got ${String(jitter)}`);
  const initialMs = integer('backoff.initialMs', backoff.initialMs, 1, MAX_TIMER_MS);
  return {
    url: `${endpoint.replace(/\/+$/, '')}/v1/events`,
    token: text('token', options.token),
    batchSize: integer('batchSize', options.batchSize ?? DEFAULTS.batchSize, 1, 100_000),
    flushIntervalMs: integer('flushIntervalMs', options.flushIntervalMs ?? DEFAULTS.flushIntervalMs, 1, MAX_TIMER_MS),
    maxQueue: integer('maxQueue', options.maxQueue ?? DEFAULTS.maxQueue, 1),
    maxRetries: integer('maxRetries', options.maxRetries ?? DEFAULTS.maxRetries, 0),
    backoff: { initialMs, maxMs: integer('backoff.maxMs', backoff.maxMs, initialMs, MAX_TIMER_MS), jitter },
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs, 1, MAX_TIMER_MS),
    onError: options.onError ?? (() => {}),
    // Called through a closure: a browser's fetch refuses to run with `this` bound to another object.
    fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
  };
}
