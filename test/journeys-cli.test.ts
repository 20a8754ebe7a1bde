import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { smallJourney } from './support/journeys-fixture.js';
import { mofang, mofangAsync, mofangJsonAsync } from './support/node-processes.js';

// `mofang journeys …` as an operator runs it, against the built dist/ and a real node directory
// with a dataset, a segment and a tracking plan made by the CLI too.
describe('mofang journeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-journeys-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const file = (name: string, content: unknown) => {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return join(dir, name);
  };

  beforeAll(async () => {
    const init = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
    expect(init.code, init.err).toBe(0);
    const rows = Array.from({ length: 12 }, (_, i) => `c${i},Name${i},${40_000 + i * 5_000}`);
    const csv = file('customers.csv', `id,first_name,income\n${rows.join('\n')}\n`);
    for (const args of [
      ['import', csv, '--dataset', 'customers', '--id', 'id:raw'],
      ['segments', 'create', 'high-value', '--dataset', 'customers', '--rule', '{"attr":"income","op":"gte","value":60000}'],
      ['plan', 'apply', file('plan.json', { events: { 'deposit.made': { properties: { amount: { type: 'number' } } } } })],
    ]) {
      const r = await mofangAsync(cfg, ...args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate prints the problems by node and exits 1; a valid file exits 0', async () => {
    const broken = smallJourney('no-such-segment') as { nodes: { id: string; params: Record<string, unknown>; next?: Record<string, string> }[] };
    broken.nodes[2].params.template = { body: 'Hi {{profile.nickname}}' };
    broken.nodes[1].next = { gold: 'sms' };
    const r = await mofangAsync(cfg, 'journeys', 'validate', file('broken.json', broken));
    expect(r.code).toBe(1);
    expect(r.out).toContain('4 problems');
    const lines = r.out.split('\n');
    const under = (node: string) => lines[lines.indexOf(`node ${node}`) + 1];
    expect(under('start')).toMatch(/^ {2}SEGMENT_UNKNOWN +segment: no segment "no-such-segment"/);
    expect(under('rich')).toMatch(/^ {2}BRANCH_UNTERMINATED +next\.else: leads nowhere/);
    // Nothing leads to bye once the else outlet is gone.
    expect(under('bye')).toMatch(/^ {2}NODE_UNREACHABLE /);
    expect(under('sms')).toMatch(/^ {2}TEMPLATE_VARIABLE_UNAVAILABLE +template\.body: \{\{profile\.nickname\}\} is not available/);
    const json = await mofangAsync(cfg, '--json', 'journeys', 'validate', join(dir, 'broken.json'));
    expect(json.code).toBe(1);
    expect(
      JSON.parse(json.out)
        .problems.map((p: { nodeId: string; code: string }) => `${p.nodeId} ${p.code}`)
        .sort(),
    ).toEqual(['bye NODE_UNREACHABLE', 'rich BRANCH_UNTERMINATED', 'sms TEMPLATE_VARIABLE_UNAVAILABLE', 'start SEGMENT_UNKNOWN']);
    const ok = await mofangAsync(cfg, 'journeys', 'validate', file('ok.json', smallJourney()));
    expect([ok.code, ok.out.trim()]).toEqual([0, `${join(dir, 'ok.json')}: valid`]);
    const notJson = await mofangAsync(cfg, 'journeys', 'validate', file('bad.json', '{ nodes: '));
    expect(notJson.code).toBe(1);
    expect(notJson.err).toMatch(/REQUEST_INVALID: .*bad\.json: not JSON/);
  });

  it('save creates a journey, then versions; show, versions, list and the state changes', async () => {
    const first = await mofangJsonAsync(cfg, 'journeys', 'save', file('v1.json', smallJourney()), '--name', 'welcome', '--description', 'first contact');
    expect(first).toMatchObject({ changed: true, journey: { name: 'welcome', status: 'draft' }, version: { version: 1 } });
    expect(await mofangJsonAsync(cfg, 'journeys', 'publish', 'welcome')).toMatchObject({ status: 'published', liveVersion: 1 });
    const edited = smallJourney() as { nodes: { params: Record<string, unknown> }[] };
    edited.nodes[2].params.priority = 7;
    const second = await mofangAsync(cfg, 'journeys', 'save', file('v2.json', edited), '--name', 'welcome');
    expect([second.code, second.out.trim()]).toEqual([0, `saved welcome (id ${first.journey.id}) version 2 (draft)`]);
    const again = await mofangAsync(cfg, 'journeys', 'save', join(dir, 'v2.json'), '--name', 'welcome');
    expect(again.out).toContain('already has this graph; nothing saved');

    expect((await mofangJsonAsync(cfg, 'journeys', 'versions', 'welcome')).map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
      [2, 'draft'],
      [1, 'live'],
    ]);
    expect((await mofangJsonAsync(cfg, 'journeys', 'show', String(first.journey.id), '1')).version.graph).toEqual(smallJourney());
    const shown = await mofangAsync(cfg, 'journeys', 'show', 'welcome');
    expect(shown.out).toContain('"priority": 7');
    expect(shown.out).toMatch(/welcome +published v2 \(live v1\)/);
    expect(await mofangJsonAsync(cfg, 'journeys', 'pause', 'welcome')).toMatchObject({ status: 'paused' });
    expect(await mofangJsonAsync(cfg, 'journeys', 'list')).toEqual([
      expect.objectContaining({ name: 'welcome', status: 'paused', latestVersion: 2, liveVersion: 1 }),
    ]);

    const audit = await mofangJsonAsync(cfg, 'audit', 'list', '--limit', '1000');
    expect(audit.filter((e: { action: string }) => e.action.startsWith('journey.')).map((e: { action: string; actor: string }) => e.action)).toEqual([
      'journey.created',
      'journey.version_saved',
      'journey.published',
      'journey.version_saved',
      'journey.paused',
    ]);
  });

  it('save refuses an invalid file, printing its problems by node; unknown journeys are named', async () => {
    const r = await mofangAsync(cfg, 'journeys', 'save', join(dir, 'broken.json'), '--name', 'broken');
    expect(r.code).toBe(1);
    expect(r.err).toContain('node start\n  SEGMENT_UNKNOWN');
    expect(r.err).toMatch(/mofang: JOURNEY_INVALID: the journey has 4 problems/);
    const json = await mofangAsync(cfg, '--json', 'journeys', 'save', join(dir, 'broken.json'), '--name', 'broken');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).error).toMatchObject({
      code: 'JOURNEY_INVALID',
      details: { problems: expect.arrayContaining([expect.objectContaining({ nodeId: 'start' })]) },
    });
    const missing = await mofangAsync(cfg, 'journeys', 'show', 'nobody');
    expect([missing.code, missing.err.trim()]).toEqual([1, 'mofang: JOURNEY_NOT_FOUND: no journey "nobody"']);
  });

  it('dry-run counts per node without writing; report and entry read the engine; publish --migrate is checked', async () => {
    await mofangJsonAsync(cfg, 'journeys', 'save', file('dry.json', smallJourney()), '--name', 'dry');
    const dry = await mofangJsonAsync(cfg, 'journeys', 'dry-run', 'dry');
    expect(dry).toMatchObject({ version: 1, entered: 8 });
    expect(dry.nodes).toContainEqual({ node: 'sms', outcome: 'sent', count: 4 });
    const human = await mofangAsync(cfg, 'journeys', 'dry-run', 'dry');
    expect(human.out).toMatch(/^version 1: 8 customers would enter\n {2}bye +entered +4\n/);
    // Nothing was written: the report is empty, and no entry exists.
    expect(await mofangJsonAsync(cfg, 'journeys', 'report', 'dry')).toMatchObject({ statuses: [], nodes: [] });
    const entry = await mofangAsync(cfg, 'journeys', 'entry', 'dry', '1');
    expect([entry.code, entry.err.trim()]).toEqual([1, 'mofang: JOURNEY_ENTRY_NOT_FOUND: journey dry has no entry 1']);
    const badMapping = await mofangAsync(cfg, 'journeys', 'publish', 'dry', '--migrate', '{wait1');
    expect([badMapping.code, badMapping.err.trim()]).toEqual([1, 'mofang: REQUEST_INVALID: --migrate: not JSON; write {"<old node>": "<new node>", …}']);
  });
});
