/**
 * The reach channels as the config describes them, checked and opened. `checkChannels` runs at
 * start, before anything is sent: it resolves every credential (a file of mode 0600, or an
 * environment variable) and checks every endpoint, and fails with an error naming the channel and
 * the field — never the secret. `openChannel` builds a checked channel's adapter (its provider
 * replies filtered as outsider text), rate limiter and retry policy: all the dispatcher that
 * drains the outbox needs per channel.
 */
import { readFileSync } from 'node:fs';
import type { ChannelAdapter, ProviderChannel } from '../../adapters/channels/channel.js';
import { emailAdapter } from '../../adapters/channels/email.js';
import { pushAdapter, smsAdapter } from '../../adapters/channels/http-gateway.js';
import { tokenBucket } from '../../adapters/channels/rate-limit.js';
import { retryPolicy } from '../../adapters/channels/retry.js';
import { wechatAdapter } from '../../adapters/channels/wechat.js';
import { MIN_SECRET_LENGTH, webhookAdapter } from '../../adapters/channels/webhook.js';
import { checkHttpsUrl } from '../net/https-url.js';
import type { CredentialConfig, ReachChannelsConfig } from '../config/schema.js';
import { asMofangError, MofangError } from '../errors.js';
import { assertSecretFileMode } from '../fs/atomic-write.js';
import { isLoopback } from '../net/loopback.js';
import { untrustedText } from '../text/untrusted.js';

type ChannelsConfig = Required<ReachChannelsConfig>;
type Settings = Pick<
  ChannelsConfig[ProviderChannel],
  'enabled' | 'contactColumn' | 'rate' | 'burst' | 'concurrency' | 'timeoutMs' | 'maxAttempts' | 'retryBaseMs' | 'retryCapMs' | 'costPerMessage'
>;

/** A channel whose credentials are resolved and endpoints checked: ready to open. */
export interface CheckedChannel {
  channel: ProviderChannel;
  settings: Settings;
  /** Builds the adapter; the secrets stay inside it. */
  adapter(): ChannelAdapter;
  /** What the node needs to trust what comes back from this channel (docs/reach.md, Receipts). */
  feedback: ChannelFeedbackSecrets;
}

interface ChannelFeedbackSecrets {
  /** Verifies the provider's status callbacks; absent: they are refused. */
  callbackSecret?: string;
  /** E-mail: verifies unsubscribe, open and click tokens. */
  linkSecret?: string;
}

