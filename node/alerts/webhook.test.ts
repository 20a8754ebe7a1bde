import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { checkWebhookUrl, deliver, type WebhookConfig } from './webhook.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const dir = mkdtempSync(join(tmpdir(), 'mofang-webhook-'));
const secretFile = join(dir, 'webhook.secret');
writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
let receiver: WebhookReceiver;
const waits: number[] = [];
const options = { now: () => new Date(), userAgent: 'mofang/test', sleep: async (ms: number) => void waits.push(ms) };
const config = (over: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url: receiver.url,
  secretFile,
  timeoutMs: 2000,
  retries: 2,
  retryDelayMs: 100,
  ...over,
});

beforeAll(async () => {
  receiver = await webhookReceiver(SECRET);
});
afterAll(() => receiver.close());

describe('alert webhook delivery', () => {
  it('posts the body signed over timestamp and body, which the receiver verifies with the secret', async () => {
    const body = JSON.stringify({ metric: 'signups', value: 3 });
    const outcome = await deliver(config(), body, '41', options);
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 1, httpStatus: 200, detail: 'ok' });
    const got = receiver.received.at(-1)!;
    expect(got.verified).toBe(true);
    expect(got.body).toBe(body);
    expect(got.headers['mofang-delivery']).toBe('41');
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('a signature made with another secret is refused by the receiver, and a 401 is not retried', async () => {
    const other = join(dir, 'other.secret');
    writeFileSync(other, 'another-secret-that-is-long-enough-32+', { mode: 0o600 });
    const before = receiver.received.length;
    const outcome = await deliver(config({ secretFile: other }), '{}', '42', options);
    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 1, httpStatus: 401, detail: 'bad signature' });
    expect(receiver.received.slice(before).map((r) => r.verified)).toEqual([false]);
  });

  it('retries after a 500 with a doubling delay, each attempt freshly signed, and succeeds', async () => {
    waits.length = 0;
    receiver.replies.push({ status: 500 }, { status: 503 });
    const before = receiver.received.length;
    const outcome = await deliver(config(), '{"n":1}', '43', options);
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 3, httpStatus: 200 });
    expect(waits).toEqual([100, 200]);
    expect(receiver.received.slice(before).every((r) => r.verified && r.headers['mofang-delivery'] === '43')).toBe(true);
  });

  it('gives up after the configured retries and keeps only a filtered reply', async () => {
    receiver.replies.push(...Array.from({ length: 3 }, () => ({ status: 500, body: 'down\u202e call 13800138000' })));
    const before = receiver.received.length;
    const outcome = await deliver(config(), '{}', '44', options);
    expect(outcome.outcome).toBe('failed');
    expect(outcome.attempts).toBe(3);
    expect(outcome.httpStatus).toBe(500);
    expect(outcome.detail).not.toContain('13800138000');
    expect(outcome.detail).not.toContain('\u202e');
    expect(receiver.received.length - before).toBe(3);
  });

  it('a receiver that is not listening fails every attempt with a connection error', async () => {
    const outcome = await deliver(config({ url: 'http://127.0.0.1:1/hook', retries: 1 }), '{}', '45', options);
    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 2, httpStatus: null });
    expect(outcome.detail).toMatch(/^connection failed/);
  });

  it('refuses a secret file others can read, or a short secret, before sending anything', async () => {
    const loose = join(dir, 'loose.secret');
    writeFileSync(loose, SECRET);
    chmodSync(loose, 0o644);
    const before = receiver.received.length;
    expect(await deliver(config({ secretFile: loose }), '{}', '46', options)).toMatchObject({
      outcome: 'failed',
      attempts: 0,
      detail: expect.stringMatching(/^SECRET_FILE_MODE/),
    });
    const short = join(dir, 'short.secret');
    writeFileSync(short, 'short', { mode: 0o600 });
    expect(await deliver(config({ secretFile: short }), '{}', '47', options)).toMatchObject({
      attempts: 0,
      detail: expect.stringMatching(/^WEBHOOK_SECRET_INVALID/),
    });
    expect(receiver.received.length).toBe(before);
  });

  it('requires https unless the host is loopback, naming the config key', () => {
    expect(() => checkWebhookUrl('http://alerts.example.com/hook', 'alerts.webhook.url')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field: 'alerts.webhook.url' } }),
    );
    expect(() => checkWebhookUrl('https://user:pw@alerts.example.com/', 'alerts.webhooks.ops.url')).toThrow(
      /alerts\.webhooks\.ops\.url: must not carry credentials/,
    );
    expect(() => checkWebhookUrl('not a url', 'alerts.webhook.url')).toThrow(/not a URL/);
    expect(checkWebhookUrl('https://alerts.example.com/hook', 'x').host).toBe('alerts.example.com');
    expect(checkWebhookUrl('http://127.0.0.1:9/hook', 'x').port).toBe('9');
    expect(checkWebhookUrl('http://[::1]:9/hook', 'x').port).toBe('9');
  });
});
