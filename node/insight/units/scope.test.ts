import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../audit/list.js';
import { insightFixture, type InsightFixture } from '../../../test/support/insight-fixture.js';
import type { InsightActor } from '../insight.js';
import type { LayerCell } from '../layering/compute.js';

let fx: InsightFixture;
const BRANCHES = ['gd-sz', 'gd-gz', 'zj-hz'];
const admin: InsightActor = { id: 'token:admin-1' };
const org: InsightActor = { id: 'token:ops-org' };
const sz: InsightActor = { id: 'token:ops-sz', unit: 'gd-sz' };
const gz: InsightActor = { id: 'token:ops-gz', unit: 'gd-gz' };
const gd: InsightActor = { id: 'token:ops-gd', unit: 'gd' };
const hz: InsightActor = { id: 'token:ops-hz', unit: 'zj-hz' };

/** Customers c0…c59: branch BRANCHES[i % 3], age 20 + i; u0…u2 have no branch. */
beforeAll(async () => {
  fx = await insightFixture();
  const rows = Array.from({ length: 60 }, (_, i) => ({ id: `c${i}`, age: String(20 + i), branch: BRANCHES[i % 3] }));
  rows.push(...[0, 1, 2].map((i) => ({ id: `u${i}`, age: '30', branch: '' })));
  await fx.importRows('customers', rows, { age: 'number' });
  fx.insight.addUnit({ id: 'hq', name: 'Head office' }, admin);
  fx.insight.addUnit({ id: 'gd', name: 'Guangdong', parent: 'hq' }, admin);
  fx.insight.addUnit({ id: 'zj', name: 'Zhejiang', parent: 'hq' }, admin);
  fx.insight.addUnit({ id: 'gd-sz', name: 'Shenzhen', parent: 'gd' }, admin);
  fx.insight.addUnit({ id: 'gd-gz', name: 'Guangzhou', parent: 'gd' }, admin);
  fx.insight.addUnit({ id: 'zj-hz', name: 'Hangzhou', parent: 'zj' }, admin);
});
afterAll(() => fx.close());

const branchOf = (id: string) => BRANCHES[Number(id.slice(1)) % 3];
const everyone = { attr: 'age', op: 'gte', value: 0 } as const;

