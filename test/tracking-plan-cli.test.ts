import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangAsync, mofangJsonAsync } from './support/node-processes.js';

// Async, so the test worker stays responsive while each command runs (a loaded machine is slow).
const run = (cfg: string, ...args: string[]) => mofangAsync(cfg, ...args);

const PLAN_YAML = `
undeclared: quarantine
events:
  card.paid:
    retentionDays: 90
    properties:
      amount: { type: number, required: true, min: 0 }
      channel: { type: enum, values: [app, web, branch] }
  app.opened: {}
`;

// `mofang plan …` as an operator runs it, against the built dist/ and a real node directory.
describe('mofang plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-plan-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

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
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies a YAML plan once, shows it, pauses an event, and lists the history and the audit entries', async () => {
    const yaml = file('plan.yaml', PLAN_YAML);
    expect(await mofangJsonAsync(cfg, '--as', 'alice', 'plan', 'apply', yaml)).toEqual({ version: 1, changed: true });
    const again = await run(cfg, 'plan', 'apply', yaml);
    expect(again.out).toContain('unchanged at v1');
    // The same plan as JSON, in another order, is the same content.
    const json = file(
      'plan.json',
      JSON.stringify({
        events: {
          'app.opened': {},
          'card.paid': {
            properties: { channel: { type: 'enum', values: ['app', 'web', 'branch'] }, amount: { type: 'number', min: 0, required: true } },
            retentionDays: 90,
          },
        },
        undeclared: 'quarantine',
      }),
    );
    expect(await mofangJsonAsync(cfg, 'plan', 'apply', json)).toEqual({ version: 1, changed: false });

    expect(await mofangJsonAsync(cfg, 'plan', 'pause', 'card.paid')).toEqual({ event: 'card.paid', paused: true, changed: true });
    const shown = await run(cfg, 'plan', 'show');
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('Tracking plan v1');
    expect(shown.out).toMatch(/card\.paid {2}\(PAUSED; kept 90 d\)/);
    expect(shown.out).toMatch(/amount +number +required, min 0/);

    file('plan.yaml', PLAN_YAML.replace('  app.opened: {}\n', ''));
    expect(await mofangJsonAsync(cfg, 'plan', 'apply', yaml)).toEqual({ version: 2, changed: true });
    expect((await mofangJsonAsync(cfg, 'plan', 'show', '1')).plan.events).toHaveProperty('app.opened');
    expect((await mofangJsonAsync(cfg, 'plan', 'history')).map((v: { version: number; actor: string }) => [v.version, v.actor])).toEqual([
      [2, expect.stringMatching(/^cli:/)],
      [1, 'cli:alice'],
    ]);
    expect((await run(cfg, 'plan', 'history')).out).toMatch(/v2 .* -app\.opened/);
    expect(await mofangJsonAsync(cfg, 'plan', 'resume', 'card.paid')).toMatchObject({ paused: false, changed: true });

    const actions = (await mofangJsonAsync(cfg, 'audit', 'list', '--limit', '100')).map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a.startsWith('tracking_plan.'))).toEqual([
      'tracking_plan.changed',
      'tracking_plan.event_paused',
      'tracking_plan.changed',
      'tracking_plan.event_resumed',
    ]);
  });

  it('refuses a bad file or an unknown event with the code and the field, and changes nothing', async () => {
    const before = (await mofangJsonAsync(cfg, 'plan', 'show')).version;
    const bad = await run(cfg, 'plan', 'apply', file('bad.yaml', 'events:\n  card.paid:\n    properties:\n      amount: { type: money }\n'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('TRACKING_PLAN_INVALID');
    expect(bad.err).toContain('events.card.paid.properties.amount.type');
    const broken = await run(cfg, 'plan', 'apply', file('broken.json', '{"events": '));
    expect(broken.err).toContain('TRACKING_PLAN_INVALID');
    const missing = await run(cfg, 'plan', 'apply', join(dir, 'nowhere.yaml'));
    expect(missing.err).toContain('no such file');
    const unknown = await run(cfg, 'plan', 'pause', 'card.refunded');
    expect(unknown.err).toContain('TRACKING_PLAN_EVENT_UNKNOWN');
    expect((await mofangJsonAsync(cfg, 'plan', 'show')).version).toBe(before);
  });
});
