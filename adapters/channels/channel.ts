/**
 * The one interface every channel adapter implements, and the three ways a send can end.
 *
 * An adapter turns one rendered message into one provider request and classifies the provider's
 * reply, so the dispatcher above it needs no provider knowledge: `sent` is done, `transient` goes
 * back to the queue (after `retryAfterMs` if the provider said so, else the retry policy's delay),
 * `permanent` is dead at once — sending it again would be refused again.
 *
 * The message's `key` is the outbox's idempotency key. It holds no customer identifier and travels
 * to every provider (an `Idempotency-Key` header, an e-mail's Message-ID), so a send retried after
 * a lost reply or a crash can be recognised and dropped by the provider.
 *
 * A provider's reply is outsider text: a reason quotes at most a short excerpt of it, through the
 * `quote` function the node passes (its outsider-text filter), and never a credential.
 */

/** The channels an adapter in this folder sends on (the others are lists the node keeps itself). */
export type ProviderChannel = 'sms' | 'email' | 'push' | 'wechat' | 'webhook';

/** One message, ready to send: every variable already filled. */
export interface RenderedMessage {
  /** The outbox idempotency key, `j7.v2.noffer.e4711`: no customer identifier. */
  key: string;
  /** The contact from the dataset column the channel names: phone, e-mail address, push token, openid, or the webhook's recipient reference. */
  to: string;
  /** E-mail subject, push title. */
  subject?: string;
  /** The body as text. */
  text: string;
  /** The e-mail body as HTML, its values escaped (render with `{ html: true }`). */
  html?: string;
  /** The template's variables as rendered, by name (`profile.first_name` → `Li`): a provider template (SMS, WeChat) fills its own slots from them. */
  variables: Readonly<Record<string, string>>;
}

export type SendResult =
  | { status: 'sent'; providerId?: string }
  | { status: 'transient'; reason: string; retryAfterMs?: number }
  | { status: 'permanent'; reason: string };

export interface ChannelAdapter {
  readonly channel: ProviderChannel;
  /** Sends one message. Never throws for anything the provider or the network does: that is a `SendResult`. An aborted `signal` ends the attempt as transient. */
  send(message: RenderedMessage, signal?: AbortSignal): Promise<SendResult>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** Makes a piece of a provider's text safe to put in a reason; the node passes its outsider-text filter. */
export type QuoteOutsider = (text: string) => string;

/** Without the node's filter: control and bidirectional-override characters become spaces. */
export const quoteBare: QuoteOutsider = (text) => text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, ' ');

/** Of a provider's reply, at most this much of the text is quoted in a reason. */
const EXCERPT_CHARS = 120;
/** A reason (ours plus the excerpt) is capped at this many characters. */
const REASON_CHARS = 240;

/**
 * A reason: our own words and, when the provider said something, a short filtered excerpt of it.
 * @example reason(quoteBare, 'HTTP 400', '{"error":"bad template"}') // 'HTTP 400: {"error":"bad template"}'
 */
export function reason(quote: QuoteOutsider, ours: string, theirs?: string): string {
  const excerpt = theirs
    ? quote(theirs.slice(0, EXCERPT_CHARS * 4))
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, EXCERPT_CHARS)
    : '';
  const text = excerpt ? `${ours}: ${excerpt}` : ours;
  return text.length > REASON_CHARS ? `${text.slice(0, REASON_CHARS - 1)}…` : text;
}
