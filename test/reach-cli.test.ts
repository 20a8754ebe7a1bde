/**
 * `mofang reach report` and `mofang journeys experiment` as an operator runs them: the built dist/,
 * a real node directory (SQLite file, DuckDB event store), a journey run and its outcomes recorded
 * by the node's own services, then the report read by the CLI as a table, JSON and CSV.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MofangNode } from '../node/node.js';
import { REPORT_CSV_COLUMNS } from '../node/reach/report/csv.js';
import { nodeDb } from './support/node-db.js';
import { createNodes, mofang, mofangAsync, mofangJsonAsync, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
const OPERATOR = { id: 'cli:test', role: 'operator' as const };

beforeAll(async () => {
  cluster = await createNodes(['bank'], (doc) => {
    doc.setIn(['reach', 'costs', 'inbox'], 0.25);
    doc.setIn(['reach', 'attribution', 'valueProperty'], 'amount');
  });
  bank = cluster.nodes[0];
  const csv = join(cluster.dir, 'customers.csv');
  writeFileSync(csv, `id,first_name,income\n${Array.from({ length: 12 }, (_, i) => `c${i},Name${i},${40_000 + i * 5_000}`).join('\n')}\n`);
  const imported = mofang(bank.config, 'import', csv, '--dataset', 'customers', '--id', 'id:raw');
  if (imported.code !== 0) throw new Error(imported.err);
  const node = MofangNode.open(bank.config, { quietLogs: true, metrics: false });
  try {
    node.trackingPlan.apply({ undeclared: 'reject', events: { 'deposit.made': { properties: { amount: { type: 'number' } } } } }, OPERATOR);
    await node.insight.createSegment({ name: 'high-value', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 60_000 } }, OPERATOR);
    const graph = {
      dataset: 'customers',
      nodes: [
        { id: 'start', type: 'segment_entry', params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } }, next: { out: 'box' } },
        { id: 'box', type: 'reach', params: { channel: 'inbox', template: { body: 'An offer for you' } } },
        { id: 'deposit', type: 'goal', params: { event: { event: 'deposit.made' } } },
      ],
    };
    const { journey } = await node.journeys.create({ name: 'welcome', graph }, OPERATOR);
    await node.journeys.transition(journey.id, 'publish', OPERATOR);
    await node.pipeline.journeyEngine.tick();
    const keys = nodeDb(node).prepare('SELECT idempotency_key FROM journey_outbox').pluck().all() as string[];
    const sentAt = new Date(Date.now() - 60_000);
    await node.pipeline.feedback.record(keys.map((key) => ({ key, outcome: 'sent' as const, at: sentAt })));
    const time = new Date().toISOString();
    const report = await node.events.ingest([{ eventId: 'd1', customerId: 'c9', name: 'deposit.made', time, properties: { amount: 200 } }], {
      id: 'token:app',
      role: 'ingest',
    });
    if (report.accepted !== 1) throw new Error(JSON.stringify(report));
  } finally {
    node.close();
  }
}, 120_000);
afterAll(() => cluster?.cleanup());

describe('mofang reach report', () => {
  it('--json: the counts, cost from reach.costs, the conversion credited to its message, and ROI', async () => {
    const r = await mofangJsonAsync(bank.config, 'reach', 'report', 'welcome');
    // c4–c11 (income ≥ 60,000) got the inbox message at 0.25 each; c9's deposit of 200 followed it.
    expect(r.totals).toMatchObject({ entered: 8, sent: 8, converted: 1, value: 200, cost: 2, roi: 99 });
    expect(r.nodes).toEqual([expect.objectContaining({ node: 'box', channel: 'inbox', sent: 8, converted: 1 })]);
    expect(r.rule.text).toMatch(/^last touch: each "deposit.made" event \(goal node deposit\)/);
  });

  it('prints a table with the rule, and --csv writes CSV with the rule on standard error', async () => {
    const table = await mofangAsync(bank.config, 'reach', 'report', 'welcome', '--model', 'linear');
    expect(table.code, table.err).toBe(0);
    expect(table.out).toContain('attribution: linear touch');
    expect(table.out).toMatch(/^total +8 +8 +0 +0 +0 +0 +1 +200\.00 +2\.00 +99\.00$/m);
    const csv = await mofangAsync(bank.config, 'reach', 'report', 'welcome', '--csv');
    expect(csv.code, csv.err).toBe(0);
    expect(csv.err).toContain('attribution: last touch');
    const lines = csv.out.trimEnd().split('\r\n');
    expect(lines[0]).toBe(REPORT_CSV_COLUMNS.join(','));
    expect(lines.map((l) => l.split(',')[0])).toEqual(['level', 'total', 'channel', 'node']);
  });

  it('names a bad request and a journey without an experiment by their codes', async () => {
    const bad = await mofangAsync(bank.config, 'reach', 'report', 'welcome', '--window-days', '0');
    expect([bad.code, bad.err]).toEqual([1, expect.stringContaining('REACH_REPORT_INVALID: windowDays')]);
    const none = await mofangAsync(bank.config, 'journeys', 'experiment', 'welcome');
    expect([none.code, none.err]).toEqual([1, expect.stringContaining('EXPERIMENT_NOT_FOUND')]);
  });
});
