/**
 * Unsubscribe, opens and clicks end to end: a mail sent through the real e-mail adapter to a real
 * SMTP server, parsed with mailparser, its links followed with real HTTP requests to the node's
 * API; the opt-out checked in frequency control's consent and gate.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { renderMessage } from '../../adapters/channels/template.js';
import { attempt } from '../../test/support/frequency.js';
import { type ReachHarness, reachHarness } from '../../test/support/reach-harness.js';
import { type SmtpRelay, smtpRelay } from '../../test/support/smtp-relay.js';
import { openChannel } from './channels.js';

let relay: SmtpRelay;
let h: ReachHarness;
beforeEach(async () => {
  relay = await smtpRelay();
  h = await reachHarness({ smtp: relay.endpoint });
});
afterEach(async () => {
  await h.close();
  await relay.close();
});

/** Sends outbox message `key` to li@example.com through the configured e-mail channel; returns the mail as received. */
async function sendMail(key: string): Promise<ParsedMail> {
  const email = openChannel(h.channels.find((c) => c.channel === 'email')!);
  try {
    const message = renderMessage(
      {
        key,
        to: 'li@example.com',
        template: { subject: 'Offer', body: '<p>Dear {{profile.first_name}}, <a href="https://bank.example/offer?x=1&amp;y=2">see it</a>.</p>' },
        variables: { 'profile.first_name': 'Li' },
      },
      'email',
    );
    expect(await email.adapter.send(message)).toMatchObject({ status: 'sent' });
  } finally {
    await email.adapter.close();
  }
  return relay.received.at(-1)!;
}

const listUnsubscribe = (mail: ParsedMail) =>
  /<([^>]+)>/.exec(mail.headerLines.find((l) => l.key === 'list-unsubscribe')?.line.replace(/\r?\n\s+/g, ' ') ?? '')?.[1] ?? '';
const emailConsent = () =>
  h.consent.pipeline.frequency.consent.show('customers', 'c1', { id: 'test', role: 'operator' }).channels.find((c) => c.channel === 'email');
const nextEmail = () => h.consent.pipeline.frequency.gate.decide([attempt('2026-03-02T10:00:00Z', { channel: 'email', entryId: 99 })])[0];

describe('unsubscribe', () => {
  it('the List-Unsubscribe link shows a confirm page; the one-click POST opts the customer out of e-mail, and the next send is suppressed', async () => {
    const key = h.message('email', 1);
    const mail = await sendMail(key);
    const link = listUnsubscribe(mail);
    expect(link.startsWith(`${h.base}/v1/reach/unsubscribe?token=`)).toBe(true);
    expect(nextEmail()).toMatchObject({ kind: 'send' });

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    expect(text).toContain('退订');
    expect(text).toContain('Unsubscribe');
    expect(text).toContain('<form method="post"');
    expect(text).not.toContain('li@example.com');
    // Showing the page records nothing.
    expect(h.feedback.recorded).toEqual([]);
    expect(emailConsent()?.status).toBeNull();

    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the link.
    const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('已退订');
    expect(emailConsent()).toMatchObject({ status: 'opted_out', source: 'unsubscribe-link', updatedBy: 'system:reach' });
    expect(nextEmail()).toMatchObject({ kind: 'suppress', reason: 'opted_out' });
    expect(h.feedback.recorded).toEqual([{ key, outcome: 'unsubscribed', at: expect.any(Date) }]);
    expect(h.consent.audited('reach.')).toEqual([
      {
        action: 'reach.opted_out',
        actor: 'system:reach',
        subject: 'customers',
        details: { channel: 'email', source: 'unsubscribe-link', messages: 1, changed: 1 },
      },
    ]);

    // Idempotent: the confirm button pressed again changes nothing and records nothing new.
    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(h.feedback.recorded).toHaveLength(1);
    expect(h.consent.audited('reach.').at(-1)?.details).toMatchObject({ changed: 0 });
  });

  it('a forged or altered token is refused with 400 and a clear message; nothing is recorded', async () => {
    const key = h.message('email', 2);
    const link = new URL(listUnsubscribe(await sendMail(key)));
    const token = link.searchParams.get('token') ?? '';
    const otherKey = token.replace('.e2.', '.e3.');
    for (const forged of [otherKey, `${token.slice(0, -2)}xx`, 'j7.v2.noffer.e2', 'garbage']) {
      link.searchParams.set('token', forged);
      for (const method of ['GET', 'POST']) {
        const res = await fetch(link, { method });
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('This link is not valid');
      }
    }
    const missing = await fetch(`${h.base}/v1/reach/unsubscribe`, { method: 'POST' });
    expect(missing.status).toBe(400);
    expect(h.feedback.recorded).toEqual([]);
    expect(emailConsent()?.status).toBeNull();
    expect(h.consent.audited('reach.')).toEqual([]);
  });
});

