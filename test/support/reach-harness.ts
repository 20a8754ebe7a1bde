/**
 * Test support for what comes back after a send: a harness over real parts — a node database with a dataset and frequency control, a config
 * file with an e-mail and an SMS channel (secrets in 0600 files), the channels checked as the node
 * checks them, and the HTTP app listening on loopback with the public /v1/reach routes.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../node/config/load.js';
import { outboxLookup } from '../../node/journeys/engine/outbox-lookup.js';
import { outboxStore } from '../../node/journeys/engine/outbox-store.js';
import { idempotencyKey, type OutboxMessage } from '../../node/journeys/outbox.js';
import { freePort } from '../../node/net/free-port.js';
import { type CheckedChannel, checkChannels } from '../../node/reach/channels.js';
import { type RecordingFeedback, recordingFeedback } from './reach-feedback.js';
import { reachFeedbackRoutesOf } from '../../node/reach-wiring.js';
import { type ConsentFixture, consentFixture } from './frequency.js';
import { testApp, type TestApp } from './test-app.js';

const LINK_SECRET = 'unsubscribe-secret-0123456789-abcdefgh';
export const SMS_CALLBACK_SECRET = 'sms-callback-secret-0123456789-abcdef';
export const EMAIL_CALLBACK_SECRET = 'email-callback-secret-0123456789-abcd';

export interface ReachHarness {
  consent: ConsentFixture;
  api: TestApp;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  channels: CheckedChannel[];
  feedback: RecordingFeedback;
  /** Writes an outbox message for customer `customerId` of dataset `customers` on `channel`, entry `entry`; returns its key. */
  message(channel: 'email' | 'sms', entry: number, customerId?: string): string;
  /** Marks a message sent with this provider id, as the dispatcher does. */
  sent(key: string, providerId: string): void;
  close(): Promise<void>;
}

/** @example const h = await reachHarness({ smtp: relay.endpoint }); */
export async function reachHarness(options: { smtp: string; feedback?: Record<string, unknown>; tracking?: Record<string, unknown> }): Promise<ReachHarness> {
  const consent = await consentFixture({});
  const { fx } = consent;
  const dir = fx.dir;
  for (const [name, secret] of [
    ['unsubscribe.key', LINK_SECRET],
    ['sms-callback.key', SMS_CALLBACK_SECRET],
    ['email-callback.key', EMAIL_CALLBACK_SECRET],
  ]) {
    writeFileSync(join(dir, name), `${secret}\n`);
    chmodSync(join(dir, name), 0o600);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const file = join(dir, 'mofang.yaml');
  writeFileSync(
    file,
    stringify({
      node: { name: 'bank', dataDir: '.' },
      identity: { key: 'node.key', certificate: 'node.crt' },
      grpc: { listen: '127.0.0.1:1' },
      http: { listen: `127.0.0.1:${port}`, tokens: 'tokens.json' },
      peers: [],
      reach: {
        channels: {
          email: {
            contactColumn: 'email',
            endpoint: options.smtp,
            from: 'Bank Offers <offers@bank.example>',
            unsubscribe: { baseUrl: `${base}/v1/reach/unsubscribe`, secret: { file: './unsubscribe.key' } },
            tracking: { baseUrl: `${base}/v1/reach`, ...options.tracking },
            callbackSecret: { file: './email-callback.key' },
            timeoutMs: 2000,
          },
          sms: {
            contactColumn: 'mobile',
            endpoint: 'http://127.0.0.1:9/sms',
            credentials: { env: 'MOFANG_TEST_SMS_KEY' },
            callbackSecret: { file: './sms-callback.key' },
          },
          push: { contactColumn: 'token', endpoint: 'http://127.0.0.1:9/push', credentials: { env: 'MOFANG_TEST_SMS_KEY' } },
        },
        ...(options.feedback ? { feedback: options.feedback } : {}),
      },
    }),
  );
  const config = loadConfig(file);
  const channels = checkChannels(config.reach.channels, { userAgent: 'mofang-test', env: { MOFANG_TEST_SMS_KEY: 'sms-gateway-key-4711' } });
  const outbox = outboxStore(fx.db, () => fx.clock.now);
  const lookup = outboxLookup(fx.db);
  const feedback = recordingFeedback((key) => lookup.byKey(key) !== null);
  const api = await testApp({
    reachFeedback: reachFeedbackRoutesOf({ db: fx.db, audit: fx.audit, now: () => fx.clock.now, config, channels, feedback }),
  });
  await api.app.listen({ host: '127.0.0.1', port });
  return {
    consent,
    api,
    base,
    channels,
    feedback,
    message(channel, entry, customerId = 'c1') {
      const m: Omit<OutboxMessage, 'idempotencyKey'> = {
        journeyId: 7,
        journeyVersion: 2,
        nodeId: 'offer',
        entryId: entry,
        customer: { dataset: 'customers', customerId },
        channel,
        template: {
          subject: 'A rate for {{profile.first_name}}',
          body: '<p>Dear {{profile.first_name}}, <a href="https://bank.example/offer?x=1">see it</a>.</p>',
        },
        variables: { 'profile.first_name': 'Li' },
        scheduledAt: fx.clock.now.toISOString(),
        priority: 5,
        transactional: false,
        createdAt: fx.clock.now.toISOString(),
      };
      const key = idempotencyKey(m);
      outbox.write({ ...m, idempotencyKey: key });
      return key;
    },
    sent(key, providerId) {
      outbox.complete(key, { status: 'sent', providerId });
    },
    async close() {
      await api.close();
      consent.close();
    },
  };
}
