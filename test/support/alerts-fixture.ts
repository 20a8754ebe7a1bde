/**
 * Test support: one node's alerting on real parts — the insight fixture's SQLite file and signed
 * audit log, the pipeline wiring (DuckDB event store, analysis models, alerts service) and a real
 * HTTP receiver that verifies webhook signatures. Events are written into the store directly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertsService } from '../../node/alerts/service.js';
import type { WebhookConfig } from '../../node/alerts/webhook.js';
import { listAudit } from '../../node/audit/list.js';
import { EVENTS_TABLE } from '../../node/events/schema.js';
import type { EventStore } from '../../node/events/store.js';
import type { Pipeline } from '../../node/pipeline.js';
import { testPipeline } from './pipeline.js';
import { insightFixture, type InsightFixture } from './insight-fixture.js';
import { webhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'shared-secret-between-bank-and-its-alert-receiver';

export interface AlertsFixture {
  fx: InsightFixture;
  receiver: WebhookReceiver;
  /** The default webhook the pipeline posts to (the receiver). */
  webhook: WebhookConfig;
  pipeline: Pipeline;
  alerts: AlertsService;
  /** `n` events named `name` on `day` (10:00 UTC), each by its own customer c0…c(n-1). */
  track(name: string, day: string, n: number): Promise<void>;
  /** Sets the clock. */
  at(iso: string): void;
  /** The webhook bodies received, parsed, with whether each signature verified. */
  posted(): Record<string, unknown>[];
  /** Audit entries whose action starts with `prefix`, details parsed. */
  audited(prefix: string): { action: string; subject: string | null; details: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function alertsFixture(): Promise<AlertsFixture> {
  const fx = await insightFixture();
  const receiver = await webhookReceiver(WEBHOOK_SECRET);
  const secretFile = join(fx.dir, 'webhook.secret');
  writeFileSync(secretFile, WEBHOOK_SECRET, { mode: 0o600 });
  const webhook: WebhookConfig = { url: receiver.url, secretFile, timeoutMs: 2000, retries: 2, retryDelayMs: 10 };
  const pipeline = testPipeline({
    dir: fx.dir,
    db: fx.db,
    audit: fx.audit,
    now: () => fx.clock.now,
    insight: fx.insight,
    config: { alerts: { webhook, webhooks: {} } },
  });
  const events: EventStore = await pipeline.eventStore();
  let nextId = 0;
  return {
    fx,
    receiver,
    webhook,
    pipeline,
    alerts: pipeline.alerts,
    async track(name, day, n) {
      for (let i = 0; i < n; i++) {
        await events.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, $3, $4::TIMESTAMP, $4::TIMESTAMP, '{}')`, [
          `e${nextId++}`,
          `c${i}`,
          name,
          `${day} 10:00:00`,
        ]);
      }
    },
    at: (iso) => void (fx.clock.now = new Date(iso)),
    posted: () => receiver.received.map((r) => ({ verified: r.verified, ...(JSON.parse(r.body) as Record<string, unknown>) })),
    audited: (prefix) =>
      listAudit(fx.db, { limit: 1000 })
        .filter((e) => e.action.startsWith(prefix))
        .map((e) => ({ action: e.action, subject: e.subject, details: e.details })),
    async close() {
      pipeline.close();
      await receiver.close();
      fx.close();
    },
  };
}
