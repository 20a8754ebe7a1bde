/**
 * The webhook channel: the message as signed JSON POSTed to the bank's own system, which sends it
 * on by a route the node has no adapter for. Signed like the alert webhook (signature.ts), so one
 * receiver can verify both; `Mofang-Delivery` and `Idempotency-Key` carry the outbox key, the same
 * on every attempt, so the receiver can drop a retry whose first attempt it already has.
 *
 * Body: `{ "key", "to", "subject"?, "text", "variables" }`.
 */
import type { ChannelAdapter, QuoteOutsider } from './channel.js';
import { quoteBare } from './channel.js';
import { ChannelError } from './errors.js';
import { postClassified } from './http-post.js';
import { signature } from './signature.js';

export interface WebhookChannelOptions {
  endpoint: string;
  /** The HMAC secret, at least MIN_SECRET_LENGTH characters. */
  credential: string;
  timeoutMs: number;
  userAgent: string;
  quote?: QuoteOutsider;
  /** The signature's time: the wall clock, which the receiver checks against its own. */
  now?: () => Date;
}

/** HMAC-SHA256's own security level needs 32 bytes of entropy (as the alert webhook's secret). */
export const MIN_SECRET_LENGTH = 32;

/** @example webhookAdapter({ endpoint: 'https://crm.bank.example/hooks/mofang', credential: secret, timeoutMs: 5000, userAgent: 'mofang' }) */
export function webhookAdapter(options: WebhookChannelOptions): ChannelAdapter {
  if (options.credential.length < MIN_SECRET_LENGTH) {
    throw new ChannelError('CHANNEL_CONFIG_INVALID', `webhook: the signing secret must be at least ${MIN_SECRET_LENGTH} characters`, { field: 'credentials' });
  }
  const quote = options.quote ?? quoteBare;
  const now = options.now ?? (() => new Date());
  return {
    channel: 'webhook',
    send(message, signal) {
      const body = JSON.stringify({
        key: message.key,
        to: message.to,
        ...(message.subject === undefined ? {} : { subject: message.subject }),
        text: message.text,
        variables: message.variables,
      });
      const t = Math.floor(now().getTime() / 1000);
      return postClassified(
        {
          url: options.endpoint,
          headers: {
            'content-type': 'application/json',
            'user-agent': options.userAgent,
            'mofang-signature': signature(options.credential, t, body),
            'mofang-delivery': message.key,
            'idempotency-key': message.key,
          },
          body,
          timeoutMs: options.timeoutMs,
          signal,
        },
        quote,
      );
    },
    close: async () => {},
  };
}
