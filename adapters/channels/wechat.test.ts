/** The WeChat adapter against a real HTTP server in the official API's shape: the token endpoint and the template-send endpoint. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayReply, type GatewayRequest, type GatewayServer, gatewayServer } from '../../test/support/gateway-server.js';
import type { RenderedMessage } from './channel.js';
import { wechatAdapter } from './wechat.js';

const APP_SECRET = 'wechat-app-secret-xyz';
const message: RenderedMessage = {
  key: 'j7.v2.noffer.e4711',
  to: 'oOpenId123',
  subject: 'Rate offer',
  text: 'Dear Li',
  variables: { 'profile.first_name': 'Li' },
};

let server: GatewayServer;
let tokens: number;
let sendReplies: GatewayReply[];
beforeEach(async () => {
  tokens = 0;
  sendReplies = [];
  server = await gatewayServer((request: GatewayRequest) => {
    if (request.path.startsWith('/token')) return { status: 200, body: JSON.stringify({ access_token: `TOKEN-${++tokens}`, expires_in: 7200 }) };
    return sendReplies.shift() ?? { status: 200, body: '{"errcode":0,"errmsg":"ok","msgid":200228332}' };
  });
});
afterEach(() => server.close());

function adapter(now: () => number = Date.now, timeoutMs = 2000) {
  const base = server.url.replace('/send', '');
  return wechatAdapter({
    endpoint: `${base}/cgi-bin/message/template/send`,
    tokenEndpoint: `${base}/token`,
    appId: 'wx123',
    credential: APP_SECRET,
    templateId: 'TPL-1',
    timeoutMs,
    userAgent: 'mofang-test',
    now,
  });
}
const sends = () => server.received.filter((r) => !r.path.startsWith('/token'));

describe('WeChat template messages', () => {
  it('fetches a token with the app credentials, then posts touser/template_id/client_msg_id/data with it', async () => {
    expect(await adapter().send(message)).toEqual({ status: 'sent', providerId: '200228332' });
    const [token, send] = server.received;
    expect(token.json).toEqual({ grant_type: 'client_credential', appid: 'wx123', secret: APP_SECRET });
    expect(new URL(send.path, 'http://x').searchParams.get('access_token')).toBe('TOKEN-1');
    expect(send.json).toEqual({
      touser: 'oOpenId123',
      template_id: 'TPL-1',
      client_msg_id: message.key,
      data: { profile_first_name: { value: 'Li' }, first: { value: 'Rate offer' }, content: { value: 'Dear Li' } },
    });
  });

  it('caches the token until shortly before it expires, and concurrent sends share one fetch', async () => {
    let now = 1_000_000;
    const wechat = adapter(() => now);
    await Promise.all([wechat.send(message), wechat.send(message), wechat.send(message)]);
    expect(tokens).toBe(1);
    now += 7200_000 - 30_000; // within the renewal margin
    await wechat.send(message);
    expect(tokens).toBe(2);
    expect(sends().map((r) => new URL(r.path, 'http://x').searchParams.get('access_token'))).toEqual(['TOKEN-1', 'TOKEN-1', 'TOKEN-1', 'TOKEN-2']);
  });

  it("a caller's abort while the shared token request is in flight ends only that caller's send", async () => {
    const wechat = adapter();
    const abort = new AbortController();
    const first = wechat.send(message, abort.signal);
    const second = wechat.send({ ...message, key: 'j7.v2.noffer.e4712' });
    abort.abort();
    expect(await first).toEqual({ status: 'transient', reason: 'access token: aborted before WeChat answered' });
    expect(await second).toEqual({ status: 'sent', providerId: '200228332' });
    expect(tokens).toBe(1);
    expect(sends().map((r) => r.json?.client_msg_id)).toEqual(['j7.v2.noffer.e4712']);
  });

  it('an expired token (42001) is dropped and the send retried once with a fresh one', async () => {
    sendReplies.push({ status: 200, body: '{"errcode":42001,"errmsg":"access_token expired"}' });
    expect(await adapter().send(message)).toMatchObject({ status: 'sent' });
    expect(tokens).toBe(2);
  });

  it('errcode -1 (busy) and 45009 (limit) are transient; 43004 (not a follower) is permanent', async () => {
    sendReplies.push(
      { status: 200, body: '{"errcode":-1,"errmsg":"system error"}' },
      { status: 200, body: '{"errcode":45009,"errmsg":"reach max api daily quota limit"}' },
      { status: 200, body: '{"errcode":43004,"errmsg":"require subscribe"}' },
    );
    const wechat = adapter();
    expect(await wechat.send(message)).toEqual({ status: 'transient', reason: 'WeChat errcode -1: system error' });
    expect(await wechat.send(message)).toMatchObject({ status: 'transient', reason: expect.stringContaining('45009') });
    const refused = await wechat.send(message);
    expect(refused).toMatchObject({ status: 'permanent', reason: expect.stringContaining('43004') });
  });

  it('a refused token request (bad secret) is permanent and names no secret; HTTP 503 from the token endpoint is transient', async () => {
    server.replies.push({ status: 200, body: '{"errcode":40125,"errmsg":"invalid appsecret"}' });
    const refused = await adapter().send(message);
    expect(refused).toEqual({ status: 'permanent', reason: 'access token refused (errcode 40125): invalid appsecret' });
    expect(JSON.stringify(refused)).not.toContain(APP_SECRET);
    server.replies.push({ status: 503, body: 'maintenance' });
    expect(await adapter().send(message)).toEqual({ status: 'transient', reason: 'access token: HTTP 503: maintenance' });
  });

  it('a WeChat slower than the timeout is transient', async () => {
    sendReplies.push({ hold: true });
    expect(await adapter(Date.now, 200).send(message)).toEqual({ status: 'transient', reason: 'no answer within 200 ms' });
  });
});
