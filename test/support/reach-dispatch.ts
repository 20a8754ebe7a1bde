/**
 * Test support for the reach dispatcher: a real node database (every migration), the engine's real
 * outbox store, consent under real frequency rules, and real channels from `checkChannels` pointed
 * at local gateways. The contact lookup is a map (the profile table is insight's, tested there);
 * the feedback port and the node's own channels are recording doubles, as their owners build them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../node/config/load.js';
import { openNodeDatabase } from '../../node/database.js';
import { AuditLog } from '../../node/audit/log.js';
import { listAudit } from '../../node/audit/list.js';
import type { Channel } from '../../node/journeys/components.js';
import { outboxStore } from '../../node/journeys/engine/outbox-store.js';
import { writeConsent } from '../../node/journeys/frequency/consent-store.js';
import { sendTimeConsent } from '../../node/journeys/frequency/consent-refusal.js';
import { frequencyRules } from '../../node/journeys/frequency/rules.js';
import { idempotencyKey, type OutboxMessage } from '../../node/journeys/outbox.js';
import { checkChannels, openChannel } from '../../node/reach/channels.js';
import { deadLetters } from '../../node/reach/dead-letters.js';
import type { ReachFeedback } from '../../node/reach/feedback.js';
import type { LocalChannel, LocalDelivery } from '../../node/reach/local-channel.js';
import { type DispatcherPorts, reachDispatcher } from '../../node/reach/dispatcher.js';
import type { Db } from '../../node/store/db.js';
import { createIdentity } from '../../node/identity/create-identity.js';

const WEBHOOK_SECRET = 'webhook-secret-0123456789-abcdefghij';

/** A node-kept channel that stores deliveries in memory and answers by key, as the staff channels will. */
export function recordingLocalChannel(
  channel: 'inbox' | 'call' | 'branch_task',
  refuse?: (d: LocalDelivery) => string | null,
): LocalChannel & { delivered: Map<string, LocalDelivery> } {
  const delivered = new Map<string, LocalDelivery>();
  return {
    channel,
    delivered,
    deliver(d) {
      const why = refuse?.(d);
      if (why) return { status: 'permanent', reason: why };
      if (!delivered.has(d.key)) delivered.set(d.key, d);
      return { status: 'sent', providerId: `${channel}-${[...delivered.keys()].indexOf(d.key) + 1}` };
    },
  };
}

export interface DispatchFixtureOptions {
  /** `reach.channels` of the node's config. */
  channels: Record<string, unknown>;
  dispatch?: Record<string, unknown>;
  consent?: Record<string, string>;
  contacts?: Record<string, string>;
  local?: LocalChannel[];
  feedback?: ReachFeedback;
  now?: () => Date;
}

export async function dispatchFixture(options: DispatchFixtureOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-dispatch-'));
  const db: Db = openNodeDatabase(join(dir, 'mofang.db'));
  const config = validateConfig({
    node: { name: 'bank', dataDir: dir },
    identity: { key: 'node.key', certificate: 'node.crt' },
    grpc: { listen: '127.0.0.1:1' },
    http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
    peers: [],
    journeys: { frequency: { consent: options.consent ?? {} } },
    reach: { channels: options.channels, dispatch: { pollMs: 20, ...options.dispatch } },
  });
  const now = options.now ?? (() => new Date());
  const outbox = outboxStore(db, now);
  const rules = frequencyRules(config.journeys.frequency, 'UTC');
  const opened = checkChannels(config.reach.channels, { userAgent: 'mofang-test', env: { MOFANG_TEST_SECRET: WEBHOOK_SECRET } }).map(openChannel);
  const contacts = new Map(Object.entries(options.contacts ?? {}));
  const sends: { channel: Channel; status: string }[] = [];
  const retries: Channel[] = [];
  const logged: string[] = [];
  const identity = await createIdentity(join(dir, 'identity'), 'bank');
  const audit = new AuditLog(db, identity, { headFile: join(dir, 'audit-head.json') });
  const ports: DispatcherPorts = {
    db,
    outbox,
    channels: new Map(opened.map((c) => [c.channel, c])),
    local: new Map((options.local ?? []).map((l) => [l.channel, l])),
    consent: sendTimeConsent(db, rules),
    contacts: async (_dataset, column, ids) =>
      column === 'missing' ? null : new Map(ids.flatMap((id) => (contacts.has(id) ? [[id, contacts.get(id)!]] : []))),
    nodeParams: () => ({ dueDays: 3 }),
    ...(options.feedback ? { feedback: options.feedback } : {}),
    metrics: { reachSent: (channel, status) => sends.push({ channel, status }), reachRetried: (channel) => retries.push(channel) },
    config: config.reach.dispatch,
    now,
    logger: { warn: (_o, msg) => logged.push(msg), error: (_o, msg) => logged.push(msg) },
  };
  let entry = 0;
  return {
    db,
    outbox,
    ports,
    sends,
    retries,
    logged,
    dispatcher: reachDispatcher(ports),
    deadLetters: deadLetters({ db, outbox, audit, now }),
    audit: () => listAudit(db, {}),
    /** Writes a message the engine decided, due now. */
    write(customerId: string, channel: Channel, overrides: Partial<OutboxMessage> = {}): string {
      entry++;
      const parts = { journeyId: 1, journeyVersion: 1, nodeId: 'send', entryId: entry, ...overrides };
      const m: OutboxMessage = {
        ...parts,
        idempotencyKey: idempotencyKey(parts),
        customer: { dataset: 'customers', customerId },
        channel,
        template: { subject: 'For {{profile.first_name}}', body: 'Hello {{profile.first_name}}' },
        variables: { 'profile.first_name': 'Li' },
        scheduledAt: new Date(now().getTime() - 1000).toISOString(),
        priority: 5,
        transactional: false,
        createdAt: now().toISOString(),
        ...overrides,
      };
      outbox.write(m);
      return m.idempotencyKey;
    },
    optOut(customerId: string, channel: Channel) {
      writeConsent(db, 'customers', [{ customerId, channel, status: 'opted_out', source: 'test' }], 'test', now().toISOString());
    },
    row(key: string) {
      return db.prepare('SELECT status, outcome, scheduled_at AS scheduledAt FROM journey_outbox WHERE idempotency_key = ?').get(key) as {
        status: string;
        outcome: string | null;
        scheduledAt: string;
      };
    },
    attempts(key: string) {
      return (db.prepare('SELECT attempts FROM reach_attempts WHERE idempotency_key = ?').pluck().get(key) as number | undefined) ?? 0;
    },
    async close() {
      await Promise.all(opened.map((c) => c.adapter.close()));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `reach.channels.webhook` sending to `url`, with the test secret from the environment. */
export const webhookChannel = (url: string, extra: Record<string, unknown> = {}) => ({
  webhook: { contactColumn: 'crm_id', endpoint: url, credentials: { env: 'MOFANG_TEST_SECRET' }, retryBaseMs: 10, retryCapMs: 20, ...extra },
});
