import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangJson } from './support/node-processes.js';

// `mofang flows … --every` as an operator runs it, against the built dist/ and a real node directory.
describe('mofang flows schedule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-flows-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');

  beforeAll(() => {
    const init = mofang(
      null,
      'init',
      '--name',
      'bank',
      '--dir',
      join(dir, 'bank'),
      '--template',
      join(packageRoot(), 'config', 'bank.yaml'),
      '--grpc',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
    );
    expect(init.code, init.err).toBe(0);
    const file = join(dir, 'customers.csv');
    writeFileSync(
      file,
      `${['phone,tier', ...Array.from({ length: 30 }, (_, i) => `1390000${String(i).padStart(4, '0')},${i % 2 ? 'gold' : 'basic'}`)].join('\n')}\n`,
    );
    const imported = mofang(cfg, 'import', file, '--dataset', 'customers', '--id', 'phone:phone');
    expect(imported.code, imported.err).toBe(0);
    const segment = mofang(cfg, 'segments', 'create', 'gold', '--dataset', 'customers', '--rule', '{"attr":"tier","op":"eq","value":"gold"}');
    expect(segment.code, segment.err).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets a schedule at creation, changes and clears it, each change audited', () => {
    expect(mofangJson(cfg, 'flows', 'create', 'tiers', '--dataset', 'customers', '--segments', 'gold', '--every', 'week')).toMatchObject({
      name: 'tiers',
      every: 'week',
    });
    expect(mofangJson(cfg, 'flows', 'update', 'tiers', '--every', 'month')).toMatchObject({ every: 'month' });
    const listed = mofang(cfg, 'flows', 'list');
    expect(listed.out).toMatch(/tiers\s+customers\s+every month/);
    expect(mofangJson(cfg, 'flows', 'update', 'tiers', '--every', 'none')).toMatchObject({ every: null });
    const snapshot = mofang(cfg, 'flows', 'snapshot', 'tiers', '--period', '2026-W48');
    expect(snapshot.code, snapshot.err).toBe(0);
    expect(mofang(cfg, 'flows', 'trend', 'tiers').out).toMatch(/^2026-W48\s+none of these=15\s+gold=15/m);
    const actions = mofangJson<{ action: string }[]>(cfg, 'audit', 'list', '--limit', '1000')
      .map((e) => e.action)
      .filter((a) => a.startsWith('flow.'));
    expect(actions).toEqual(['flow.created', 'flow.schedule_set', 'flow.schedule_set', 'flow.snapshot']);
  });

  it('names the option at fault', () => {
    const bad = mofang(cfg, 'flows', 'create', 'hourly', '--dataset', 'customers', '--segments', 'gold', '--every', 'hour');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INSIGHT_INVALID: --every: must be one of day, week, month or none');
    expect(mofang(cfg, 'flows', 'update', 'tiers', '--every', 'fortnight').err).toContain('--every');
    expect(mofang(cfg, 'flows', 'update', 'tiers').err).toContain('--every');
  });
});
