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
 * Built on the runtime's fetch (undici), which keeps connections alive per origin.
 */
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

/**
 * Posts once; a reply of any status is a reply, a network failure is a transient result.
 * @example await httpPost({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 })
 */
export async function httpPost(
  request: HttpPostRequest,
  now: () => number = Date.now,
): Promise<{ reply: HttpReply } | { failed: Extract<SendResult, { status: 'transient' }> }> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: request.signal ? AbortSignal.any([timeout, request.signal]) : timeout,
    });
    const body = await replyText(res);
    return { reply: { status: res.status, body, retryAfterMs: retryAfter(res.headers.get('retry-after'), now()) } };
  } catch (err) {
    if (timeout.aborted) return { failed: { status: 'transient', reason: `no answer within ${request.timeoutMs} ms` } };
    if (request.signal?.aborted) return { failed: { status: 'transient', reason: 'aborted before the provider answered' } };
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { failed: { status: 'transient', reason: `connection failed (${cause ?? (err as Error).name})` } };
  }
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

/** At most REPLY_BYTES of the reply; the rest is never read. */
export async function replyText(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < REPLY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, REPLY_BYTES).toString('utf8');
}
