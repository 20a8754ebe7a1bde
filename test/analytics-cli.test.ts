import { readFileSync, writeFileSync } from 'node:fs';
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
      { customer: 'c1', name: 'login', time: '2026-03-01T10:00:00Z', properties: { device: 'ios' } },
      // 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai.
      { customer: 'c2', name: 'login', time: '2026-03-01T23:30:00Z', properties: { device: 'web' } },
    ],
    join(dataDir, 'events.duckdb'),
  );
  store.close();
}, 120_000);
afterAll(() => cleanup?.());

describe('mofang analytics', () => {
  it('lists the models', () => {
    const r = mofang(node.config, 'analytics');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^event\s+Counts/m);
  });

  it('runs a model from flags and --params, as a table and as JSON, in the configured time zone', () => {
    const r = mofang(
      node.config,
      'analytics',
      'event',
      '--event',
      'login',
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-02',
      '--params',
      '{"breakdowns":["device"]}',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Per day \(Asia\/Shanghai\)/);
    expect(r.out).toMatch(/2026-03-01\s+ios\s+1\s+1/);
    expect(r.out).toMatch(/2026-03-02\s+web\s+1\s+1/);

    const params = join(dirname(node.config), 'params.json');
    writeFileSync(params, JSON.stringify({ event: 'login', from: '2026-03-01', to: '2026-03-01' }));
    const out = mofangJson(node.config, 'analytics', 'event', '--params', `@${params}`);
    expect(out.model).toBe('event');
    expect(out.result.total.current).toMatchObject({ count: 1, customers: 1 });
  });

  it('prints the funnel, retention and distribution models as tables', () => {
    const range = ['--from', '2026-03-01', '--to', '2026-03-02'];
    const funnel = mofang(node.config, 'analytics', 'funnel', ...range, '--params', '{"steps":[{"event":"login"},{"event":"login"}]}');
    expect(funnel.code).toBe(0);
    // Both customers enter; neither logs in a second time.
    expect(funnel.out).toMatch(/^\s*1\s+login\s+2\s+-\s+100\.0%\s+0/m);
    expect(funnel.out).toMatch(/^\s*2\s+login\s+0\s+0\.0%\s+0\.0%\s+2/m);
    const retention = mofang(node.config, 'analytics', 'retention', ...range, '--params', '{"start":{"event":"login"},"return":{"event":"login"},"periods":1}');
    expect(retention.code).toBe(0);
    expect(retention.out).toMatch(/^2026-03-01\s+1\s+100\.0%\s+0\.0%/m);
    const distribution = mofang(node.config, 'analytics', 'distribution', '--event', 'login', ...range);
    expect(distribution.code).toBe(0);
    expect(distribution.out).toMatch(/^\s*1\s+∞\s+2\s+100\.0%/m);
  });

  it('names bad parameters and unknown models', () => {
    const bad = mofang(node.config, 'analytics', 'event', '--event', 'login', '--from', '2026-03-05', '--to', '2026-03-01');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ANALYTICS_PARAMS_INVALID: to:/);
    const unknown = mofang(node.config, 'analytics', 'sankey');
    expect(unknown.err).toMatch(/ANALYTICS_MODEL_UNKNOWN/);
    const json = mofang(node.config, 'analytics', 'event', '--params', '{oops');
    expect(json.err).toMatch(/ANALYTICS_PARAMS_INVALID: --params/);
  });
});
