/** SMS, push and webhook adapters against real HTTP servers on loopback: what each gateway receives, and how each reply is classified. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../node/net/free-port.js';
import { type GatewayServer, gatewayServer } from '../../test/support/gateway-server.js';
import { verifyWebhook } from '../../test/support/webhook-receiver.js';
import type { ChannelAdapter, RenderedMessage } from './channel.js';
import { pushAdapter, smsAdapter } from './http-gateway.js';
import { webhookAdapter } from './webhook.js';

const SECRET = 'a-webhook-secret-of-at-least-32-characters';
const CREDENTIAL = 'gateway-credential-1';
const message: RenderedMessage = {
  key: 'j7.v2.noffer.e4711',
  to: '+8613800138000',
  subject: 'Your rate',
  text: 'Dear Li, 3.1% until Friday',
  variables: { 'profile.first_name': 'Li' },
};

let server: GatewayServer;
beforeEach(async () => {
  server = await gatewayServer();
});
afterEach(() => server.close());

const adapters: [string, (endpoint: string, timeoutMs?: number) => ChannelAdapter][] = [
  ['sms', (endpoint, timeoutMs = 2000) => smsAdapter({ endpoint, credential: CREDENTIAL, templateId: 'SMS_OFFER', timeoutMs, userAgent: 'mofang-test' })],
  ['push', (endpoint, timeoutMs = 2000) => pushAdapter({ endpoint, credential: CREDENTIAL, timeoutMs, userAgent: 'mofang-test' })],
  ['webhook', (endpoint, timeoutMs = 2000) => webhookAdapter({ endpoint, credential: SECRET, timeoutMs, userAgent: 'mofang-test' })],
];

describe.each(adapters)('%s: every reply is classified', (_channel, make) => {
  it('2xx is sent, with the idempotency key on the request', async () => {
    const result = await make(server.url).send(message);
    expect(result.status).toBe('sent');
    expect(server.received[0].headers['idempotency-key']).toBe(message.key);
  });

  it('429 with Retry-After is transient and keeps the delay the gateway asked for', async () => {
    server.replies.push({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } });
    expect(await make(server.url).send(message)).toEqual({ status: 'transient', reason: 'HTTP 429: slow down', retryAfterMs: 7000 });
  });

  it('500 is transient, 400 is permanent, a redirect is permanent and not followed', async () => {
    server.replies.push(
      { status: 500, body: 'oops' },
      { status: 400, body: '{"error":"bad template"}' },
      { status: 302, headers: { location: 'http://127.0.0.1:1/' } },
    );
    const adapter = make(server.url);
    expect(await adapter.send(message)).toEqual({ status: 'transient', reason: 'HTTP 500: oops' });
    expect(await adapter.send(message)).toEqual({ status: 'permanent', reason: 'HTTP 400: {"error":"bad template"}' });
    expect(await adapter.send(message)).toMatchObject({ status: 'permanent', reason: expect.stringContaining('redirects are not followed') });
    expect(server.received).toHaveLength(3);
  });

  it('a retry after a transient failure carries the same idempotency key, so the gateway can drop a duplicate', async () => {
    server.replies.push({ status: 503, body: 'busy' });
    const adapter = make(server.url);
    expect((await adapter.send(message)).status).toBe('transient');
    expect((await adapter.send(message)).status).toBe('sent');
    expect(server.received.map((r) => r.headers['idempotency-key'])).toEqual([message.key, message.key]);
  });

  it('a gateway slower than the timeout is transient', async () => {
    server.replies.push({ hold: true });
    expect(await make(server.url, 200).send(message)).toEqual({ status: 'transient', reason: 'no answer within 200 ms' });
  });

  it('a closed port is transient', async () => {
    const port = await freePort();
    expect(await make(`http://127.0.0.1:${port}/send`).send(message)).toEqual({ status: 'transient', reason: 'connection failed (ECONNREFUSED)' });
  });

  it('an aborted send is transient', async () => {
    server.replies.push({ hold: true });
    const controller = new AbortController();
    const sending = make(server.url).send(message, controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await sending).toEqual({ status: 'transient', reason: 'aborted before the provider answered' });
  });

  it("a gateway's reply is quoted only as a short filtered excerpt, and never a credential of ours", async () => {
    server.replies.push({ status: 400, body: `bad\u202e request ${'x'.repeat(5000)}` });
    const result = await make(server.url).send(message);
    expect(result.status).toBe('permanent');
    const reason = (result as { reason: string }).reason;
    expect(reason.length).toBeLessThanOrEqual(240);
    expect(reason).not.toContain('\u202e');
    expect(reason).not.toContain(CREDENTIAL);
    expect(reason).not.toContain(SECRET);
  });
});

describe('what each gateway receives', () => {
  it('sms: the phone, the template id, the text and the variables, with the bearer credential; the id from the reply', async () => {
    server.replies.push({ status: 202, body: '{"id":"sms-981"}' });
    expect(await adapters[0][1](server.url).send(message)).toEqual({ status: 'sent', providerId: 'sms-981' });
    const [request] = server.received;
    expect(request.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
    expect(request.json).toEqual({ to: message.to, templateId: 'SMS_OFFER', text: message.text, params: { 'profile.first_name': 'Li' } });
  });

  it('push: the device token, title, body and the key as data', async () => {
    await adapters[1][1](server.url).send({ ...message, to: 'device-token-abc' });
    expect(server.received[0].json).toEqual({ token: 'device-token-abc', title: 'Your rate', body: message.text, data: { key: message.key } });
  });

  it('webhook: signed JSON the receiver verifies with the shared secret, the key as Mofang-Delivery', async () => {
    const at = new Date('2026-12-07T10:00:00Z');
    await webhookAdapter({ endpoint: server.url, credential: SECRET, timeoutMs: 2000, userAgent: 'mofang-test', now: () => at }).send(message);
    const [request] = server.received;
    expect(verifyWebhook(SECRET, request.headers['mofang-signature'] as string, request.body, at.getTime() / 1000)).toBe(true);
    expect(verifyWebhook('another-secret-of-at-least-32-characters!', request.headers['mofang-signature'] as string, request.body, at.getTime() / 1000)).toBe(
      false,
    );
    expect(request.headers['mofang-delivery']).toBe(message.key);
    expect(request.json).toEqual({ key: message.key, to: message.to, subject: 'Your rate', text: message.text, variables: { 'profile.first_name': 'Li' } });
  });

  it('webhook: a secret shorter than 32 characters is refused when the adapter is built', () => {
    expect(() => webhookAdapter({ endpoint: server.url, credential: 'short', timeoutMs: 1000, userAgent: 'x' })).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID' }),
    );
  });
});
