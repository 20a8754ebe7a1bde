import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../audit/list.js';
import { insightFixture, type InsightFixture } from '../../test/support/insight-fixture.js';
import { storeAgreement as storeStoredAgreement } from '../../test/support/stored-agreement.js';
import type { LayerCell } from './layering/compute.js';

let fx: InsightFixture;
const op = { id: 'token:operator-1' };
const N = 400;
const AGREEMENT = '0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';
const REVOKED = '1b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';

const storeAgreement = (id: string, status: 'accepted' | 'revoked') => storeStoredAgreement(fx.db, id, status, `partner:${status}:active`);

beforeAll(async () => {
  fx = await insightFixture();
  const tiers = ['gold', 'silver', 'bronze', 'basic'];
  await fx.importRows(
    'customers',
    Array.from({ length: N }, (_, i) => ({
      id: `cust-${i}`,
      age: i % 13 === 0 ? '' : String(18 + (i % 60)),
      tier: tiers[i % 4],
      assets: String((i * 37) % 1000),
      churned: i % 5 === 0 ? 'true' : 'false',
      last_seen: new Date(Date.parse('2026-03-01T00:00:00Z') - (i % 90) * 86_400_000).toISOString().slice(0, 10),
    })),
    { age: 'number', assets: 'number', churned: 'boolean', last_seen: 'date' },
  );
  storeAgreement(AGREEMENT, 'accepted');
  storeAgreement(REVOKED, 'revoked');
  const put = fx.db.prepare(
    "INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES ('customers', ?, ?, ?, ?, 'run-1', '2026-02-01T00:00:00.000Z')",
  );
  for (let i = 0; i < N; i += 3) {
    put.run(`cust-${i}`, 'partner:accepted:active', 'true', AGREEMENT);
    put.run(`cust-${i}`, 'partner:accepted:active.plan', JSON.stringify(i % 2 ? 'unlimited' : 'prepaid'), AGREEMENT);
    put.run(`cust-${i}`, 'partner:revoked:active', 'true', REVOKED);
  }
});
afterAll(() => fx.close());

const sumChildren = (c: LayerCell): void => {
  if (c.children.length === 0) return;
  expect(c.children.reduce((s, x) => s + x.size, 0)).toBe(c.size);
  c.children.forEach(sumChildren);
};