describe('opens and clicks', () => {
  it('the pixel records opened; a tracked link records clicked and redirects to the signed target; an altered target is refused', async () => {
    const key = h.message('email', 4);
    const mail = await sendMail(key);
    const html = typeof mail.html === 'string' ? mail.html : '';
    const pixel = /<img src="([^"]+)"/.exec(html)?.[1].replace(/&amp;/g, '&') ?? '';
    const tracked = /href="([^"]+\/v1\/reach\/r\/[^"]+)"/.exec(html)?.[1].replace(/&amp;/g, '&') ?? '';

    const open = await fetch(pixel);
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toBe('image/gif');
    expect((await open.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const click = await fetch(tracked, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://bank.example/offer?x=1&y=2');
    expect(h.feedback.recorded.map((o) => [o.key, o.outcome])).toEqual([
      [key, 'opened'],
      [key, 'clicked'],
    ]);

    // The target is inside the signed token: swapping it breaks the mac.
    const token = tracked.slice(tracked.lastIndexOf('/') + 1);
    const mac = token.slice(token.lastIndexOf('.') + 1);
    const evil = `${Buffer.from(JSON.stringify([key, 'https://evil.example/login'])).toString('base64url')}.${mac}`;
    const refused = await fetch(`${h.base}/v1/reach/r/${evil}`, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.json()).toMatchObject({ error: { code: 'REACH_LINK_INVALID' } });
    // An unsubscribe token is no open token.
    const unsubscribeToken = new URL(listUnsubscribe(mail)).searchParams.get('token');
    expect((await fetch(`${h.base}/v1/reach/o/${unsubscribeToken}`)).status).toBe(400);
    expect(h.feedback.recorded).toHaveLength(2);
  });

  it('with opens and clicks off, the mail has no pixel and its links are as written', async () => {
    await h.close();
    h = await reachHarness({ smtp: relay.endpoint, tracking: { opens: false, clicks: false } });
    const html = (await sendMail(h.message('email', 5))).html || '';
    expect(html).not.toContain('<img');
    expect(html).not.toContain('/v1/reach/r/');
    expect(html).toContain('href="https://bank.example/offer?x=1&amp;y=2"');
  });

  it('the link routes are rate-limited per address', async () => {
    await h.close();
    h = await reachHarness({ smtp: relay.endpoint, feedback: { publicRatePerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${h.base}/v1/reach/o/garbage`)).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    const limited = await fetch(`${h.base}/v1/reach/unsubscribe?token=x`);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: 'REACH_RATE_LIMITED', message: expect.stringContaining('more than 3 requests a minute') } });
    // The routes are in the OpenAPI document, as public ones (the only public reach routes).
    const paths = ((await (await fetch(`${h.base}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> }).paths;
    expect(paths['/v1/reach/receipts/{channel}'].post.security).toEqual([]);
    expect(
      Object.keys(paths)
        .filter((p) => p.startsWith('/v1/reach/') && Object.values(paths[p]).every((op) => Array.isArray(op.security) && op.security.length === 0))
        .sort(),
    ).toEqual(['/v1/reach/o/{*}', '/v1/reach/r/{*}', '/v1/reach/receipts/{channel}', '/v1/reach/unsubscribe']);
  });
});