export interface CheckOptions {
  /** What the HTTP channels send as User-Agent, `mofang/<version>`. */
  userAgent: string;
  /** Where `{ env }` credentials are read; the process environment by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Every configured channel, checked; throws on the first that cannot work.
 * @example const channels = checkChannels(config.reach.channels, { userAgent: `mofang/${packageVersion()}` }); // at start, before the dispatcher runs
 */
export function checkChannels(channels: ReachChannelsConfig, options: CheckOptions): CheckedChannel[] {
  const { userAgent, env = process.env } = options;
  const field = (channel: ProviderChannel, name: string) => `reach.channels.${channel}.${name}`;
  const secret = (channel: ProviderChannel, name: string, credential: CredentialConfig, minLength = 1) =>
    resolveCredential(field(channel, name), credential, env, minLength);
  const url = (channel: ProviderChannel, name: string, value: string) => checkHttpsUrl(value, field(channel, name)).href;
  const callback = (channel: ProviderChannel, credential: CredentialConfig | undefined): ChannelFeedbackSecrets =>
    credential ? { callbackSecret: secret(channel, 'callbackSecret', credential, MIN_SECRET_LENGTH) } : {};
  const checked: CheckedChannel[] = [];
  const { sms, email, push, wechat, webhook } = channels;
  if (sms) {
    const endpoint = url('sms', 'endpoint', sms.endpoint);
    const credential = secret('sms', 'credentials', sms.credentials);
    checked.push({
      channel: 'sms',
      settings: sms,
      adapter: () => smsAdapter({ ...sms, endpoint, credential, userAgent, quote }),
      feedback: callback('sms', sms.callbackSecret),
    });
  }
  if (email) {
    const smtp = new URL(email.endpoint);
    const credential = email.credentials ? secret('email', 'credentials', email.credentials) : undefined;
    if (credential !== undefined && !email.username) throw configError(field('email', 'username'), 'is needed with credentials');
    const unsubscribe = { ...email.unsubscribe, baseUrl: url('email', 'unsubscribe.baseUrl', email.unsubscribe.baseUrl) };
    const unsubscribeSecret = secret('email', 'unsubscribe.secret', email.unsubscribe.secret, MIN_SECRET_LENGTH);
    // Opens and clicks are signed with the unsubscribe secret: each token names its purpose in the mac, so none stands in for another.
    const tracking = email.tracking
      ? { ...email.tracking, baseUrl: url('email', 'tracking.baseUrl', email.tracking.baseUrl), secret: unsubscribeSecret }
      : undefined;
    const open = () =>
      emailAdapter({
        endpoint: email.endpoint,
        ...(email.username ? { username: email.username } : {}),
        ...(credential === undefined ? {} : { credential }),
        from: email.from,
        // STARTTLS is required unless the relay is on this machine: otherwise mail and password would cross the network in clear.
        requireTls: !isLoopback(smtp.hostname.replace(/^\[|\]$/g, '')),
        unsubscribe: { ...unsubscribe, secret: unsubscribeSecret },
        ...(tracking ? { tracking } : {}),
        connections: email.concurrency,
        timeoutMs: email.timeoutMs,
        quote,
      });
    // Building the transport checks the endpoint and the From address (it connects only at the first send): do it now.
    named('email', () => open().close());
    checked.push({ channel: 'email', settings: email, adapter: open, feedback: { ...callback('email', email.callbackSecret), linkSecret: unsubscribeSecret } });
  }
  if (push) {
    const endpoint = url('push', 'endpoint', push.endpoint);
    const credential = secret('push', 'credentials', push.credentials);
    checked.push({
      channel: 'push',
      settings: push,
      adapter: () => pushAdapter({ ...push, endpoint, credential, userAgent, quote }),
      feedback: callback('push', push.callbackSecret),
    });
  }
  if (wechat) {
    const endpoint = url('wechat', 'endpoint', wechat.endpoint);
    const tokenEndpoint = url('wechat', 'tokenEndpoint', wechat.tokenEndpoint);
    const credential = secret('wechat', 'credentials', wechat.credentials);
    checked.push({
      channel: 'wechat',
      settings: wechat,
      adapter: () => wechatAdapter({ ...wechat, endpoint, tokenEndpoint, credential, userAgent, quote }),
      feedback: callback('wechat', wechat.callbackSecret),
    });
  }
  if (webhook) {
    const endpoint = url('webhook', 'endpoint', webhook.endpoint);
    const credential = secret('webhook', 'credentials', webhook.credentials, MIN_SECRET_LENGTH);
    checked.push({
      channel: 'webhook',
      settings: webhook,
      adapter: () => webhookAdapter({ ...webhook, endpoint, credential, userAgent, quote }),
      feedback: callback('webhook', webhook.callbackSecret),
    });
  }
  for (const { channel, settings } of checked) {
    if (settings.retryCapMs < settings.retryBaseMs) throw configError(field(channel, 'retryCapMs'), `must be at least retryBaseMs (${settings.retryBaseMs})`);
  }
  return checked;
}

/** What the dispatcher drives per channel. */
export interface OpenChannel {
  channel: ProviderChannel;
  settings: Settings;
  adapter: ChannelAdapter;
  limiter: ReturnType<typeof tokenBucket>;
  retry: ReturnType<typeof retryPolicy>;
}

/** @example const sms = openChannel(checked); await sms.limiter.acquire(sleep); await sms.adapter.send(message) */
export function openChannel(checked: CheckedChannel): OpenChannel {
  const { settings } = checked;
  return {
    channel: checked.channel,
    settings,
    adapter: checked.adapter(),
    limiter: tokenBucket({ ratePerSecond: settings.rate, burst: settings.burst }),
    retry: retryPolicy({ baseMs: settings.retryBaseMs, capMs: settings.retryCapMs, maxAttempts: settings.maxAttempts }),
  };
}

/** A provider's reply goes through the node's outsider-text filter before a reason quotes it. */
const quote = (text: string) => untrustedText(text, 200);

/**
 * The secret a credential names. Errors name the field and the file or variable, never a byte of
 * the secret.
 */
function resolveCredential(field: string, credential: CredentialConfig, env: NodeJS.ProcessEnv, minLength: number): string {
  let value: string | undefined;
  if ('env' in credential) {
    value = env[credential.env]?.trim();
    if (!value) throw credentialError(field, `the environment variable ${credential.env} is not set or empty`, { env: credential.env });
  } else {
    try {
      assertSecretFileMode(credential.file);
      value = readFileSync(credential.file, 'utf8').trim();
    } catch (err) {
      const e = asMofangError(err);
      const why = e.code === 'SECRET_FILE_MODE' ? e.message : `${credential.file} cannot be read`;
      throw credentialError(field, why, { file: credential.file });
    }
    if (!value) throw credentialError(field, `${credential.file} is empty`, { file: credential.file });
  }
  if (value.length < minLength) throw credentialError(field, `the secret must be at least ${minLength} characters`, {});
  return value;
}

function credentialError(field: string, why: string, details: Record<string, unknown>): MofangError {
  return new MofangError('CHANNEL_CREDENTIAL_INVALID', `${field}: ${why}`, { field, ...details });
}

function configError(field: string, why: string): MofangError {
  return new MofangError('CHANNEL_CONFIG_INVALID', `${field} ${why}`, { field });
}

/** Runs `check`, and names the channel in any error it throws. */
function named(channel: ProviderChannel, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    const e = asMofangError(err);
    const name = typeof e.details?.field === 'string' ? `reach.channels.${channel}.${e.details.field}` : `reach.channels.${channel}`;
    throw new MofangError(e.code, `${name}: ${e.message.replace(/^[a-z]+: /, '')}`, { ...e.details, field: name });
  }
}
