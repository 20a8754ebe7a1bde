/**
 * The whole loop with two real nodes, driven as an operator drives it: `mofang` commands and the
 * HTTP API of two node processes (gRPC with mutual TLS between them, SQLite and DuckDB files), a
 * webhook receiver and an SMTP relay started here. The bank enriches its customers with the
 * telco's membership under an agreement, builds a segment on that joint attribute, and publishes
 * a journey that sends each member one message — e-mail or a signed webhook, by the customer's
 * preference. The dispatcher sends them; the webhook provider's signed delivery receipts and the
 * customers' e-mail opens come back, then deposits arrive through the events API. The campaign
 * report must count exactly what the test caused: entered, sent, delivered, opened, converted,
 * value, cost and ROI, per channel and in total; and /metrics times each receipt from its send.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signature } from '../adapters/channels/signature.js';
import { agreeByCli, createNodes, mofangAsync, mofangJsonAsync, type NodeProcess, peekDb, waitForHealth } from './support/node-processes.js';
import { type SmtpRelay, smtpRelay } from './support/smtp-relay.js';
import { until } from './support/until.js';
import { type WebhookReceiver, webhookReceiver } from './support/webhook-receiver.js';

const WEBHOOK_SECRET = 'loop-webhook-secret-0123456789-abcdefgh';
const CALLBACK_SECRET = 'loop-callback-secret-0123456789-abcdefg';
const LINK_SECRET = 'loop-link-secret-0123456789-abcdefghijk';
const SECRETS = { MOFANG_LOOP_WEBHOOK: WEBHOOK_SECRET, MOFANG_LOOP_CALLBACK: CALLBACK_SECRET, MOFANG_LOOP_LINKS: LINK_SECRET };
const WEBHOOK_COST = 0.5;
const EMAIL_COST = 0.2;

/** Bank customer i: phone, CRM id (the webhook's contact), e-mail address. Customers 0–15 are the telco's too; 0–5 prefer e-mail. */
const phone = (i: number) => `1380013${String(i).padStart(4, '0')}`;
const BANK = 30;
const MEMBERS = 16;
const MAIL_MEMBERS = 6;
const prefersMail = (i: number) => (i < MEMBERS ? i < MAIL_MEMBERS : i % 2 === 0);

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
let telco: NodeProcess;
let receiver: WebhookReceiver;
let relay: SmtpRelay;
let operatorToken: string;
let complianceToken: string;

const api = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
  const res = await fetch(`${bank.httpUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.token ?? operatorToken}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
};

beforeAll(async () => {
  Object.assign(process.env, SECRETS); // the node processes inherit the environment their credentials name
  receiver = await webhookReceiver(WEBHOOK_SECRET);
  relay = await smtpRelay();
  cluster = await createNodes(['bank', 'telco'], (doc) => {
    const base = `http://${doc.getIn(['http', 'listen'])}/v1/reach`;
    doc.setIn(['events', 'identifierKind'], 'phone');
    doc.setIn(['journeys', 'tickMs'], 100);
    doc.setIn(['reach', 'dispatch'], { pollMs: 50 });
    doc.setIn(['reach', 'attribution', 'valueProperty'], 'amount');
    doc.setIn(['reach', 'channels'], {
      webhook: {
        contactColumn: 'crm_id',
        endpoint: receiver.url,
        credentials: { env: 'MOFANG_LOOP_WEBHOOK' },
        callbackSecret: { env: 'MOFANG_LOOP_CALLBACK' },
        costPerMessage: WEBHOOK_COST,
      },
      email: {
        contactColumn: 'email',
        endpoint: relay.endpoint,
        from: 'Bank Offers <offers@bank.example>',
        unsubscribe: { baseUrl: `${base}/unsubscribe`, secret: { env: 'MOFANG_LOOP_LINKS' } },
        tracking: { baseUrl: base, clicks: false },
        costPerMessage: EMAIL_COST,
      },
    });
  });
  [bank, telco] = cluster.nodes;
  const bankCsv = join(cluster.dir, 'customers.csv');
  const rows = Array.from({ length: BANK }, (_, i) => `${phone(i)},crm-${phone(i)},${phone(i)}@mail.example,Name${i},${prefersMail(i) ? 'mail' : 'hook'}`);
  writeFileSync(bankCsv, `phone,crm_id,email,first_name,pref\n${rows.join('\n')}\n`);
  const telcoCsv = join(cluster.dir, 'subscribers.csv');
  const subscribers = [...Array.from({ length: MEMBERS }, (_, i) => phone(i)), ...Array.from({ length: 4 }, (_, i) => `1390013${String(i).padStart(4, '0')}`)];
  writeFileSync(telcoCsv, `phone\n${subscribers.join('\n')}\n`);
  const plan = join(cluster.dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({ undeclared: 'reject', events: { 'deposit.made': { properties: { amount: { type: 'number', required: true } } } } }));
  // Without blocking this worker: a long synchronous spawn on a loaded machine starves its link to the test runner.
  const done = await Promise.all([
    mofangAsync(bank.config, 'import', bankCsv, '--dataset', 'customers', '--id', 'phone:phone'),
    mofangAsync(telco.config, 'import', telcoCsv, '--dataset', 'subscribers', '--id', 'phone:phone'),
  ]);
  done.push(await mofangAsync(bank.config, 'plan', 'apply', plan));
  for (const r of done) if (r.code !== 0) throw new Error(r.err);
  const token = async (role: string) =>
    (await mofangJsonAsync<{ token: string }>(bank.config, 'token', 'create', '--name', `loop-${role}`, '--role', role)).token;
  operatorToken = await token('operator');
  complianceToken = await token('compliance');
  // A loaded machine can take longer to bring a node up than start() waits: keep waiting for its health.
  for (const n of [bank, telco]) await n.start().catch(() => waitForHealth(n.httpUrl));
}, 240_000);

