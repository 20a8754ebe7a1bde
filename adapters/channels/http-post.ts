/**
 * The one HTTP client of the HTTP channels (SMS, push, WeChat, webhook): a POST with a timeout and
 * the caller's abort signal, a bounded read of the reply, and the classification every gateway
 * shares:
 *
 * | reply | result |
 * | --- | --- |
 * | 2xx | sent |
 * | 408, 425, 429 (after `Retry-After`), 5xx | transient |
 * | no answer within the timeout, connection refused or reset, aborted | transient |
 * | 3xx (never followed: it could leave https), other 4xx | permanent |
 *
 * Connections are kept alive per origin. The node's alert webhook posts through it too.
 */
import http from 'node:http';
import https from 'node:https';
import { type QuoteOutsider, reason, type SendResult } from './channel.js';

export interface HttpPostRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpReply {
  status: number;
  /** At most REPLY_BYTES of the reply, decoded as UTF-8. */
  body: string;
  /** From `Retry-After` (seconds or an HTTP date), capped at MAX_RETRY_AFTER_MS. */
  retryAfterMs?: number;
}

/** Of a reply, only this much is read: a hostile gateway cannot make us buffer megabytes. */
const REPLY_BYTES = 4096;
/** A `Retry-After` beyond this is taken as this: the dispatcher's lease and dead-letter clock must stay meaningful. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Keep-alive connections per origin, shared by every channel: a connection per message would cost a TCP (and TLS) handshake each. */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }) };

/**
 * Posts once; a reply of any status is a reply, a network failure is a transient result.
 * node:http with a keep-alive agent rather than fetch: on this 2-core machine it made 3× the
 * requests per second (docs/benchmarks.md, Reach adapters).
 * @example await httpPost({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 })
 */
export async function httpPost(
  request: HttpPostRequest,
  now: () => number = Date.now,
): Promise<{ reply: HttpReply } | { failed: Extract<SendResult, { status: 'transient' }> }> {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!client) return { failed: { status: 'transient', reason: `not an http(s) URL (${url.protocol})` } };
  const body = Buffer.from(request.body);
  const { signal } = request;
  if (signal?.aborted) return { failed: { status: 'transient', reason: 'aborted before the provider answered' } };
  let ended: 'timeout' | 'aborted' | null = null;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise((resolve, reject) => {
      const req = client.request(
        url,
        { method: 'POST', agent: AGENTS[url.protocol as 'http:' | 'https:'], headers: { ...request.headers, 'content-length': body.byteLength } },
        (res) => {
          // The whole reply is read so the connection can be reused, but only its start is kept.
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < REPLY_BYTES) chunks.push(chunk);
            size += chunk.byteLength;
          });
          res.on('error', reject);
          res.on('end', () => {
            const header = res.headers['retry-after'];
            resolve({
              reply: {
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).subarray(0, REPLY_BYTES).toString('utf8'),
                retryAfterMs: retryAfter(typeof header === 'string' ? header : null, now()),
              },
            });
          });
        },
      );
      // One plain timer per request: AbortSignal.timeout per request cost a measurable share of the rate.
      timer = setTimeout(() => {
        ended = 'timeout';
        req.destroy(new Error('timeout'));
      }, request.timeoutMs);
      if (signal) {
        onAbort = () => {
          ended ??= 'aborted';
          req.destroy(new Error('aborted'));
        };
        onAbortOf(signal).add(onAbort);
      }
      req.on('error', reject);
      req.end(body);
    });
  } catch (err) {
    if (ended === 'timeout') return { failed: { status: 'transient', reason: `no answer within ${request.timeoutMs} ms` } };
    if (ended === 'aborted') return { failed: { status: 'transient', reason: 'aborted before the provider answered' } };
    const code = (err as { code?: string }).code;
    return { failed: { status: 'transient', reason: `connection failed (${code ?? (err as Error).name})` } };
  } finally {
    clearTimeout(timer);
    if (onAbort && signal) onAbortOf(signal).delete(onAbort);
  }
}

/**
 * The requests waiting on each signal, behind one listener per signal: the dispatcher passes one
 * signal to every send, and EventTarget's listener list made each add and remove cost a measurable
 * share of the rate at thousands of sends a second.
 */
const ABORTS = new WeakMap<AbortSignal, Set<() => void>>();
function onAbortOf(signal: AbortSignal): Set<() => void> {
  let set = ABORTS.get(signal);
  if (!set) {
    const callbacks = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const f of callbacks) f();
      },
      { once: true },
    );
    ABORTS.set(signal, (set = callbacks));
  }
  return set;
}

/**
 * The shared classification of a reply (table above). `providerId` reads the provider's message id
 * from a 2xx body.
 */
export function classifyHttp(reply: HttpReply, quote: QuoteOutsider, providerId?: (body: string) => string | undefined): SendResult {
  const { status } = reply;
  if (status >= 200 && status < 300) {
    const id = providerId?.(reply.body);
    return id === undefined ? { status: 'sent' } : { status: 'sent', providerId: id };
  }
  const why = reason(quote, `HTTP ${status}`, reply.body);
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return reply.retryAfterMs === undefined ? { status: 'transient', reason: why } : { status: 'transient', reason: why, retryAfterMs: reply.retryAfterMs };
  }
  return { status: 'permanent', reason: status >= 300 && status < 400 ? `${why} (redirects are not followed)` : why };
}

/** Posts and classifies: the whole exchange of a gateway that speaks plain HTTP statuses. */
export async function postClassified(request: HttpPostRequest, quote: QuoteOutsider, providerId?: (body: string) => string | undefined): Promise<SendResult> {
  const outcome = await httpPost(request);
  return 'failed' in outcome ? outcome.failed : classifyHttp(outcome.reply, quote, providerId);
}

/**
 * A string field of a JSON reply, for the provider's message id; anything else (not JSON, not a
 * short printable string) is no id.
 */
export function jsonField(field: string): (body: string) => string | undefined {
  return (body) => {
    try {
      const value = (JSON.parse(body) as Record<string, unknown>)?.[field];
      const text = typeof value === 'number' ? String(value) : value;
      return typeof text === 'string' && /^[\x21-\x7e]{1,128}$/.test(text) ? text : undefined;
    } catch {
      return undefined;
    }
  };
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
function retryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d{1,10}$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}
