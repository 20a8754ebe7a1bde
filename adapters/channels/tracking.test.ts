/** Open and click tracking: the HTML rewritten through a real SMTP relay, and the tokens' integrity. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SmtpRelay, smtpRelay } from '../../test/support/smtp-relay.js';
import type { ChannelAdapter } from './channel.js';
import { emailAdapter } from './email.js';
import { renderMessage } from './template.js';
import { trackedHtml, type TrackingOptions, verifyClickToken, verifyOpenToken } from './tracking.js';

const SECRET = 'tracking-secret-of-at-least-32-characters';
const KEY = 'j7.v2.noffer.e4711';
const tracking: TrackingOptions = { baseUrl: 'https://mail.bank.example/v1/reach/', secret: SECRET, opens: true, clicks: true };
const body =
  '<p>Dear {{profile.first_name}}, <a href="https://bank.example/offer?a=1&amp;b=2">see the offer</a> or <a href=\'mailto:help@bank.example\'>write</a>.</p>';

const tokenOf = (url: string, kind: 'o' | 'r') => new RegExp(`/v1/reach/${kind}/([^"/]+)$`).exec(url)?.[1] ?? '';

describe('open and click tracking', () => {
  it('rewrites http(s) links to signed redirects holding the decoded target, leaves other links, and appends the pixel', () => {
    const html = trackedHtml(body, KEY, tracking);
    const [href] = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(href.startsWith('https://mail.bank.example/v1/reach/r/')).toBe(true);
    expect(verifyClickToken(SECRET, tokenOf(href, 'r'))).toEqual({ key: KEY, target: 'https://bank.example/offer?a=1&b=2' });
    expect(html).toContain("href='mailto:help@bank.example'");
    const pixel = /<img src="([^"]+)" width="1" height="1" alt="">$/.exec(html)?.[1] ?? '';
    expect(verifyOpenToken(SECRET, tokenOf(pixel, 'o'))).toBe(KEY);
  });

  it('each can be turned off: no pixel, or links left as written', () => {
    expect(trackedHtml(body, KEY, { ...tracking, opens: false })).not.toContain('<img');
    const noClicks = trackedHtml(body, KEY, { ...tracking, clicks: false });
    expect(noClicks).toContain('href="https://bank.example/offer?a=1&amp;b=2"');
    expect(noClicks).toContain('/v1/reach/o/');
  });

  it('an altered target, a token of another purpose or secret, or a non-http target is refused', () => {
    const href = /href="([^"]+)"/.exec(trackedHtml(body, KEY, tracking))?.[1] ?? '';
    const token = tokenOf(href, 'r');
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify([KEY, 'https://evil.example/'])).toString('base64url');
    expect(verifyClickToken(SECRET, `${forged}.${mac}`)).toBeNull();
    expect(verifyClickToken('another-secret-of-at-least-32-characters', token)).toBeNull();
    expect(verifyClickToken(SECRET, `${payload}.${mac.slice(0, -1)}A`)).toBeNull();
    // An open token is no click token, and the reverse.
    const pixel = tokenOf(/<img src="([^"]+)"/.exec(trackedHtml(body, KEY, tracking))?.[1] ?? '', 'o');
    expect(verifyClickToken(SECRET, pixel)).toBeNull();
    expect(verifyOpenToken(SECRET, token)).toBeNull();
    expect(verifyClickToken(SECRET, 'garbage')).toBeNull();
  });

  describe('through the e-mail adapter', () => {
    let relay: SmtpRelay;
    let adapter: ChannelAdapter;
    beforeEach(async () => {
      relay = await smtpRelay();
    });
    afterEach(async () => {
      await adapter.close();
      await relay.close();
    });

    it('the mail as received holds the tracked links and the pixel; the unsubscribe link and the text body are not rewritten', async () => {
      adapter = emailAdapter({
        endpoint: relay.endpoint,
        from: 'Bank <offers@bank.example>',
        requireTls: false,
        unsubscribe: { baseUrl: 'https://bank.example/unsubscribe', secret: 'unsubscribe-secret-of-at-least-32-chars', label: 'Unsubscribe' },
        tracking,
        connections: 1,
        timeoutMs: 2000,
      });
      const message = renderMessage(
        { key: KEY, to: 'li@example.com', template: { subject: 'Offer', body }, variables: { 'profile.first_name': 'Li' } },
        'email',
      );
      expect(await adapter.send(message)).toMatchObject({ status: 'sent' });
      const [mail] = relay.received;
      const html = typeof mail.html === 'string' ? mail.html : '';
      const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
      expect(links[0]).toMatch(/^https:\/\/mail\.bank\.example\/v1\/reach\/r\//);
      expect(links.at(-1)).toMatch(/^https:\/\/bank\.example\/unsubscribe\?token=/);
      expect(html).toMatch(/<img src="https:\/\/mail\.bank\.example\/v1\/reach\/o\/[^"]+" width="1" height="1" alt="">/);
      expect(mail.text).not.toContain('/v1/reach/r/');
    });
  });
});
