import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreWith } from './support/event-store.js';
import { createNodes, mofang, mofangJson, type NodeProcess } from './support/node-processes.js';

let node: NodeProcess;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const created = await createNodes(['bank'], (doc) => doc.setIn(['events', 'timeZone'], 'Asia/Shanghai'));
  node = created.nodes[0];
  cleanup = created.cleanup;
  const dataDir = resolve(dirname(node.config), String(parseDocument(readFileSync(node.config, 'utf8')).getIn(['node', 'dataDir'])));
  const store = await eventStoreWith(
    [
      { customer: 'c1', name: 'ad_click', time: '2026-03-01T08:00:00Z', properties: { campaign: 'spring' } },
      { customer: 'c1', name: 'signup', time: '2026-03-01T08:10:00Z' },
      { customer: 'c1', name: 'purchase', time: '2026-03-01T08:40:00Z', properties: { amount: 30 } },
      // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai: c2's cohort is 2 March.
      { customer: 'c2', name: 'signup', time: '2026-03-01T16:30:00Z' },
      { customer: 'c2', name: 'purchase', time: '2026-03-01T17:00:00Z', properties: { amount: 10 } },
    ],
    join(dataDir, 'events.duckdb'),
  );
  store.close();
}, 120_000);
afterAll(() => cleanup?.());

const range = { from: '2026-03-01', to: '2026-03-31' };
const run = (model: string, params: Record<string, unknown>) => mofang(node.config, 'analytics', model, '--params', JSON.stringify({ ...range, ...params }));

describe('mofang analytics interval | path | attribution | ltv', () => {
  it('lists the four models', () => {
    const r = mofang(node.config, 'analytics');
    for (const name of ['interval', 'path', 'attribution', 'ltv']) expect(r.out).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
  });

  it('prints each model as tables', () => {
    const interval = run('interval', { initial: { event: 'signup' }, target: { event: 'purchase' } });
    expect(interval.err).toBe('');
    // c1: 30 min; c2: 30 min.
    expect(interval.out).toMatch(/^\s*2\s+2\s+30 min\s+30 min\s+30 min/m);

    const path = run('path', { anchor: { event: 'signup' }, depth: 1 });
    expect(path.out).toMatch(/^0:signup\s+1:purchase\s+2$/m);

    const attribution = run('attribution', {
      goal: { event: 'purchase' },
      valueProperty: 'amount',
      touches: [{ event: 'ad_click' }],
      model: 'last',
      byProperty: 'campaign',
    });
    expect(attribution.out).toMatch(/^spring\s+1\s+30$/m);
    expect(attribution.out).toMatch(/^\(direct\)\s+1\s+10$/m);

    const ltv = run('ltv', { start: { event: 'signup' }, value: { event: 'purchase' }, valueProperty: 'amount', periods: 2 });
    expect(ltv.out).toMatch(/Asia\/Shanghai/);
    expect(ltv.out).toMatch(/^2026-03-01\s+1\s+30\s+30$/m);
    expect(ltv.out).toMatch(/^2026-03-02\s+1\s+10\s+10$/m);
  });

  it('gives the HTTP answer with --json and names a bad parameter', () => {
    const out = mofangJson(node.config, 'analytics', 'path', '--params', JSON.stringify({ ...range, anchor: { event: 'signup' } }));
    expect(out.result.nodes[0]).toEqual({ id: '0:signup', step: 0, name: 'signup', customers: 2 });
    const bad = run('interval', { initial: { event: 'signup' }, target: { event: 'purchase' }, buckets: [60, 60] });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ANALYTICS_PARAMS_INVALID: buckets\[1\]/);
  });
});
