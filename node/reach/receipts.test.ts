/**
 * Provider status callbacks through the real HTTP API on loopback: the Mofang-Signature checked
 * (valid, invalid, stale, replayed), strict validation naming the field, unknown messages counted,
 * lookups by provider id, idempotent repeats, and hard e-mail bounces opting the address out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signature } from '../../adapters/channels/signature.js';
import { attempt } from '../../test/support/frequency.js';
import { EMAIL_CALLBACK_SECRET, type ReachHarness, reachHarness, SMS_CALLBACK_SECRET } from '../../test/support/reach-harness.js';
import { type SmtpRelay, smtpRelay } from '../../test/support/smtp-relay.js';

let relay: SmtpRelay;
let h: ReachHarness;
beforeEach(async () => {
  relay = await smtpRelay();
  h = await reachHarness({ smtp: relay.endpoint, feedback: { maxReceiptBatch: 3 } });
});
afterEach(async () => {
  await h.close();
  await relay.close();
});

const nowSeconds = () => Math.floor(h.consent.fx.clock.now.getTime() / 1000);

/** POSTs `body` to the channel's receipt route, signed with `secret` at `t` (the node's clock by default). */
async function callback(channel: string, body: unknown, options: { secret?: string; t?: number; header?: string } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const header = options.header ?? signature(options.secret ?? SMS_CALLBACK_SECRET, options.t ?? nowSeconds(), text);
  const res = await fetch(`${h.base}/v1/reach/receipts/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'mofang-signature': header },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const AT = '2026-03-01T11:59:00Z';

describe('provider receipts', () => {
  it('a signed batch records each known message once; unknown keys and provider ids are counted, not errors', async () => {
    const a = h.message('sms', 1);
    const b = h.message('sms', 2);
    h.sent(b, 'gw-777');
    const res = await callback('sms', [
      { key: a, status: 'delivered', at: AT },
      { providerId: 'gw-777', status: 'failed', at: AT, code: 'UNDELIV', reason: 'Handset  unreachable for 13800138000' },
      { key: 'j9.v1.nx.e1', status: 'delivered', at: AT },
    ]);
    expect(res).toEqual({ status: 200, json: { received: 3, recorded: 2, repeated: 0, unknown: 1 } });
    expect(h.feedback.recorded).toEqual([
      { key: a, outcome: 'delivered', at: new Date(AT) },
      { key: b, outcome: 'failed', at: new Date(AT), detail: 'undeliv' },
    ]);
    // Provider text is never kept: no outcome, no audit entry holds it.
    expect(JSON.stringify(h.feedback.recorded)).not.toContain('13800138000');
    expect(h.consent.audited('reach.receipts')).toEqual([
      {
        action: 'reach.receipts',
        actor: 'provider:sms',
        subject: 'sms',
        details: { received: 3, recorded: 2, repeated: 0, unknown: 1, delivered: 2, failed: 1 },
      },
    ]);
  });

  it('a repeated callback (signed afresh) is counted as repeated, and a message of another channel is unknown', async () => {
    const a = h.message('sms', 1);
    const e = h.message('email', 2);
    const body = [{ key: a, status: 'delivered', at: AT }];
    expect((await callback('sms', body)).json).toMatchObject({ recorded: 1, repeated: 0 });
    expect((await callback('sms', body, { t: nowSeconds() + 1 })).json).toMatchObject({ recorded: 0, repeated: 1 });
    expect((await callback('sms', { key: e, status: 'delivered', at: AT })).json).toMatchObject({ recorded: 0, unknown: 1 });
    expect(h.feedback.recorded).toHaveLength(1);
  });

  it('an invalid, missing, stale or replayed signature is refused and nothing is recorded', async () => {
    const a = h.message('sms', 1);
    const body = { key: a, status: 'delivered', at: AT };
    const wrong = await callback('sms', body, { secret: EMAIL_CALLBACK_SECRET });
    expect(wrong).toMatchObject({
      status: 401,
      json: { error: { code: 'REACH_CALLBACK_UNAUTHENTICATED', message: expect.stringContaining('does not verify') } },
    });
    expect((await callback('sms', body, { header: 'sha256=abc' })).json.error?.message).toContain('missing or malformed');
    const stale = await callback('sms', body, { t: nowSeconds() - 301 });
    expect(stale).toMatchObject({ status: 401, json: { error: { message: expect.stringContaining('more than 300 s') } } });
    // The body altered after signing.
    const signed = signature(SMS_CALLBACK_SECRET, nowSeconds(), JSON.stringify(body));
    expect((await callback('sms', { ...body, status: 'replied' }, { header: signed })).status).toBe(401);
    expect(h.feedback.calls).toBe(0);

    const first = await callback('sms', body, { header: signed });
    expect(first.status).toBe(200);
    const replay = await callback('sms', body, { header: signed });
    expect(replay).toMatchObject({ status: 409, json: { error: { code: 'REACH_CALLBACK_REPLAYED' } } });
    expect(h.feedback.calls).toBe(1);
    // A channel without a callbackSecret refuses callbacks; one not configured is not found.
    expect((await callback('push', body)).json.error?.message).toContain('reach.channels.push.callbackSecret is not configured');
    expect((await callback('wechat', body)).status).toBe(404);
  });

  it('a malformed receipt fails the whole callback naming the receipt and field; a batch over the limit is refused', async () => {
    const a = h.message('sms', 1);
    const ok = { key: a, status: 'delivered', at: AT };
    const cases: [unknown, string][] = [
      ['not json', 'body: is not JSON'],
      [[ok, { ...ok, status: 'read' }], 'receipts[1].status: must be one of delivered, failed, bounced, opened, clicked, replied'],
      [{ status: 'delivered', at: AT }, 'receipts[0].key: give exactly one of key and providerId'],
      [{ ...ok, providerId: 'x' }, 'receipts[0].key: give exactly one'],
      [{ ...ok, key: 'customer-13800138000' }, 'receipts[0].key: must be an outbox key'],
      [{ ...ok, at: 'yesterday' }, 'receipts[0].at: must be an ISO 8601 date-time'],
      [{ ...ok, at: '2026-03-02T12:00:00Z' }, 'receipts[0].at: lies in the future'],
      [{ ...ok, bounce: 'hard' }, 'receipts[0].bounce: hard or soft, with status bounced only'],
      [{ ...ok, phone: '13800138000' }, 'receipts[0].phone: unknown field'],
      [[], 'body: holds no receipt'],
    ];
    for (const [body, message] of cases) {
      const res = await callback('sms', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'REACH_RECEIPT_INVALID', message: expect.stringContaining(message) });
      expect(res.json.error?.message).not.toContain('13800138000');
    }
    const big = await callback('sms', [ok, ok, ok, ok]);
    expect(big).toMatchObject({
      status: 413,
      json: { error: { code: 'REACH_RECEIPT_BATCH_TOO_LARGE', message: 'body: 4 receipts, more than the limit of 3' } },
    });
    expect(h.feedback.calls).toBe(0);
  });

  it('a hard e-mail bounce records bounced and opts the address out, so it is not mailed again; a soft one does not', async () => {
    const hard = h.message('email', 1, 'c1');
    h.sent(hard, '<j7.v2.noffer.e1@bank.example>');
    const soft = h.message('email', 2, 'c2');
    const res = await callback(
      'email',
      [
        { providerId: '<j7.v2.noffer.e1@bank.example>', status: 'bounced', bounce: 'hard', code: '5.1.1', at: AT },
        { key: soft, status: 'bounced', bounce: 'soft', at: AT },
      ],
      { secret: EMAIL_CALLBACK_SECRET },
    );
    expect(res.json).toEqual({ received: 2, recorded: 2, repeated: 0, unknown: 0 });
    expect(h.feedback.recorded.map((o) => [o.key, o.outcome, o.detail])).toEqual([
      [hard, 'bounced', 'hard:5.1.1'],
      [soft, 'bounced', 'soft'],
    ]);
    const gate = h.consent.pipeline.frequency.gate;
    const [c1, c2] = gate.decide([
      attempt('2026-03-02T10:00:00Z', { channel: 'email', customerId: 'c1', entryId: 10 }),
      attempt('2026-03-02T10:00:00Z', { channel: 'email', customerId: 'c2', entryId: 11 }),
    ]);
    expect(c1).toMatchObject({ kind: 'suppress', reason: 'opted_out' });
    expect(c2).toMatchObject({ kind: 'send' });
    const shown = h.consent.pipeline.frequency.consent.show('customers', 'c1', { id: 'test', role: 'operator' });
    expect(shown.channels.find((c) => c.channel === 'email')).toMatchObject({ status: 'opted_out', source: 'hard-bounce' });
    expect(h.consent.audited('reach.opted_out')).toEqual([
      { action: 'reach.opted_out', actor: 'system:reach', subject: 'customers', details: { channel: 'email', source: 'hard-bounce', messages: 1, changed: 1 } },
    ]);
  });
});