afterAll(async () => {
  await cluster?.cleanup();
  await receiver?.close();
  await relay?.close();
});

/** Polls an async probe until it returns something truthy. */
async function eventually<T>(what: string, probe: () => Promise<T | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The customer index a webhook or a mail went to. */
const webhookCustomer = (body: string) => Number((JSON.parse(body) as { to: string }).to.slice(-4));
const mailCustomer = (mail: ParsedMail) => {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return Number(to!.value[0].address!.slice(7, 11));
};

describe('the full loop: joint enrich → segment → journey → two channels → receipts and conversions → report', () => {
  it('reports exactly what the campaign caused, per channel and in total', async () => {
    // Joint enrich under an agreement: the bank learns which of its customers the telco also has.
    const agreement = agreeByCli(bank, telco, 'customers', 'subscribers', 'enrich');
    const job = await api('/v1/jobs', { body: { kind: 'enrich', agreementIds: [agreement] } });
    const done = await eventually('the enrich job', async () => {
      const j = await api(`/v1/jobs/${job.id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) && j;
    });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded', result: { count: MEMBERS } });

    // A segment on the joint attribute, and a journey over it: e-mail or webhook by preference; a deposit is its goal.
    const segment = await api('/v1/insight/segments', {
      body: { name: 'telco-members', dataset: 'customers', rule: { attr: 'partner:telco:member', op: 'eq', value: true } },
    });
    expect(segment.latest.size).toBe(MEMBERS);
    const graph = {
      dataset: 'customers',
      nodes: [
        {
          id: 'start',
          type: 'segment_entry',
          params: { segment: 'telco-members', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
          next: { out: 'route' },
        },
        {
          id: 'route',
          type: 'attribute_split',
          params: { branches: [{ key: 'mail', conditions: [{ attribute: 'pref', op: 'eq', value: 'mail' }] }] },
          next: { mail: 'mail', else: 'hook' },
        },
        {
          id: 'mail',
          type: 'reach',
          params: { channel: 'email', template: { subject: 'Your deposit offer', body: 'Hello {{profile.first_name}}, 3 % on a new deposit.' } },
        },
        { id: 'hook', type: 'reach', params: { channel: 'webhook', template: { body: 'Hello {{profile.first_name}}, 3 % on a new deposit.' } } },
        { id: 'deposit', type: 'goal', params: { event: { event: 'deposit.made' } } },
      ],
    };
    const { journey } = await api('/v1/journeys', { body: { name: 'deposit-offer', graph } });
    await api(`/v1/journeys/${journey.id}/publish`, { body: {} });

    // The dispatcher sends one message to each member, on the channel the member prefers.
    await until('every message sent', () => receiver.received.length + relay.received.length >= MEMBERS, { timeoutMs: 30_000, everyMs: 50 });
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const hooked = receiver.received.map((r) => webhookCustomer(r.body)).sort((a, b) => a - b);
    const mailed = relay.received.map(mailCustomer).sort((a, b) => a - b);
    expect(hooked).toEqual(Array.from({ length: MEMBERS - MAIL_MEMBERS }, (_, i) => MAIL_MEMBERS + i));
    expect(mailed).toEqual(Array.from({ length: MAIL_MEMBERS }, (_, i) => i));
    const report = () => api(`/v1/reach/reports/journeys/${journey.id}`);
    await eventually('the ledger holds every send', async () => (await report()).totals.sent === MEMBERS).catch(async (err: Error) => {
      const state = {
        report: (await report()).totals,
        outbox: peekDb(bank, "SELECT group_concat(status || ':' || n) AS s FROM (SELECT status, count(*) AS n FROM journey_outbox GROUP BY status)"),
        ledger: peekDb(bank, "SELECT group_concat(outcome || ':' || n) AS s FROM (SELECT outcome, count(*) AS n FROM reach_outcomes GROUP BY outcome)"),
        queued: peekDb(bank, 'SELECT count(*) AS n FROM reach_feedback_queue'),
      };
      throw new Error(`${err.message}: ${JSON.stringify(state)}`);
    });

    // The webhook provider reports 8 of its 10 messages delivered, signed; 4 of the 6 mails are opened.
    const keyOf = new Map(receiver.received.map((r) => [webhookCustomer(r.body), (JSON.parse(r.body) as { key: string }).key]));
    const delivered = [6, 7, 8, 9, 10, 11, 12, 13].map((i) => ({ key: keyOf.get(i), status: 'delivered', at: new Date().toISOString() }));
    const body = JSON.stringify(delivered);
    const callback = await fetch(`${bank.httpUrl}/v1/reach/receipts/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mofang-signature': signature(CALLBACK_SECRET, Math.floor(Date.now() / 1000), body) },
      body,
    });
    expect(await callback.json()).toEqual({ received: 8, recorded: 8, repeated: 0, unknown: 0 });
    for (const mail of relay.received.filter((m) => mailCustomer(m) < 4)) {
      const pixel = /<img[^>]+src="([^"]+\/o\/[^"]+)"/.exec(String(mail.html))?.[1];
      expect(pixel).toBeDefined();
      expect((await fetch(pixel!.replaceAll('&amp;', '&'))).status).toBe(200);
    }

    // Deposits come in through the events API: three webhook customers, two mailed ones, and one customer outside the campaign.
    const deposits: [number, number][] = [
      [6, 100],
      [7, 200],
      [8, 300],
      [0, 50],
      [1, 150],
      [20, 999],
    ];
    const time = new Date().toISOString();
    const ingested = await api('/v1/events', {
      body: { events: deposits.map(([i, amount]) => ({ eventId: `deposit-${i}`, customerId: phone(i), name: 'deposit.made', time, properties: { amount } })) },
    });
    expect(ingested).toMatchObject({ accepted: deposits.length });

    const r = await report();
    const webhookCost = (MEMBERS - MAIL_MEMBERS) * WEBHOOK_COST; // 10 × 0.5 = 5
    const emailCost = MAIL_MEMBERS * EMAIL_COST; // 6 × 0.2 = 1.2
    expect(r.goals).toEqual({ total: 6, direct: 1 });
    expect(r.totals).toMatchObject({
      entered: MEMBERS,
      sent: MEMBERS,
      delivered: 8,
      opened: 4,
      failed: 0,
      dead: 0,
      converted: 5,
      conversionValue: 800,
      value: 800,
    });
    expect(r.totals.cost).toBeCloseTo(webhookCost + emailCost, 9);
    expect(r.totals.roi).toBeCloseTo((800 - 6.2) / 6.2, 9);
    const channel = (name: string) => r.channels.find((c: { channel: string }) => c.channel === name);
    expect(channel('webhook')).toMatchObject({
      entered: 10,
      sent: 10,
      delivered: 8,
      opened: 0,
      converted: 3,
      conversionValue: 600,
      cost: webhookCost,
      roi: (600 - 5) / 5,
    });
    expect(channel('email')).toMatchObject({ entered: 6, sent: 6, delivered: 0, opened: 4, converted: 2, conversionValue: 200 });
    expect(channel('email').cost).toBeCloseTo(emailCost, 9);
    expect(channel('email').roi).toBeCloseTo((200 - 1.2) / 1.2, 9);
    expect(Object.values(r.totals.suppressed).every((n) => n === 0)).toBe(true);

    // The CLI reads the same report from the running node.
    const cli = await mofangJsonAsync(bank.config, 'reach', 'report', 'deposit-offer');
    expect(cli.totals).toEqual(r.totals);

    // Each receipt was timed from its message's send.
    const metrics = (await api('/metrics', { token: complianceToken })) as string;
    expect(metrics).toMatch(/^mofang_reach_receipt_lag_seconds_count\{channel="webhook",receipt="delivered"\} 8$/m);
    expect(metrics).toMatch(/^mofang_reach_receipt_lag_seconds_count\{channel="email",receipt="opened"\} 4$/m);
    expect(metrics).toMatch(/^mofang_reach_sends_total\{channel="webhook",status="sent"\} 10$/m);
  }, 120_000);
});