describe('profiles', () => {
  it('types attributes, lists joint attributes with provenance and withholds what the agreement does not allow', async () => {
    const cat = await fx.insight.attributes('customers');
    const byName = Object.fromEntries(cat.attributes.map((a) => [a.name, a]));
    expect(byName.tier).toMatchObject({ type: 'enum', values: ['basic', 'bronze', 'gold', 'silver'], source: 'dataset' });
    expect(byName.last_seen.type).toBe('date');
    expect(byName['partner:accepted:active']).toMatchObject({
      type: 'boolean',
      source: 'joint',
      joint: { agreementIds: [AGREEMENT], runId: 'run-1', count: 134 },
    });
    expect(byName['partner:accepted:active.plan'].type).toBe('string');
    expect(byName['partner:revoked:active']).toBeUndefined();
    expect(cat.withheld).toEqual([{ name: 'partner:revoked:active', agreementIds: [REVOKED], reason: `agreement ${REVOKED} is revoked` }]);
  });

  it('looks one customer up by identifier: every attribute with its source, withheld ones without value; audited without the id', async () => {
    const p = await fx.insight.showProfile('customers', '  cust-3 ', op);
    expect(p.idMasked).toBe('••••-3');
    const byName = Object.fromEntries(p.attributes.map((a) => [a.name, a]));
    expect(byName.tier).toMatchObject({ value: 'basic', source: { kind: 'dataset', dataset: 'customers' } });
    expect(byName.churned.value).toBe(false);
    expect(byName['partner:accepted:active.plan']).toMatchObject({ value: 'unlimited', source: { kind: 'joint', agreementIds: [AGREEMENT], runId: 'run-1' } });
    expect(p.withheld).toEqual([{ name: 'partner:revoked:active', agreementIds: [REVOKED], reason: `agreement ${REVOKED} is revoked` }]);
    expect(JSON.stringify(p)).not.toContain('partner:revoked:active","type');
    const entry = listAudit(fx.db, { action: 'profile.viewed' }).at(-1)!;
    expect(JSON.stringify(entry)).not.toContain('cust-3');
    await expect(fx.insight.showProfile('customers', 'nobody', op)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
  });

  it('reads attributes as typed arrays aligned with rows', async () => {
    const t = await fx.insight.readAttributes('customers', ['age', 'tier', 'churned', 'partner:accepted:active']);
    expect(t.rows.length).toBe(N);
    const [age, tier, churned, active] = t.columns;
    expect(age.type === 'number' && Number.isNaN(age.values[0])).toBe(true);
    expect(tier.type === 'enum' && tier.dictionary[tier.codes[1]]).toBe('silver');
    expect(churned.type === 'boolean' && Array.from(churned.values.slice(0, 2))).toEqual([1, 0]);
    expect(active.type === 'boolean' && [active.values[0], active.values[1]]).toEqual([1, NaN]);
  });
});

describe('segments', () => {
  const rule = {
    all: [
      { attr: 'tier', op: 'in', values: ['gold', 'silver'] },
      { attr: 'assets', op: 'gte', value: 500 },
      { attr: 'partner:accepted:active', op: 'eq', value: true },
    ],
  };

  it('previews, saves (materialised), versions and refreshes; members match the preview', async () => {
    const preview = await fx.insight.preview('customers', rule, 3);
    expect(preview.sample).toHaveLength(3);
    expect(preview.size).toBeGreaterThan(0);
    const s = await fx.insight.createSegment({ name: 'rich-active', dataset: 'customers', rule, refreshEveryMinutes: 60 }, op);
    expect(s.latest).toMatchObject({ size: preview.size, version: 1, trigger: 'save', population: N });
    const members = await fx.insight.segmentMembers('rich-active');
    expect(members.rows.length).toBe(preview.size);
    expect(Array.from(members.rows)).toEqual([...members.rows].sort((a, b) => a - b));

    const edited = await fx.insight.updateSegment('rich-active', { rule: { all: [rule, { attr: 'churned', op: 'eq', value: false }] } }, op);
    expect(edited.version).toBe(2);
    const versions = fx.insight.segmentVersions('rich-active');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[1].sizes.map((m) => m.size)).toEqual([preview.size]);
    expect(versions[1].rule).toEqual(rule);

    fx.clock.now = new Date(fx.clock.now.getTime() + 61 * 60_000);
    expect(await fx.insight.refreshDue()).toBe(1);
    expect(fx.insight.getSegment('rich-active').latest?.trigger).toBe('schedule');
    const actions = listAudit(fx.db, {}).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['segment.created', 'segment.updated', 'segment.refreshed']));
  });

  it('resolves segment membership and refuses cycles, naming them', async () => {
    await fx.insight.createSegment({ name: 'young', dataset: 'customers', rule: { attr: 'age', op: 'lt', value: 30 } }, op);
    const both = await fx.insight.createSegment(
      { name: 'young-gold', dataset: 'customers', rule: { all: [{ segment: 'young' }, { attr: 'tier', op: 'eq', value: 'gold' }] } },
      op,
    );
    const direct = await fx.insight.preview('customers', {
      all: [
        { attr: 'age', op: 'lt', value: 30 },
        { attr: 'tier', op: 'eq', value: 'gold' },
      ],
    });
    expect(both.latest?.size).toBe(direct.size);
    await expect(fx.insight.updateSegment('young', { rule: { not: { segment: 'young-gold' } } }, op)).rejects.toMatchObject({
      code: 'SEGMENT_CYCLE',
      details: { cycle: ['young', 'young-gold', 'young'] },
    });
    expect(fx.insight.getSegment('young').version).toBe(1);
    expect(() => fx.insight.deleteSegment('young', op)).toThrow(expect.objectContaining({ code: 'INSIGHT_INVALID' }));
  });
});

