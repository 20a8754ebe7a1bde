import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { offerTemplate } from './support/journeys-fixture.js';
import { mofang, mofangAsync, mofangJsonAsync } from './support/node-processes.js';

// `mofang templates …` as an operator runs it, against the built dist/ and a real node directory:
// a dataset whose customers belong to two branches under a head office, a segment the north
// branch imported from a shared set, and a tracking plan — all made by the CLI too.
describe('mofang templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-templates-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const file = (name: string, content: unknown) => {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return join(dir, name);
  };

  beforeAll(async () => {
    const init = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
    expect(init.code, init.err).toBe(0);
    const rows = Array.from({ length: 12 }, (_, i) => `c${i},Name${i},${40_000 + i * 5_000},${i % 2 ? 'south' : 'north'}`);
    const csv = file('customers.csv', `id,first_name,income,branch\n${rows.join('\n')}\n`);
    for (const args of [
      ['import', csv, '--dataset', 'customers', '--id', 'id:raw'],
      ['segments', 'create', 'high-value', '--dataset', 'customers', '--rule', '{"attr":"income","op":"gte","value":60000}'],
      ['units', 'add', 'hq', '--name', 'Head office'],
      ['units', 'add', 'north', '--name', 'North', '--parent', 'hq'],
      ['units', 'add', 'south', '--name', 'South', '--parent', 'hq'],
      ['units', 'attribute', '--dataset', 'customers', '--attribute', 'branch'],
      ['shared-sets', 'publish', 'rich', '--from', 'hq', '--segments', 'high-value', '--to', 'north'],
      ['shared-sets', 'import', '1', '--unit', 'north'],
    ]) {
      const r = await mofangAsync(cfg, ...args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
    // Eight one-shot node processes, one after another, on a busy machine.
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('save refuses a template with problems, printing them by node; then saves it; list, show and versions', async () => {
    const broken = offerTemplate();
    broken.parameters.splice(2, 1);
    const refused = await mofangAsync(cfg, 'templates', 'save', file('broken.json', broken), '--name', 'offer');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/node sms\n {2}TEMPLATE_PARAM_UNDECLARED +template\.body: parameter offer_code is not declared/);
    expect(refused.err).toMatch(/mofang: TEMPLATE_INVALID: the template has 1 problem/);

    const saved = await mofangAsync(cfg, 'templates', 'save', file('offer.json', offerTemplate()), '--name', 'offer', '--description', 'deposit offer');
    expect([saved.code, saved.out.trim()]).toEqual([0, 'saved template offer (id 1) version 1']);
    const again = await mofangAsync(cfg, 'templates', 'save', join(dir, 'offer.json'), '--name', 'offer');
    expect(again.out).toContain('already has this content; nothing saved');
    expect(await mofangJsonAsync(cfg, 'templates', 'list')).toEqual([expect.objectContaining({ name: 'offer', access: 'owner', latestVersion: 1 })]);
    const shown = await mofangAsync(cfg, 'templates', 'show', 'offer');
    expect(shown.out).toMatch(/ {2}offer_code +text +required +Offer code/);
    expect(shown.out).toMatch(/ {2}min_income +number +default 80000/);
    expect((await mofangJsonAsync(cfg, 'templates', 'versions', 'offer')).map((v: { version: number }) => v.version)).toEqual([1]);
  }, 240_000);

  it('instantiate refuses bad values naming each parameter, and creates a journey from good ones', async () => {
    const bad = await mofangAsync(cfg, 'templates', 'instantiate', 'offer', '--name', 'offer-all', '--set', 'audience=high-value', '--set', 'min_income=-1');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ {2}TEMPLATE_VALUE_INVALID +values\.min_income: must be at least 0/);
    expect(bad.err).toMatch(/ {2}TEMPLATE_VALUE_MISSING +values\.offer_code: Offer code \(text\) is required/);
    const braces = await mofangAsync(
      cfg,
      'templates',
      'instantiate',
      'offer',
      '--name',
      'offer-all',
      '--set',
      'audience=high-value',
      '--set',
      'offer_code={{profile.income}}',
    );
    expect(braces.code).toBe(1);
    expect(braces.err).toContain('values.offer_code: must not contain {{ or }}');

    const values = file('values.json', { audience: 'high-value', offer_code: 'ALL5' });
    const made = await mofangJsonAsync(
      cfg,
      'templates',
      'instantiate',
      'offer',
      '--name',
      'offer-all',
      '--values',
      values,
      '--set',
      'min_income=70000',
      '--ends-at',
      '2026-12-31T23:59:00+08:00',
    );
    expect(made).toMatchObject({
      journey: { name: 'offer-all', unit: null, status: 'draft' },
      templateVersion: 1,
      endsAt: '2026-12-31T15:59:00.000Z',
      results: { entered: 0, active: 0, converted: 0, sent: 0 },
    });
    const journey = await mofangJsonAsync(cfg, 'journeys', 'show', 'offer-all');
    expect(journey.version.graph.nodes[1].params.branches[0].conditions[0].value).toBe(70_000);
    expect(journey.version.graph.nodes[2].params.template.body).toBe('Hello {{profile.first_name}}, your code is ALL5');
    expect(await mofangJsonAsync(cfg, 'journeys', 'publish', 'offer-all')).toMatchObject({ status: 'published' });
  }, 240_000);

  it("publishes to units; a branch's instance is validated in its scope; instances list state and results", async () => {
    const published = await mofangAsync(cfg, 'templates', 'publish', 'offer', '--to', 'north');
    expect([published.code, published.out.trim()]).toEqual([0, 'published offer v1 from hq to north']);
    // The whole organisation's segment is outside north's scope; the one north imported is inside.
    const outside = await mofangAsync(
      cfg,
      'templates',
      'instantiate',
      'offer',
      '--name',
      'offer-north',
      '--unit',
      'north',
      '--set',
      'audience=high-value',
      '--set',
      'offer_code=N5',
    );
    expect(outside.code).toBe(1);
    expect(outside.err).toMatch(/JOURNEY_INVALID: .*segment: no segment "high-value" in the journey's scope/);
    const north = await mofangJsonAsync(
      cfg,
      'templates',
      'instantiate',
      'offer',
      '--name',
      'offer-north',
      '--unit',
      'north',
      '--set',
      'audience=north-high-value',
      '--set',
      'offer_code=N5',
    );
    expect(north.journey).toMatchObject({ name: 'offer-north', unit: 'north' });

    const listed = await mofangAsync(cfg, 'templates', 'instances', 'offer');
    const lines = listed.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/offer-all +published template v1 .*until 2026-12-31T15:59:00.000Z {2}entered 0 active 0 converted 0 sent 0/);
    expect(lines[1]).toMatch(/offer-north +draft +template v1 {2}unit north {2}entered 0 active 0 converted 0 sent 0/);

    const audit = await mofangJsonAsync(cfg, 'audit', 'list', '--limit', '1000');
    const entries = audit.filter((e: { action: string }) => e.action.startsWith('journey_template.'));
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      'journey_template.created',
      'journey_template.version_saved',
      'journey_template.instantiated',
      'journey_template.published',
      'journey_template.instantiated',
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/ALL5|N5"|70000/);
  }, 240_000);
});
