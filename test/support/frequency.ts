/**
 * Test support: frequency control over a real node database file (every migration applied), with
 * rules compiled from a `journeys.frequency` config section exactly as the node loads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../node/config/load.js';
import { openNodeDatabase } from '../../node/database.js';
import { type FrequencyRules, frequencyRules } from '../../node/journeys/frequency/rules.js';
import type { SendAttempt } from '../../node/journeys/frequency/gate.js';
import type { Db } from '../../node/store/db.js';
import { listAudit } from '../../node/audit/list.js';
import type { Pipeline } from '../../node/pipeline.js';
import { insightFixture, type InsightFixture } from './insight-fixture.js';
import { testPipeline } from './pipeline.js';

/** The rules of a node whose config has this `journeys.frequency` section (and events.timeZone UTC). */
export function rulesFor(frequency: Record<string, unknown>): FrequencyRules {
  const config = validateConfig({
    node: { name: 'bank', dataDir: '/tmp/unused' },
    identity: { key: 'node.key', certificate: 'node.crt' },
    grpc: { listen: '127.0.0.1:1' },
    http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
    peers: [],
    journeys: { frequency },
  });
  return frequencyRules(config.journeys.frequency, config.events.timeZone);
}

/** A fresh node database in a temporary directory; `close()` removes it. */
export function frequencyDb(): { db: Db; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-frequency-'));
  const db = openNodeDatabase(join(dir, 'mofang.db'));
  return {
    db,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A marketing SMS attempt of journey 1 for customer `c1` at `at`; `fields` override. */
export function attempt(at: string, fields: Partial<SendAttempt> = {}): SendAttempt {
  return {
    dataset: 'customers',
    customerId: 'c1',
    channel: 'sms',
    journeyId: 1,
    journeyVersion: 1,
    nodeId: 'offer',
    entryId: 1,
    priority: 5,
    transactional: false,
    at: new Date(at),
    onCap: 'skip',
    onQuiet: 'postpone',
    ...fields,
  };
}

export interface ConsentFixture {
  fx: InsightFixture;
  pipeline: Pipeline;
  /** Audit entries whose action starts with `prefix`. */
  audited(prefix: string): { action: string; actor: string; subject: string | null; details: unknown }[];
  close(): void;
}

/**
 * A node's pipeline over real parts: a `customers` dataset (raw ids c0…c9, a `tz` string attribute
 * for c1 and c2, profiles built) and a `phones` dataset of phone numbers, with this
 * `journeys.frequency` section.
 */
export async function consentFixture(frequency: Record<string, unknown>): Promise<ConsentFixture> {
  const fx = await insightFixture();
  const zones: Record<string, string> = { c1: 'America/New_York', c2: 'Not/AZone' };
  await fx.importRows(
    'customers',
    Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, tz: zones[`c${i}`] ?? '' })),
    { tz: 'string' },
  );
  await fx.importRows('phones', [{ id: '+86 138 0013 8000' }, { id: '+1 212 555 0100' }], {}, 'phone');
  await fx.insight.buildProfiles('customers', { id: 'cli:root' });
  const pipeline = testPipeline({ dir: fx.dir, db: fx.db, audit: fx.audit, now: () => fx.clock.now, insight: fx.insight, config: { journeys: { frequency } } });
  return {
    fx,
    pipeline,
    audited: (prefix) =>
      listAudit(fx.db, { limit: 1000 })
        .filter((e) => e.action.startsWith(prefix))
        .map((e) => ({ action: e.action, actor: e.actor, subject: e.subject, details: e.details })),
    close() {
      pipeline.close();
      fx.close();
    },
  };
}
