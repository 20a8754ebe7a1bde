/**
 * Crash safety of the reach dispatcher with real processes: a running `mofang start` drains 1,000
 * outbox messages through the webhook channel to a real HTTP gateway that, like real providers,
 * accepts each Idempotency-Key once and drops a repeat. Part-way, the gateway accepts messages but
 * holds its replies — sent, never recorded by the node — and the node is killed with SIGKILL. After
 * the restart every message ends `sent`, the held ones were sent again with the same key, and the
 * gateway accepted every key exactly once: nobody got a message twice, nothing was lost.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MofangNode } from '../node/node.js';
import { idempotencyKey } from '../node/journeys/outbox.js';
import { type GatewayServer, gatewayServer } from './support/gateway-server.js';
import { createNodes, mofang, mofangAsync, peekDb, type NodeProcess } from './support/node-processes.js';
import { until } from './support/until.js';

const MESSAGES = 1000;
/** Keys accepted with a normal reply before the gateway starts holding its replies. */
const ANSWERED = 300;
/** Keys accepted with the reply held (sent, not recorded) before the kill: fewer than the sends in flight. */
const HELD = 10;
const SECRET = 'webhook-secret-0123456789-abcdefghij';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
let gateway: GatewayServer;
/** Requests per key, and the keys the gateway took in (each is one message to a customer). */
const requests = new Map<string, number>();
const accepted: string[] = [];
/** Before the kill the gateway answers the first ANSWERED keys, then holds its replies; after the restart it answers again. */
let phase: 'before' | 'restarted' = 'before';

beforeAll(async () => {
  gateway = await gatewayServer((request) => {
    const key = String(request.headers['idempotency-key']);
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (requests.get(key)! > 1) return { status: 200, body: '{"id":"duplicate dropped"}' }; // a repeat: dropped, answered as the first
    accepted.push(key);
    return phase === 'before' && accepted.length > ANSWERED ? { hold: true } : { status: 200, body: `{"id":"m-${accepted.length}"}` };
  });
  cluster = await createNodes(['bank'], (doc) => {
    doc.setIn(['reach', 'channels', 'webhook'], {
      contactColumn: 'crm_id',
      endpoint: gateway.url,
      credentials: { file: './webhook.key' },
      rate: 100_000,
      burst: 1000,
      concurrency: 16,
      timeoutMs: 60_000,
    });
    doc.setIn(['reach', 'dispatch'], { batch: 50, leaseMs: 2000, pollMs: 50, concurrency: 16 });
  });
  bank = cluster.nodes[0];
  const secretFile = join(bank.config, '..', 'webhook.key');
  writeFileSync(secretFile, SECRET);
  chmodSync(secretFile, 0o600);
  const csv = join(cluster.dir, 'customers.csv');
  writeFileSync(csv, `id,crm_id\n${Array.from({ length: MESSAGES }, (_, i) => `c${i},crm-${i}`).join('\n')}\n`);
  const imported = mofang(bank.config, 'import', csv, '--dataset', 'customers', '--id', 'id:raw');
  if (imported.code !== 0) throw new Error(imported.err);
  // The rows as the journey engine writes them, through its outbox writer.
  const node = MofangNode.open(bank.config, { quietLogs: true, metrics: false });
  try {
    const at = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < MESSAGES; i++) {
      const parts = { journeyId: 1, journeyVersion: 1, nodeId: 'hello', entryId: i + 1 };
      node.pipeline.journeyEngine.outbox.write({
        ...parts,
        idempotencyKey: idempotencyKey(parts),
        customer: { dataset: 'customers', customerId: `c${i}` },
        channel: 'webhook',
        template: { body: 'Hello, a message for you' },
        variables: {},
        scheduledAt: at,
        priority: 5,
        transactional: false,
        createdAt: at,
      });
    }
  } finally {
    node.close();
  }
}, 120_000);
afterAll(async () => {
  await cluster?.cleanup();
  await gateway?.close();
});

const count = (sql: string) => peekDb<{ n: number }>(bank, sql)?.n ?? 0;

describe('kill -9 of a running node in the middle of a dispatch', () => {
  it('after a restart every message is sent, and the gateway accepted every key exactly once', async () => {
    await bank.start();
    await until('the held replies', () => accepted.length >= ANSWERED + HELD, { timeoutMs: 120_000, everyMs: 10 });
    await bank.kill('SIGKILL');
    const held = accepted.slice(ANSWERED);
    // Sent but not recorded: the node died before the gateway answered.
    expect(held.every((k) => peekDb<{ status: string }>(bank, 'SELECT status FROM journey_outbox WHERE idempotency_key = ?', k)?.status !== 'sent')).toBe(true);
    expect(count("SELECT count(*) AS n FROM journey_outbox WHERE status = 'sent'")).toBeLessThan(MESSAGES);

    phase = 'restarted';
    await bank.start();
    await until('every message sent', () => count("SELECT count(*) AS n FROM journey_outbox WHERE status = 'sent'") === MESSAGES, { timeoutMs: 180_000 });
    await bank.kill('SIGTERM');

    expect(accepted).toHaveLength(MESSAGES);
    expect(new Set(accepted).size).toBe(MESSAGES);
    const keys = new Set(Array.from({ length: MESSAGES }, (_, i) => `j1.v1.nhello.e${i + 1}`));
    expect(accepted.every((k) => keys.has(k))).toBe(true);
    // The held ones came again with the same key after the restart, and were dropped as repeats.
    expect(held.every((k) => requests.get(k)! >= 2)).toBe(true);
    expect(count("SELECT count(*) AS n FROM journey_outbox WHERE status <> 'sent'")).toBe(0);
  }, 400_000);

  it('refuses to start when a channel credential cannot be resolved, naming the channel and field', async () => {
    const secretFile = join(bank.config, '..', 'webhook.key');
    chmodSync(secretFile, 0o644);
    try {
      const r = await mofangAsync(bank.config, 'start');
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('reach.channels.webhook.credentials');
      expect(r.err).toContain('CHANNEL_CREDENTIAL_INVALID');
      expect(r.err).not.toContain(SECRET);
    } finally {
      chmodSync(secretFile, 0o600);
    }
  }, 60_000);
});
