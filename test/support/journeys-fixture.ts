/**
 * Test support: journeys over one node's real parts — the insight fixture's SQLite file and signed
 * audit log, a `customers` dataset with two organisation units under a head office, segments, a tracking plan, and the
 * journeys service as the pipeline wiring (node/pipeline.ts) builds it.
 */
import type { Actor } from '../../node/audit/actor.js';
import { listAudit } from '../../node/audit/list.js';
import type { JourneysApi } from '../../node/journeys/service.js';
import type { Pipeline } from '../../node/pipeline.js';
import { insightFixture, type InsightFixture } from './insight-fixture.js';
import { testPipeline } from './pipeline.js';

export interface JourneysFixture {
  fx: InsightFixture;
  pipeline: Pipeline;
  journeys: JourneysApi;
  /** Audit entries whose action starts with `prefix`, details parsed. */
  audited(prefix: string): { action: string; actor: string; subject: string | null; details: Record<string, unknown> }[];
  close(): void;
}

export const OPERATOR: Actor = { id: 'token:ops-1', role: 'operator' };
export const NORTH: Actor = { id: 'token:north-1', role: 'operator', unit: 'north' };
export const SOUTH: Actor = { id: 'token:south-1', role: 'operator', unit: 'south' };

/**
 * A journey on this fixture's data: high-value customers enter, are split by income, and get an
 * SMS with their first name; the rest leave.
 */
export function smallJourney(segment = 'high-value'): Record<string, unknown> {
  return {
    dataset: 'customers',
    nodes: [
      {
        id: 'start',
        type: 'segment_entry',
        params: { segment, schedule: { kind: 'once' }, reentry: { kind: 'never' } },
        next: { out: 'rich' },
      },
      {
        id: 'rich',
        type: 'attribute_split',
        params: { branches: [{ key: 'gold', conditions: [{ attribute: 'income', op: 'gte', value: 80_000 }] }] },
        next: { gold: 'sms', else: 'bye' },
      },
      { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hello {{profile.first_name}}' } } },
      { id: 'bye', type: 'exit', params: {} },
    ],
  };
}

export async function journeysFixture(): Promise<JourneysFixture> {
  const fx = await insightFixture();
  await fx.importRows(
    'customers',
    Array.from({ length: 20 }, (_, i) => ({
      id: `c${i}`,
      first_name: `Name${i}`,
      income: String(40_000 + i * 5_000),
      branch: i % 2 === 0 ? 'north' : 'south',
    })),
    { income: 'number' },
  );
  const admin = { id: 'cli:root' };
  fx.insight.addUnit({ id: 'head', name: 'Head office' }, admin);
  fx.insight.addUnit({ id: 'north', name: 'North', parent: 'head' }, admin);
  fx.insight.addUnit({ id: 'south', name: 'South', parent: 'head' }, admin);
  await fx.insight.setUnitAttribute('customers', 'branch', admin);
  await fx.insight.createSegment({ name: 'high-value', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 60_000 } }, admin);
  await fx.insight.createSegment({ name: 'north-rich', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 60_000 } }, NORTH);
  const pipeline = testPipeline({ dir: fx.dir, db: fx.db, audit: fx.audit, now: () => fx.clock.now, insight: fx.insight });
  pipeline.trackingPlan.apply(
    {
      undeclared: 'reject',
      events: {
        'deposit.made': { properties: { amount: { type: 'number', required: true }, channel: { type: 'enum', values: ['app', 'branch'] } } },
        'app.opened': { properties: {} },
      },
    },
    OPERATOR,
  );
  return {
    fx,
    pipeline,
    journeys: pipeline.journeys,
    audited: (prefix) =>
      listAudit(fx.db, { limit: 1000 })
        .filter((e) => e.action.startsWith(prefix))
        .map((e) => ({ action: e.action, actor: e.actor, subject: e.subject, details: e.details as Record<string, unknown> })),
    close() {
      pipeline.close();
      fx.close();
    },
  };
}
