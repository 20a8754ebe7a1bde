/**
 * Test support: journeys over one node's real parts — the insight fixture's SQLite file and signed
 * audit log, a `customers` dataset with two organisation units under a head office, segments, a tracking plan, and the
 * journeys service as the pipeline wiring (node/pipeline.ts) builds it.
 */
import type { Actor } from '../../node/audit/actor.js';
import { listAudit } from '../../node/audit/list.js';
import type { JourneysApi } from '../../node/journeys/service.js';
import type { TemplatesApi } from '../../node/journeys/templates/service.js';
import type { Pipeline } from '../../node/pipeline.js';
import { insightFixture, type InsightFixture } from './insight-fixture.js';
import { testPipeline } from './pipeline.js';

export interface JourneysFixture {
  fx: InsightFixture;
  pipeline: Pipeline;
  journeys: JourneysApi;
  templates: TemplatesApi;
  /** Audit entries whose action starts with `prefix`, details parsed. */
  audited(prefix: string): { action: string; actor: string; subject: string | null; details: Record<string, unknown> }[];
  close(): void;
}

export const OPERATOR: Actor = { id: 'token:ops-1', role: 'operator' };
export const NORTH: Actor = { id: 'token:north-1', role: 'operator', unit: 'north' };
export const SOUTH: Actor = { id: 'token:south-1', role: 'operator', unit: 'south' };
export const HEAD: Actor = { id: 'token:head-1', role: 'operator', unit: 'head' };

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

/**
 * A campaign template over `smallJourney`: the entry segment, the income threshold and whether the
 * SMS is transactional are whole-value parameters; the offer code fills the message text.
 */
export function offerTemplate(): { graph: Record<string, unknown>; parameters: Record<string, unknown>[] } {
  const graph = smallJourney() as { nodes: { params: Record<string, unknown> }[] };
  graph.nodes[0].params.segment = { $param: 'audience' };
  (graph.nodes[1].params.branches as { conditions: { value: unknown }[] }[])[0].conditions[0].value = { $param: 'min_income' };
  graph.nodes[2].params.template = { body: 'Hello {{profile.first_name}}, your code is {{ param.offer_code }}' };
  graph.nodes[2].params.transactional = { $param: 'transactional' };
  return {
    graph,
    parameters: [
      { name: 'audience', type: 'segment', label: 'Who enters', required: true },
      { name: 'min_income', type: 'number', label: 'Lowest income for the offer', required: false, default: 80_000, min: 0, max: 1_000_000 },
      { name: 'offer_code', type: 'text', label: 'Offer code', required: true, maxLength: 20 },
      { name: 'transactional', type: 'boolean', label: 'Exempt from caps', required: false, default: false },
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
    templates: pipeline.templates,
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
