/**
 * WeChat template messages, in the shape of the official account API:
 *
 * 1. An access token from the token endpoint (`POST /cgi-bin/stable_token` with
 *    `{ grant_type: "client_credential", appid, secret }` → `{ access_token, expires_in }`),
 *    cached until a minute before it expires and shared by concurrent sends; a reply saying the
 *    token is invalid or expired (40001, 40014, 42001) drops it, and the send is retried.
 * 2. `POST <endpoint>?access_token=…` with `{ touser, template_id, client_msg_id, data }` →
 *    `{ errcode: 0, msgid }`. WeChat drops a second message with the same openid and
 *    `client_msg_id` (the outbox key), which is its idempotency key.
 *
 * WeChat answers errors with HTTP 200 and an `errcode`: -1 (busy) and 45009/45047 (limits) are
 * transient; the rest (43004 the follower left, 40003 a bad openid, 40037 a bad template id) would
 * be refused again, so they are permanent. The token never appears in a reason: reasons quote
 * WeChat's `errcode` and a filtered excerpt of `errmsg`, never a URL.
 *
 * `data` holds the template's slots: `first` (the subject, if any), `content` (the body), and
 * every variable with its dot as an underscore (`profile.first_name` → `profile_first_name`);
 * the template registered with WeChat names the slots it shows.
 */
import type { ChannelAdapter, QuoteOutsider, RenderedMessage, SendResult } from './channel.js';
import { quoteBare, reason } from './channel.js';
import { classifyHttp, httpPost } from './http-post.js';

export interface WechatOptions {
  /** The template-send URL, `https://api.weixin.qq.com/cgi-bin/message/template/send`. */
  endpoint: string;
  /** The stable-token URL, `https://api.weixin.qq.com/cgi-bin/stable_token`. */
  tokenEndpoint: string;
  appId: string;
  /** The app secret, resolved by the node. */
  credential: string;
  templateId: string;
  timeoutMs: number;
  userAgent: string;
  quote?: QuoteOutsider;
  /** Milliseconds; the token cache's clock. */
  now?: () => number;
}

const TOKEN_REJECTED = new Set([40001, 40014, 42001]);
const BUSY = new Set([-1, 45009, 45047]);
/** A token is renewed this long before WeChat says it expires, so no send carries one that expires in flight. */
const TOKEN_MARGIN_MS = 60_000;

type WechatReply = { errcode?: unknown; errmsg?: unknown; msgid?: unknown; access_token?: unknown; expires_in?: unknown };

function parse(body: string): WechatReply | null {
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' ? (value as WechatReply) : null;
  } catch {
    return null;
  }
}

