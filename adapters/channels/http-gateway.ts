/**
 * SMS and app push through an HTTP gateway: one JSON POST per message, authorised with the
 * gateway's bearer credential, the outbox key in `Idempotency-Key` so the gateway can drop a
 * retried duplicate, the gateway's message id read from `id` in its 2xx reply.
 *
 * What each gateway receives (docs/reach.md):
 * - SMS: `{ "to": "<phone>", "templateId": "<id>", "text": "<body>", "params": { "<variable>": "<value>" } }`
 *   — gateways that send pre-approved templates (mainland China's rule for marketing SMS) fill
 *   their template from `params`; others send `text`.
 * - push: `{ "token": "<device token>", "title": "<subject>", "body": "<body>", "data": { "key": "<outbox key>" } }`.
 */
import type { ChannelAdapter, QuoteOutsider, RenderedMessage } from './channel.js';
import { quoteBare } from './channel.js';
import { jsonField, postClassified } from './http-post.js';

export interface HttpGatewayOptions {
  endpoint: string;
  /** The bearer credential, resolved by the node from its file or environment variable. */
  credential: string;
  timeoutMs: number;
  userAgent: string;
  quote?: QuoteOutsider;
}

export interface SmsGatewayOptions extends HttpGatewayOptions {
  /** The provider's template the message is sent under. */
  templateId?: string;
}

const providerId = jsonField('id');

function gateway(channel: 'sms' | 'push', options: HttpGatewayOptions, bodyOf: (message: RenderedMessage) => unknown): ChannelAdapter {
  const quote = options.quote ?? quoteBare;
  return {
    channel,
    send: (message, signal) =>
      postClassified(
        {
          url: options.endpoint,
          headers: {
            'content-type': 'application/json',
            'user-agent': options.userAgent,
            authorization: `Bearer ${options.credential}`,
            'idempotency-key': message.key,
          },
          body: JSON.stringify(bodyOf(message)),
          timeoutMs: options.timeoutMs,
          signal,
        },
        quote,
        providerId,
      ),
    close: async () => {},
  };
}

/** @example smsAdapter({ endpoint: 'https://sms.example.com/v1/messages', credential, templateId: 'SMS_1', timeoutMs: 5000, userAgent: 'mofang' }) */
export function smsAdapter(options: SmsGatewayOptions): ChannelAdapter {
  return gateway('sms', options, (m) => ({ to: m.to, ...(options.templateId ? { templateId: options.templateId } : {}), text: m.text, params: m.variables }));
}

/** @example pushAdapter({ endpoint: 'https://push.example.com/v1/send', credential, timeoutMs: 5000, userAgent: 'mofang' }) */
export function pushAdapter(options: HttpGatewayOptions): ChannelAdapter {
  return gateway('push', options, (m) => ({ token: m.to, ...(m.subject === undefined ? {} : { title: m.subject }), body: m.text, data: { key: m.key } }));
}
