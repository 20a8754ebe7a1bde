/** The e-mail adapter against a real SMTP server (smtp-server), the received mail read back with mailparser. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../node/net/free-port.js';
import { type SmtpRelay, smtpRelay } from '../../test/support/smtp-relay.js';
import { until } from '../../test/support/until.js';
import type { ChannelAdapter } from './channel.js';
import { emailAdapter, type EmailOptions } from './email.js';
import { renderMessage } from './template.js';
import { verifyUnsubscribeToken } from './unsubscribe.js';

const UNSUBSCRIBE_SECRET = 'unsubscribe-secret-of-at-least-32-chars';
const template = { subject: 'A rate for {{ profile.first_name }}', body: '<p>Dear {{profile.first_name}}, {{event.offer}} until Friday.</p>' };
const variables = { 'profile.first_name': 'Li <Wei> & "co"', 'event.offer': '3.1% {{profile.first_name}}' };
const message = renderMessage({ key: 'j7.v2.noffer.e4711', to: 'li@example.com', template, variables }, 'email');

let relay: SmtpRelay;
let adapter: ChannelAdapter | undefined;
beforeEach(async () => {
  relay = await smtpRelay();
});
afterEach(async () => {
  await adapter?.close();
  adapter = undefined;
  await relay.close();
});

function email(overrides: Partial<EmailOptions> = {}): ChannelAdapter {
  adapter = emailAdapter({
    endpoint: relay.endpoint,
    from: 'Bank Offers <offers@bank.example>',
    requireTls: false,
    unsubscribe: { baseUrl: 'https://bank.example/unsubscribe?lang=zh', secret: UNSUBSCRIBE_SECRET, label: 'Unsubscribe' },
    connections: 2,
    timeoutMs: 2000,
    ...overrides,
  });
  return adapter;
}

describe('e-mail through SMTP', () => {
  it('delivers the rendered mail: subject, escaped HTML, Message-ID from the key, a working List-Unsubscribe', async () => {
    const result = await email().send(message);
    expect(result).toEqual({ status: 'sent', providerId: '<j7.v2.noffer.e4711@bank.example>' });
    const [mail] = relay.received;
    expect(mail.messageId).toBe('<j7.v2.noffer.e4711@bank.example>');
    expect(mail.subject).toBe('A rate for Li <Wei> & "co"');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('li@example.com');
    // Values are text: HTML-escaped in the HTML body, and a value's braces are never rendered again.
    expect(mail.html).toContain('<p>Dear Li &lt;Wei&gt; &amp; &quot;co&quot;, 3.1% {{profile.first_name}} until Friday.</p>');
    expect(mail.text).toContain('Dear Li <Wei> & "co", 3.1% {{profile.first_name}} until Friday.');

    // The raw header lines: mailparser folds the List-* headers into one parsed object.
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n\s+/g, ' ') ?? '';
    const link = /^List-Unsubscribe: <(https:\/\/[^\s<>]+)>$/.exec(header('list-unsubscribe'))?.[1] ?? '';
    const url = new URL(link);
    expect(url.searchParams.get('lang')).toBe('zh');
    expect(verifyUnsubscribeToken(UNSUBSCRIBE_SECRET, url.searchParams.get('token') ?? '')).toBe('j7.v2.noffer.e4711');
    expect(verifyUnsubscribeToken('another-secret-of-at-least-32-chars!!', url.searchParams.get('token') ?? '')).toBeNull();
    expect(mail.text).toContain(`Unsubscribe: ${link}`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    // No customer address in the link or the Message-ID.
    expect(link).not.toContain('li@example.com');
  });

  it('a 4xx reply is transient, a 5xx reply permanent, each with the relay text as a short excerpt', async () => {
    relay.replies.push({ code: 451, text: 'Greylisted, try later' }, { code: 550, text: 'Mailbox unavailable' });
    const mailer = email();
    expect(await mailer.send(message)).toEqual({ status: 'transient', reason: expect.stringMatching(/^SMTP 451: .*Greylisted/) });
    expect(await mailer.send(message)).toEqual({ status: 'permanent', reason: expect.stringMatching(/^SMTP 550: .*Mailbox unavailable/) });
  });

  it('a retry after a slow relay carries the same Message-ID: the first attempt landed late, and the far side can drop the second', async () => {
    relay.replies.push({ holdMs: 800 });
    const mailer = email({ timeoutMs: 300 });
    expect((await mailer.send(message)).status).toBe('transient');
    expect(await mailer.send(message)).toMatchObject({ status: 'sent' });
    await until('the held first attempt to land', () => relay.received.length === 2, { timeoutMs: 20_000 });
    expect(relay.received.map((m) => m.messageId)).toEqual(['<j7.v2.noffer.e4711@bank.example>', '<j7.v2.noffer.e4711@bank.example>']);
  });

  it('a relay slower than the timeout is transient', async () => {
    relay.replies.push({ holdMs: 1500 });
    expect(await email({ timeoutMs: 300 }).send(message)).toMatchObject({ status: 'transient' });
  });

  it('a closed port is transient', async () => {
    const port = await freePort();
    expect(await email({ endpoint: `smtp://127.0.0.1:${port}` }).send(message)).toEqual({ status: 'transient', reason: 'connection failed (ECONNREFUSED)' });
  });

  it('an endpoint that is not smtp:// or smtps://, or a From without an address, is refused when the adapter is built', () => {
    expect(() => email({ endpoint: 'http://127.0.0.1:25' })).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'endpoint' } }),
    );
    expect(() => email({ from: 'Bank' })).toThrow(expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'from' } }));
  });

  it('sends many at once over the pooled connections', async () => {
    const mailer = email();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => mailer.send({ ...message, key: `j7.v2.noffer.e${i}` })));
    expect(results.every((r) => r.status === 'sent')).toBe(true);
    expect(new Set(relay.received.map((m) => m.messageId)).size).toBe(20);
  });
});
