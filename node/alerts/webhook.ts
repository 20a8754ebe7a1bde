/**
 * The alert webhook: a JSON body POSTed to a configured URL, signed so the receiver can tell it
 * came from this node and is fresh, retried with backoff, and its outcome recorded.
 *
 * Signature (docs/alerts.md): `Mofang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<body>")>`. Signing the timestamp with the body lets a receiver refuse a captured request
 * replayed later (its t is old) without keeping every body it has seen; each attempt is signed
 * afresh. `Mofang-Delivery` carries the alert event's id, the same on every attempt, so a receiver
 * that got an attempt whose reply was lost can drop the retry.
 *
 * The receiver's reply is outsider text: only a filtered prefix (`untrustedText`) is kept. The POST
 * itself, its timeout and the signature are shared with the webhook channel (adapters/channels/).
 */
import { readFileSync } from 'node:fs';
import { httpPost } from '../../adapters/channels/http-post.js';
import { signature } from '../../adapters/channels/signature.js';
import { asMofangError, MofangError } from '../errors.js';
import { assertSecretFileMode } from '../fs/atomic-write.js';

export { checkHttpsUrl as checkWebhookUrl } from '../net/https-url.js';
import { untrustedText } from '../text/untrusted.js';

export interface WebhookConfig {
  url: string;
  /** A file (mode 0600) holding the shared secret. */
  secretFile: string;
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Delay before the first retry; doubles with each. */
  retryDelayMs: number;
}

export interface DeliveryOutcome {
  outcome: 'delivered' | 'failed';
  attempts: number;
  /** The HTTP status of the last attempt, if the receiver answered. */
  httpStatus: number | null;
  /** The receiver's reply (filtered) or why the delivery failed. */
  detail: string;
}

/** The smallest secret accepted: HMAC-SHA256's own security level needs 32 bytes of entropy. */
const MIN_SECRET_LENGTH = 32;

/** The secret from its file, refused if others may read it or it is too short. */
function readSecret(file: string): string {
  let secret: string;
  try {
    assertSecretFileMode(file);
    secret = readFileSync(file, 'utf8').trim();
  } catch (err) {
    const e = asMofangError(err);
    throw e.code === 'INTERNAL' ? new MofangError('WEBHOOK_SECRET_INVALID', `${file}: cannot read the webhook secret`, { file }) : e;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new MofangError('WEBHOOK_SECRET_INVALID', `${file}: the webhook secret must be at least ${MIN_SECRET_LENGTH} characters`, { file });
  }
  return secret;
}

export interface DeliverOptions {
  /** The signature's time: the wall clock, which the receiver checks against its own. */
  now?: () => Date;
  /** Waits between attempts (tests pass a quicker one). */
  sleep?: (ms: number) => Promise<void>;
  userAgent: string;
}

/**
 * Posts `body` until the receiver answers 2xx or the attempts run out. A 4xx other than 408 and
 * 429 ends the delivery at once: the receiver refused this request (a bad signature, a gone
 * endpoint) and would refuse it again. A redirect is a failure: following it could leave https.
 */
export async function deliver(webhook: WebhookConfig, body: string, deliveryId: string, options: DeliverOptions): Promise<DeliveryOutcome> {
  let secret: string;
  try {
    secret = readSecret(webhook.secretFile);
  } catch (err) {
    const e = asMofangError(err);
    return { outcome: 'failed', attempts: 0, httpStatus: null, detail: `${e.code}: ${e.message}` };
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: Omit<DeliveryOutcome, 'outcome' | 'attempts'> = { httpStatus: null, detail: '' };
  for (let attempt = 1; attempt <= 1 + webhook.retries; attempt++) {
    if (attempt > 1) await sleep(webhook.retryDelayMs * 2 ** (attempt - 2));
    const t = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
    const sent = await httpPost({
      url: webhook.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': options.userAgent,
        'mofang-signature': signature(secret, t, body),
        'mofang-delivery': deliveryId,
      },
      body,
      timeoutMs: webhook.timeoutMs,
    });
    if ('failed' in sent) {
      last = { httpStatus: null, detail: sent.failed.reason };
      continue;
    }
    const { status } = sent.reply;
    last = { httpStatus: status, detail: untrustedText(sent.reply.body) };
    if (status >= 200 && status < 300) return { outcome: 'delivered', attempts: attempt, ...last };
    if (status >= 300 && status < 500 && status !== 408 && status !== 429) return { outcome: 'failed', attempts: attempt, ...last };
  }
  return { outcome: 'failed', attempts: 1 + webhook.retries, ...last };
}