/** @example wechatAdapter({ endpoint, tokenEndpoint, appId: 'wx123', credential: appSecret, templateId: 'TPL', timeoutMs: 5000, userAgent: 'mofang' }) */
export function wechatAdapter(options: WechatOptions): ChannelAdapter {
  const quote = options.quote ?? quoteBare;
  const now = options.now ?? Date.now;
  let cached: { token: string; until: number } | null = null;
  let pending: Promise<{ token: string } | { failed: SendResult }> | null = null;

  const headers = { 'content-type': 'application/json', 'user-agent': options.userAgent };

  /** One token request for every caller waiting on it, so it carries no caller's signal: only its own timeout ends it. */
  async function fetchToken(): Promise<{ token: string } | { failed: SendResult }> {
    const outcome = await httpPost({
      url: options.tokenEndpoint,
      headers,
      body: JSON.stringify({ grant_type: 'client_credential', appid: options.appId, secret: options.credential }),
      timeoutMs: options.timeoutMs,
    });
    if ('failed' in outcome) return { failed: { ...outcome.failed, reason: `access token: ${outcome.failed.reason}` } };
    const { reply } = outcome;
    if (reply.status < 200 || reply.status >= 300) {
      const result = classifyHttp(reply, quote);
      return { failed: result.status === 'sent' ? result : { ...result, reason: `access token: ${result.reason}` } };
    }
    const json = parse(reply.body);
    if (json && typeof json.access_token === 'string' && json.access_token.length > 0) {
      const seconds = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 7200;
      cached = { token: json.access_token, until: now() + seconds * 1000 - TOKEN_MARGIN_MS };
      return { token: json.access_token };
    }
    const code = typeof json?.errcode === 'number' ? json.errcode : null;
    // The secret itself is never quoted: only WeChat's code and its message.
    const why = reason(quote, `access token refused (errcode ${code ?? 'none'})`, typeof json?.errmsg === 'string' ? json.errmsg : undefined);
    return { failed: code !== null && BUSY.has(code) ? { status: 'transient', reason: why } : { status: 'permanent', reason: why } };
  }

  /** The cached token or the shared request for one; a caller's abort ends only that caller's wait. */
  function token(signal?: AbortSignal): Promise<{ token: string } | { failed: SendResult }> {
    if (cached && cached.until > now()) return Promise.resolve({ token: cached.token });
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    return signal ? abortable(pending, signal) : pending;
  }

  function data(message: RenderedMessage): Record<string, { value: string }> {
    const slots: Record<string, { value: string }> = {};
    for (const [name, value] of Object.entries(message.variables)) slots[name.replace('.', '_')] = { value };
    if (message.subject !== undefined) slots.first = { value: message.subject };
    slots.content = { value: message.text };
    return slots;
  }

  async function sendOnce(message: RenderedMessage, signal?: AbortSignal): Promise<SendResult | 'token_rejected'> {
    const got = await token(signal);
    if ('failed' in got) return got.failed;
    const url = new URL(options.endpoint);
    url.searchParams.set('access_token', got.token);
    const outcome = await httpPost({
      url: url.href,
      headers: { ...headers, 'idempotency-key': message.key },
      body: JSON.stringify({ touser: message.to, template_id: options.templateId, client_msg_id: message.key, data: data(message) }),
      timeoutMs: options.timeoutMs,
      signal,
    });
    if ('failed' in outcome) return outcome.failed;
    const { reply } = outcome;
    if (reply.status < 200 || reply.status >= 300) return classifyHttp(reply, quote);
    const json = parse(reply.body);
    const code = typeof json?.errcode === 'number' ? json.errcode : json ? 0 : null;
    if (code === 0) {
      const id = typeof json?.msgid === 'number' || typeof json?.msgid === 'string' ? String(json.msgid) : undefined;
      return id === undefined ? { status: 'sent' } : { status: 'sent', providerId: id };
    }
    if (code !== null && TOKEN_REJECTED.has(code)) {
      if (cached?.token === got.token) cached = null;
      return 'token_rejected';
    }
    const why = reason(
      quote,
      code === null ? 'WeChat answered something that is not JSON' : `WeChat errcode ${code}`,
      typeof json?.errmsg === 'string' ? json.errmsg : undefined,
    );
    // A reply we cannot read may be a proxy's error page: worth another try, not a verdict.
    return code === null || BUSY.has(code) ? { status: 'transient', reason: why } : { status: 'permanent', reason: why };
  }

  return {
    channel: 'wechat',
    async send(message, signal) {
      const first = await sendOnce(message, signal);
      if (first !== 'token_rejected') return first;
      // The token expired early (another client of the same app renewed it): one more try with a fresh one.
      const second = await sendOnce(message, signal);
      return second === 'token_rejected' ? { status: 'transient', reason: 'WeChat rejected a fresh access token' } : second;
    },
    close: async () => {},
  };
}

const ABORTED: SendResult = { status: 'transient', reason: 'access token: aborted before WeChat answered' };

/** `shared`, or transient as soon as `signal` aborts — without cancelling `shared` for the others waiting on it. */
function abortable<T>(shared: Promise<T>, signal: AbortSignal): Promise<T | { failed: SendResult }> {
  if (signal.aborted) return Promise.resolve({ failed: ABORTED });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ failed: ABORTED });
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
