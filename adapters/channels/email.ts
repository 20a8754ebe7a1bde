/**
 * E-mail through an SMTP relay (nodemailer's pooled transport: connections are kept and reused,
 * up to `connections` at once).
 *
 * Each message carries:
 * - `Message-ID: <outbox key@domain of the sender>`: a relay or the receiving side can recognise a
 *   message retried after a lost reply (the key holds no customer identifier);
 * - the text body and an HTML body (values HTML-escaped by the renderer), each ending with the
 *   unsubscribe link, and `List-Unsubscribe` / `List-Unsubscribe-Post` (RFC 2369, RFC 8058
 *   one-click) with the same link — see unsubscribe.ts;
 * - when tracking is on, the HTML body's links rewritten to signed redirects and an open pixel
 *   (tracking.ts; the unsubscribe link is never rewritten).
 *
 * Replies (RFC 5321 §4.2.1): 4yz is a transient negative reply, 5yz a permanent one. No answer
 * within the timeout, a refused or dropped connection, a TLS failure are transient; a malformed
 * envelope (EENVELOPE, no valid recipient) is permanent.
 */
import nodemailer from 'nodemailer';
import type { ChannelAdapter, QuoteOutsider, SendResult } from './channel.js';
import { quoteBare, reason } from './channel.js';
import { ChannelError } from './errors.js';
import { escapeHtml } from './template.js';
import { type TrackingOptions, trackedHtml } from './tracking.js';
import { unsubscribeUrl } from './unsubscribe.js';

export interface EmailOptions {
  /** `smtp://host:port` (STARTTLS) or `smtps://host:port` (TLS from the start). */
  endpoint: string;
  /** The relay's user name; absent: no authentication. */
  username?: string;
  /** The relay's password, resolved by the node. */
  credential?: string;
  /** The From address, `Bank <offers@bank.example>`; its domain ends each Message-ID. */
  from: string;
  /** Refuse to send without TLS (the node sets it unless the relay is on a loopback address). */
  requireTls: boolean;
  unsubscribe: { baseUrl: string; secret: string; label: string };
  /** Opens and clicks; absent: neither. */
  tracking?: TrackingOptions;
  connections: number;
  timeoutMs: number;
  quote?: QuoteOutsider;
}

/** nodemailer codes of a failure before the relay answered the message: worth another try. */
const NETWORK = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'EABORT']);

/** @example emailAdapter({ endpoint: 'smtp://relay.bank.example:587', from: 'Bank <offers@bank.example>', requireTls: true, unsubscribe, connections: 4, timeoutMs: 10_000 }) */
export function emailAdapter(options: EmailOptions): ChannelAdapter {
  const quote = options.quote ?? quoteBare;
  const endpoint = new URL(options.endpoint);
  if (endpoint.protocol !== 'smtp:' && endpoint.protocol !== 'smtps:') {
    throw new ChannelError('CHANNEL_CONFIG_INVALID', 'email: endpoint must be smtp://host:port or smtps://host:port', { field: 'endpoint' });
  }
  const domain = /@([^\s<>@]+)>?\s*$/.exec(options.from)?.[1];
  if (!domain) throw new ChannelError('CHANNEL_CONFIG_INVALID', 'email: from must hold an address, name@domain', { field: 'from' });
  const secure = endpoint.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: options.connections,
    maxMessages: Number.POSITIVE_INFINITY,
    host: endpoint.hostname.replace(/^\[|\]$/g, ''),
    port: endpoint.port ? Number(endpoint.port) : secure ? 465 : 587,
    secure,
    requireTLS: options.requireTls && !secure,
    ignoreTLS: !options.requireTls && !secure,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    ...(options.username ? { auth: { user: options.username, pass: options.credential ?? '' } } : {}),
  });

  const tracked = (html: string, key: string) => (options.tracking ? trackedHtml(html, key, options.tracking) : html);

  return {
    channel: 'email',
    async send(message, signal) {
      const link = unsubscribeUrl(options.unsubscribe.baseUrl, options.unsubscribe.secret, message.key);
      const label = options.unsubscribe.label;
      const sending = transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject ?? '',
        text: `${message.text}\n\n${label}: ${link}\n`,
        html: `${tracked(message.html ?? escapeHtml(message.text), message.key)}\n<p><a href="${escapeHtml(link)}">${escapeHtml(label)}</a></p>\n`,
        messageId: `<${message.key}@${domain}>`,
        headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      return settle(sending, signal, options.timeoutMs, quote);
    },
    async close() {
      transport.close();
    },
  };
}

/** The relay's verdict, or transient when it does not come within the timeout or the caller aborts. */
async function settle(sending: Promise<{ messageId?: string }>, signal: AbortSignal | undefined, timeoutMs: number, quote: QuoteOutsider): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // nodemailer cannot cancel a send in flight: we stop waiting, and the Message-ID lets the far side drop the duplicate a retry may make.
  const cutoff = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'transient', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    onAbort = () => resolve({ status: 'transient', reason: 'aborted before the relay answered' });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      sending.then(
        (info): SendResult => (info.messageId ? { status: 'sent', providerId: info.messageId } : { status: 'sent' }),
        (err: unknown) => classifySmtp(err, quote),
      ),
      cutoff,
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** RFC 5321 §4.2.1 and nodemailer's own codes (header above). */
function classifySmtp(err: unknown, quote: QuoteOutsider): SendResult {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown; originalCode?: unknown };
  const response = typeof e.response === 'string' ? e.response : undefined;
  if (typeof e.responseCode === 'number') {
    const why = reason(quote, `SMTP ${e.responseCode}`, response);
    return e.responseCode >= 400 && e.responseCode < 500 ? { status: 'transient', reason: why } : { status: 'permanent', reason: why };
  }
  const code = typeof e.code === 'string' ? e.code : 'unknown';
  if (code === 'ETIMEDOUT') return { status: 'transient', reason: 'the relay did not answer in time' };
  // nodemailer wraps a socket error as ESOCKET and keeps the system's code (ECONNREFUSED) beside it.
  if (NETWORK.has(code)) return { status: 'transient', reason: `connection failed (${typeof e.originalCode === 'string' ? e.originalCode : code})` };
  return { status: 'permanent', reason: `the message was refused before sending (${code})` };
}