describe('layering', () => {
  it('cells sum to their parent at every level, with metrics, and a saved cell is a segment of the same size', async () => {
    const spec = {
      root: { split: { attr: 'tier', by: 'values' as const }, each: { split: { attr: 'assets', by: 'bands' as const, edges: [200, 400, 600, 800] } } },
      metrics: [{ fn: 'count' as const }, { fn: 'mean' as const, attr: 'age' }, { fn: 'max' as const, attr: 'assets' }],
    };
    const r = await fx.insight.computeLayering('customers', spec);
    expect(r.root.size).toBe(N);
    expect(r.root.children.map((c) => c.label)).toEqual(['basic', 'bronze', 'gold', 'silver']);
    expect(r.root.children[0].children).toHaveLength(5);
    sumChildren(r.root);
    const cell = r.root.children[2].children[3];
    expect(cell.shareOfParent).toBeCloseTo(cell.size / r.root.children[2].size);
    expect(cell.metrics['max(assets)']).toBeLessThan(800);
    await fx.insight.saveLayering({ name: 'tier-assets', dataset: 'customers', spec }, op);
    const seg = await fx.insight.saveCell('tier-assets', ['gold', '[600, 800)'], { name: 'gold-600' }, op);
    expect(seg.latest?.size).toBe(cell.size);
  });

  it('splits branches differently, by dates and joint attributes; cells still sum', async () => {
    const r = await fx.insight.computeLayering('customers', {
      root: {
        split: { attr: 'partner:accepted:active', by: 'values' },
        branches: { true: { split: { attr: 'last_seen', by: 'dateBands', days: [7, 30] } } },
        each: { split: { attr: 'churned', by: 'values' } },
      },
    });
    sumChildren(r.root);
    expect(r.root.children.map((c) => [c.label, c.size])).toEqual([
      ['true', 134],
      ['false', 0],
      ['not set', N - 134],
    ]);
    expect(r.root.children[0].children.map((c) => c.label)).toEqual(['within 7 days', '7–30 days', 'older than 30 days']);
    expect(r.root.children[2].children.map((c) => c.label)).toEqual(['true', 'false']);
  });
});

describe('flows', () => {
  it('transition matrix rows sum to the earlier snapshot, including none of these and departed customers', async () => {
    await fx.insight.createSegment({ name: 'gold', dataset: 'customers', rule: { attr: 'tier', op: 'eq', value: 'gold' } }, op);
    await fx.insight.createSegment({ name: 'rich', dataset: 'customers', rule: { attr: 'assets', op: 'gte', value: 700 } }, op);
    fx.insight.createFlow({ name: 'value', dataset: 'customers', source: { segments: ['gold', 'rich'] } }, op);
    const a = await fx.insight.takeSnapshot('value', '2026-02', op);
    expect(a.sizes.reduce((s, x) => s + x, 0)).toBe(N);
    // Re-import: customers move tiers, 50 leave, 30 arrive.
    const tiers = ['gold', 'silver'];
    await fx.importRows(
      'customers',
      Array.from({ length: N - 50 + 30 }, (_, k) => {
        const i = k + 50;
        return { id: `cust-${i}`, age: '40', tier: tiers[i % 2], assets: String((i * 53) % 1000), churned: 'false', last_seen: '2026-02-20' };
      }),
      { age: 'number', assets: 'number', churned: 'boolean', last_seen: 'date' },
    );
    const b = await fx.insight.takeSnapshot('value', '2026-03', op);
    expect(b.population).toBe(N - 20);
    const m = fx.insight.transitionMatrix('value', '2026-02', '2026-03');
    expect(m.labels).toEqual(['none of these', 'gold', 'rich']);
    m.counts.forEach((row, i) => expect(row.reduce((s, x) => s + x, 0)).toBe(a.sizes[i]));
    expect(m.departed.reduce((s, x) => s + x, 0)).toBe(50);
    expect(m.arrived.reduce((s, x) => s + x, 0)).toBe(30);
    // Columns: stayers plus arrivals make the later sizes.
    m.labels.forEach((_, j) => expect(m.counts.reduce((s, row) => s + row[j], 0) - (j === 0 ? 50 : 0) + m.arrived[j]).toBe(b.sizes[j]));
    m.rates.forEach((row, i) => a.sizes[i] && expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1));
    await expect(fx.insight.takeSnapshot('value', '2026-03', op)).rejects.toMatchObject({ code: 'INSIGHT_EXISTS' });
  });
});
