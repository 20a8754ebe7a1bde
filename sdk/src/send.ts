/**
 * One attempt to deliver a batch, and what it means for the next step: delivered, too large
 * (split it), refused (drop it: resending cannot help) or transient (retry later). Never throws:
 * a broken `fetch`, a hung request or a malformed answer all become an outcome.
 */
import type { Settings } from './options.js';
import { retryAfterMs } from './backoff.js';
import { readBatchResult, readErrorReply, type BatchRequest, type BatchResult, type WireEvent } from './wire.js';

export type Outcome =
  | { kind: 'delivered'; result: BatchResult }
  | { kind: 'too-large'; status: number; message: string }
  | { kind: 'refused'; status: number; code?: string; message: string }
  | { kind: 'transient'; status?: number; message: string; retryAfterMs?: number };

// Browsers allow at most 64 KiB of request bodies in flight with `keepalive` (Fetch standard,
// "keepalive" — the inflight keepalive bytes limit); a larger body makes fetch fail outright.
const KEEPALIVE_BODY_LIMIT = 60_000;

const encoder = new TextEncoder();

/** The request body for `events`. */
function requestBody(events: WireEvent[]): string {
  const request: BatchRequest = { events, atomic: false };
  return JSON.stringify(request);
}

/**
 * `events` cut into batches of at most `batchSize` whose bodies each fit the keepalive limit: what
 * a page that is going away sends. An event too large on its own still goes alone — without
 * keepalive it may not arrive, but it is not lost while the page lives on.
 */
export function keepaliveBatches(events: WireEvent[], batchSize: number): WireEvent[][] {
  const overhead = requestBody([]).length;
  const batches: WireEvent[][] = [];
  let current: WireEvent[] = [];
  let bytes = overhead;
  for (const event of events) {
    const size = encoder.encode(JSON.stringify(event)).length + 1;
    if (current.length > 0 && (current.length >= batchSize || bytes + size > KEEPALIVE_BODY_LIMIT)) {
      batches.push(current);
      current = [];
      bytes = overhead;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 200);

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    return undefined;
  }
}

/** POSTs the batch once; `keepalive` lets the request outlive a page that is being hidden or unloaded. */
export async function postBatch(settings: Settings, events: WireEvent[], keepalive: boolean): Promise<Outcome> {
  const body = requestBody(events);
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced as well as signalled: an injected fetch may ignore the abort signal and never settle.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`no answer within ${settings.requestTimeoutMs} ms`));
    }, settings.requestTimeoutMs);
  });
  try {
    const response = await Promise.race([
      settings.fetch(settings.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${settings.token}`, 'content-type': 'application/json' },
        body,
        keepalive: keepalive && encoder.encode(body).length <= KEEPALIVE_BODY_LIMIT,
        signal: abort.signal,
      }),
      timeout,
    ]);
    const status = response?.status;
    if (!Number.isInteger(status)) return { kind: 'transient', message: 'fetch returned no HTTP response' };
    const payload = await Promise.race([readJson(response), timeout]);
    if (status >= 200 && status < 300) {
      // The status says durable, but without the body the tracker cannot tell which events were
      // rejected; resending is safe because the node deduplicates by event id.
      if (payload === undefined) return { kind: 'transient', status, message: `HTTP ${status} with an unreadable body` };
      return { kind: 'delivered', result: readBatchResult(payload, events.length) };
    }
    const { code, message } = readErrorReply(payload);
    const said = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
    if (status === 408 || status === 429 || status >= 500) {
      return { kind: 'transient', status, message: said, retryAfterMs: retryAfterMs(response.headers?.get?.('retry-after') ?? null, Date.now()) };
    }
    if (status === 413) return { kind: 'too-large', status, message: said };
    return { kind: 'refused', status, ...(code ? { code } : {}), message: said };
  } catch (error) {
    return { kind: 'transient', message: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}