describe('organisation units', () => {
  it('form one tree: one head office, parents must exist, ids are unique; audited', () => {
    expect(fx.insight.listUnits().map((u) => u.id)).toEqual(['hq', 'gd', 'zj', 'gd-gz', 'gd-sz', 'zj-hz']);
    expect(() => fx.insight.addUnit({ id: 'hq2', name: 'Second head office' }, admin)).toThrow(
      expect.objectContaining({ code: 'UNIT_INVALID', details: expect.objectContaining({ field: 'parent' }) }),
    );
    expect(() => fx.insight.addUnit({ id: 'x', name: 'X', parent: 'nope' }, admin)).toThrow(expect.objectContaining({ code: 'UNIT_NOT_FOUND' }));
    expect(() => fx.insight.addUnit({ id: 'gd', name: 'Again', parent: 'hq' }, admin)).toThrow(expect.objectContaining({ code: 'UNIT_INVALID' }));
    expect(() => fx.insight.addUnit({ id: 'Bad Id', name: 'X', parent: 'hq' }, admin)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    expect(listAudit(fx.db, { action: 'unit.added' }).map((e) => e.subject)).toEqual(['hq', 'gd', 'zj', 'gd-sz', 'gd-gz', 'zj-hz']);
  });

  it('a scoped caller sees nothing of a dataset without a unit attribute; the attribute must be a string column', async () => {
    await expect(fx.insight.preview('customers', everyone, 1, sz)).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    await expect(fx.insight.setUnitAttribute('customers', 'age', admin)).rejects.toMatchObject({ code: 'UNIT_INVALID' });
    await expect(fx.insight.setUnitAttribute('customers', 'nope', admin)).rejects.toMatchObject({ code: 'UNIT_INVALID' });
    expect(await fx.insight.setUnitAttribute('customers', 'branch', admin)).toMatchObject({ dataset: 'customers', attribute: 'branch' });
    expect(listAudit(fx.db, { action: 'unit_attribute.set' }).at(-1)).toMatchObject({ subject: 'customers', details: { attribute: 'branch', previous: null } });
  });
});

describe('scoped reads', () => {
  it('lookup: a branch finds its own customers only; another branch\'s customer is "not found"', async () => {
    expect((await fx.insight.showProfile('customers', 'c0', sz)).attributes).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'branch', value: 'gd-sz' })]),
    );
    await expect(fx.insight.showProfile('customers', 'c1', sz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await expect(fx.insight.showProfile('customers', 'c0', gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await expect(fx.insight.showProfile('customers', 'u0', { id: 'x', unit: 'hq' })).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    // The province sees both of its branches, not the other province's.
    await fx.insight.showProfile('customers', 'c0', gd);
    await fx.insight.showProfile('customers', 'c1', gd);
    await expect(fx.insight.showProfile('customers', 'c2', gd)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await fx.insight.showProfile('customers', 'u0', org);
  });

  it('preview: sizes, populations and samples are those of the scope', async () => {
    const sample = async (actor: InsightActor) => {
      const p = await fx.insight.preview('customers', everyone, 50, actor);
      return { size: p.size, population: p.population, branches: new Set(p.sample.map((s) => s.values.age).map((age) => branchOf(`c${Number(age) - 20}`))) };
    };
    expect(await sample(sz)).toEqual({ size: 20, population: 20, branches: new Set(['gd-sz']) });
    expect(await sample(gz)).toEqual({ size: 20, population: 20, branches: new Set(['gd-gz']) });
    expect(await sample(gd)).toEqual({ size: 40, population: 40, branches: new Set(['gd-sz', 'gd-gz']) });
    expect((await sample({ id: 'x', unit: 'hq' })).size).toBe(60);
    expect((await sample(org)).size).toBe(63);
    // A rule naming another branch's customers directly still yields nothing.
    expect((await fx.insight.preview('customers', { attr: 'branch', op: 'eq', value: 'gd-gz' }, 5, sz)).size).toBe(0);
    expect((await fx.insight.attributes('customers', sz)).rowCount).toBe(20);
  });

  it("segments: materialised in their unit's scope; members, sizes and versions invisible to other branches", async () => {
    const s = await fx.insight.createSegment({ name: 'sz-older', dataset: 'customers', rule: { attr: 'age', op: 'gte', value: 50 } }, sz);
    expect(s).toMatchObject({ unit: 'gd-sz', latest: { size: 10, population: 20 } });
    const members = await fx.insight.segmentMembers('sz-older', sz);
    const ids = (await fx.insight.readAttributes('customers', ['branch'], members.rows)).columns[0];
    expect(ids.type === 'enum' || ids.type === 'string' ? ids.dictionary : []).toEqual(['gd-sz']);
    for (const call of [
      () => fx.insight.getSegment('sz-older', gz),
      () => fx.insight.segmentVersions('sz-older', gz),
      () => fx.insight.getSegment('sz-older', hz),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    }
    await expect(fx.insight.segmentMembers('sz-older', gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await expect(fx.insight.refreshSegment('sz-older', gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    expect(fx.insight.listSegments({}, gz).map((x) => x.name)).not.toContain('sz-older');
    // Referring to it from another branch fails as if it did not exist.
    await expect(fx.insight.preview('customers', { segment: 'sz-older' }, 1, gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    // The province sees it, with the branch's size; the scheduler refreshes it in the branch's scope.
    expect(fx.insight.getSegment('sz-older', gd).latest?.size).toBe(10);
    expect((await fx.insight.refreshSegment('sz-older', { id: 'system:insight' }, 'schedule')).size).toBe(10);
    // An organisation-wide segment is not visible to a branch (its size counts everyone).
    await fx.insight.createSegment({ name: 'all-older', dataset: 'customers', rule: { attr: 'age', op: 'gte', value: 50 } }, org);
    expect(() => fx.insight.getSegment('all-older', sz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    expect(fx.insight.getSegment('all-older', org).latest?.size).toBe(30);
  });

  it('layering: cells count the scope only (enum cells of other units are listed, empty)', async () => {
    const spec = { root: { split: { attr: 'branch', by: 'values' as const } } };
    const sizes = async (actor: InsightActor) =>
      Object.fromEntries(
        (await fx.insight.computeLayering('customers', spec, actor)).root.children
          .filter((c: LayerCell) => c.size > 0)
          .map((c: LayerCell) => [c.label, c.size]),
      );
    expect(await sizes(sz)).toEqual({ 'gd-sz': 20 });
    expect(await sizes(gd)).toEqual({ 'gd-gz': 20, 'gd-sz': 20 });
    expect((await fx.insight.computeLayering('customers', { ...spec, base: { attr: 'age', op: 'lt', value: 50 } }, hz)).root.size).toBe(10);
    const saved = await fx.insight.saveLayering({ name: 'sz-branch', dataset: 'customers', spec }, sz);
    expect(saved.layering.unit).toBe('gd-sz');
    expect(() => fx.insight.getLayering('sz-branch', gz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    await expect(fx.insight.runLayering('sz-branch', gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    // The province runs the branch's layering in the branch's scope.
    expect((await fx.insight.runLayering('sz-branch', gd)).root.size).toBe(20);
  });

  it("flows: snapshots count the flow's unit scope; other branches cannot read them", async () => {
    fx.insight.createFlow({ name: 'sz-flow', dataset: 'customers', source: { segments: ['sz-older'] } }, sz);
    expect(() => fx.insight.createFlow({ name: 'gz-flow', dataset: 'customers', source: { segments: ['sz-older'] } }, gz)).toThrow(
      expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }),
    );
    const s1 = await fx.insight.takeSnapshot('sz-flow', 'p1', sz);
    expect(s1).toMatchObject({ population: 20, sizes: [10, 10] });
    fx.clock.now = new Date('2026-03-02T12:00:00Z');
    const s2 = await fx.insight.takeSnapshot('sz-flow', 'p2', gd);
    expect(s2.population).toBe(20);
    expect(fx.insight.transitionMatrix('sz-flow', 'p1', 'p2', sz).counts).toEqual([
      [10, 0],
      [0, 10],
    ]);
    expect(() => fx.insight.transitionMatrix('sz-flow', 'p1', 'p2', gz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    expect(() => fx.insight.listSnapshots('sz-flow', hz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    expect(fx.insight.listFlows(gz)).toEqual([]);
    await expect(fx.insight.takeSnapshot('sz-flow', 'p3', gz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
  });

  it('a caller acts only for units within its scope', () => {
    expect(fx.insight.actingUnit(gd, 'gd-sz')).toBe('gd-sz');
    expect(() => fx.insight.actingUnit(sz, 'gd')).toThrow(expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }));
    expect(() => fx.insight.actingUnit(sz, 'gd-gz')).toThrow(expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }));
    expect(() => fx.insight.actingUnit(org, undefined)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});
