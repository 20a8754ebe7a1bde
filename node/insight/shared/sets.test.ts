import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../audit/list.js';
import { insightFixture, type InsightFixture } from '../../../test/support/insight-fixture.js';
import type { InsightActor } from '../insight.js';

let fx: InsightFixture;
const BRANCHES = ['gd-sz', 'gd-gz', 'zj-hz'];
const admin: InsightActor = { id: 'token:admin-1' };
const hq: InsightActor = { id: 'token:ops-hq', unit: 'hq' };
const gd: InsightActor = { id: 'token:ops-gd', unit: 'gd' };
const sz: InsightActor = { id: 'token:ops-sz', unit: 'gd-sz' };
const gz: InsightActor = { id: 'token:ops-gz', unit: 'gd-gz' };
const hz: InsightActor = { id: 'token:ops-hz', unit: 'zj-hz' };

/** 60 customers: branch BRANCHES[i % 3], age 20 + i, tier gold for even i. */
beforeAll(async () => {
  fx = await insightFixture();
  await fx.importRows(
    'customers',
    Array.from({ length: 60 }, (_, i) => ({ id: `c${i}`, age: String(20 + i), tier: i % 2 ? 'basic' : 'gold', branch: BRANCHES[i % 3] })),
    { age: 'number' },
  );
  for (const [id, parent] of [
    ['hq', null],
    ['gd', 'hq'],
    ['zj', 'hq'],
    ['gd-sz', 'gd'],
    ['gd-gz', 'gd'],
    ['zj-hz', 'zj'],
  ] as const)
    fx.insight.addUnit({ id, name: id, parent }, admin);
  await fx.insight.setUnitAttribute('customers', 'branch', admin);
  await fx.insight.createSegment({ name: 'gold', dataset: 'customers', rule: { attr: 'tier', op: 'eq', value: 'gold' } }, hq);
  await fx.insight.createSegment({ name: 'old-gold', dataset: 'customers', rule: { all: [{ segment: 'gold' }, { attr: 'age', op: 'gte', value: 60 }] } }, hq);
});
afterAll(() => fx.close());

const sets = () => fx.insight.sharedSets;

describe('publishing', () => {
  it('publishes segment rules (references inlined), a strategy and an audience; unchanged content is not republished', () => {
    const { set, changed } = sets().publish({ name: 'vip', segments: ['gold', 'old-gold'], strategy: 'Call them.', to: 'all' }, hq);
    expect(changed).toBe(true);
    expect(set).toMatchObject({ publisher: 'hq', name: 'vip', dataset: 'customers', version: 1, latest: { strategy: 'Call them.', audience: { all: true } } });
    expect(set.latest.segments[1].rule).toEqual({
      all: [
        { attr: 'tier', op: 'eq', value: 'gold' },
        { attr: 'age', op: 'gte', value: 60 },
      ],
    });
    expect(sets().publish({ name: 'vip', segments: ['gold', 'old-gold'], strategy: 'Call them.', to: 'all' }, hq)).toMatchObject({
      changed: false,
      set: { version: 1 },
    });
    const entries = listAudit(fx.db, { action: 'shared_set.published' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ subject: 'hq/vip', details: { version: 1, segments: ['gold', 'old-gold'], audience: 'all' } });
  });

  it('refuses audiences out of reach: a unit publishes only to units below it', async () => {
    await fx.insight.createSegment({ name: 'gd-young', dataset: 'customers', rule: { attr: 'age', op: 'lt', value: 30 } }, gd);
    expect(() => sets().publish({ name: 'p', segments: ['gd-young'], to: ['zj-hz'] }, gd)).toThrow(
      expect.objectContaining({ code: 'SCOPE_FORBIDDEN', details: expect.objectContaining({ field: 'to[0]', unit: 'zj-hz' }) }),
    );
    expect(() => sets().publish({ name: 'p', segments: ['gd-young'], to: ['hq'] }, gd)).toThrow(expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }));
    expect(() => sets().publish({ name: 'p', segments: ['gd-young'], to: ['gd'] }, gd)).toThrow(expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }));
    expect(() => sets().publish({ name: 'p', segments: ['gd-young'], to: ['nope'] }, gd)).toThrow(expect.objectContaining({ code: 'UNIT_NOT_FOUND' }));
    // A branch has no one below it; nor may it publish for its province.
    await fx.insight.createSegment({ name: 'sz-young', dataset: 'customers', rule: { attr: 'age', op: 'lt', value: 30 } }, sz);
    expect(() => sets().publish({ name: 'p', segments: ['sz-young'], to: 'all' }, sz)).toThrow(expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }));
    expect(() => sets().publish({ name: 'p', publisher: 'gd', segments: ['gd-young'], to: 'all' }, sz)).toThrow(
      expect.objectContaining({ code: 'SCOPE_FORBIDDEN' }),
    );
    // Nor share a segment it cannot see.
    expect(() => sets().publish({ name: 'p', segments: ['sz-young'], to: ['gd-gz'] }, { id: 'x', unit: 'zj' })).toThrow(
      expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }),
    );
    // A province publishes to its branches.
    expect(sets().publish({ name: 'young', segments: ['gd-young'], to: ['gd-gz'] }, gd).set.latest.audience).toEqual({ units: ['gd-gz'] });
  });
});

describe('receiving and importing', () => {
  it('receivers list what was published to them; others do not see it', () => {
    const vip = (actor: InsightActor) =>
      sets()
        .list(actor)
        .received.map((s) => `${s.publisher}/${s.name}`);
    expect(vip(sz)).toEqual(['hq/vip']);
    expect(vip(gz)).toEqual(['hq/vip', 'gd/young']);
    expect(vip(hz)).toEqual(['hq/vip']);
    expect(sets().list(hz).published).toEqual([]);
    expect(
      sets()
        .list(gd)
        .published.map((s) => s.name),
    ).toEqual(['young']);
    const young = sets().list(gz).received[1];
    expect(() => sets().get(young.id, hz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    expect(sets().get(young.id, gz).versions).toHaveLength(1);
  });

  it("import creates the unit's own segments, evaluated in its scope, with provenance; audited", async () => {
    const id = sets().list(sz).received[0].id;
    const r = await sets().import(id, sz);
    expect(r.imported).toMatchObject({
      unit: 'gd-sz',
      version: 1,
      segments: [
        { source: 'gold', segment: 'gd-sz-gold' },
        { source: 'old-gold', segment: 'gd-sz-old-gold' },
      ],
    });
    const s = fx.insight.getSegment('gd-sz-gold', sz);
    expect(s).toMatchObject({ unit: 'gd-sz', latest: { size: 10, population: 20 } });
    expect(s.description).toContain('from shared set hq/vip v1');
    expect(() => fx.insight.getSegment('gd-sz-gold', gz)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    await sets().import(id, hz, { prefix: 'hz' });
    expect(fx.insight.getSegment('hz-old-gold', hz).latest).toMatchObject({ size: 3, population: 20 });
    const entry = listAudit(fx.db, { action: 'shared_set.imported' }).at(-1)!;
    expect(entry).toMatchObject({ actor: 'token:ops-hz', subject: 'hq/vip', details: { unit: 'zj-hz', version: 1, segments: ['hz-gold', 'hz-old-gold'] } });
    // Not published to the importer: as if the set did not exist.
    const young = sets().list(gz).received[1].id;
    await expect(sets().import(young, sz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await expect(sets().import(id, gz, { unit: 'gd-sz' })).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
  });

  it("the publisher sees who imported and the coverage in each importing unit's scope", async () => {
    const id = sets().list(sz).received[0].id;
    const status = await sets().status(id, hq);
    expect(status.imports.map((c) => [c.unit, c.covered, c.population, c.bySegment])).toEqual([
      ['gd-sz', 10, 20, { gold: 10, 'old-gold': 3 }],
      ['zj-hz', 10, 20, { gold: 10, 'old-gold': 3 }],
    ]);
    // Only the publisher's side (its scope and above) sees the status.
    await expect(sets().status(id, sz)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    await expect(sets().status(id, gd)).rejects.toMatchObject({ code: 'INSIGHT_NOT_FOUND' });
    expect((await sets().status(id, { id: 'org' })).imports).toHaveLength(2);
  });

  it('republishing changed content makes a new version; importers see an update and importing it versions their segments', async () => {
    await fx.insight.updateSegment(
      'gold',
      {
        rule: {
          all: [
            { attr: 'tier', op: 'eq', value: 'gold' },
            { attr: 'age', op: 'gte', value: 40 },
          ],
        },
      },
      hq,
    );
    const { set, changed } = sets().publish({ name: 'vip', segments: ['gold', 'old-gold'], strategy: 'Call them.', to: 'all' }, hq);
    expect([changed, set.version]).toEqual([true, 2]);
    const mine = sets().list(sz).received[0];
    expect(mine).toMatchObject({ version: 2, imported: { version: 1 }, updateAvailable: true });
    expect(sets().list(gz).received[0]).toMatchObject({ imported: null, updateAvailable: false });
    expect((await sets().status(set.id, hq)).imports.map((c) => c.upToDate)).toEqual([false, false]);
    const r = await sets().import(set.id, sz);
    expect(r).toMatchObject({ updateAvailable: false, imported: { version: 2 } });
    const seg = fx.insight.getSegment('gd-sz-gold', sz);
    expect(seg).toMatchObject({ version: 2, latest: { size: 6 } });
    expect(fx.insight.segmentVersions('gd-sz-gold', sz)).toHaveLength(2);
    const status = await sets().status(set.id, hq);
    expect(status.imports.find((c) => c.unit === 'gd-sz')).toMatchObject({ version: 2, upToDate: true, covered: 6, bySegment: { gold: 6, 'old-gold': 3 } });
  });

  it('a failed import leaves nothing behind', async () => {
    const young = sets().list(gz).received[1].id;
    await fx.insight.createSegment({ name: 'gd-gz-gd-young', dataset: 'customers', rule: { attr: 'age', op: 'lt', value: 25 } }, gz);
    const before = listAudit(fx.db, {}).length;
    await expect(sets().import(young, gz)).rejects.toMatchObject({ code: 'INSIGHT_EXISTS' });
    expect(sets().list(gz).received[1].imported).toBeNull();
    expect(listAudit(fx.db, {}).length).toBe(before);
    expect((await sets().import(young, gz, { prefix: 'gz2' })).imported?.segments).toEqual([{ source: 'gd-young', segment: 'gz2-gd-young' }]);
  });
});

describe('publishing for a unit', () => {
  it('a whole-organisation caller may publish organisation-wide segments on behalf of a unit; a unit-bound caller may not', async () => {
    await fx.insight.createSegment({ name: 'org-senior', dataset: 'customers', rule: { attr: 'age', op: 'gte', value: 70 } }, admin);
    expect(() => sets().publish({ name: 'seniors', segments: ['org-senior'], to: 'all' }, hq)).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
    const { set } = sets().publish({ name: 'seniors', publisher: 'hq', segments: ['org-senior'], to: ['zj'] }, admin);
    expect(set).toMatchObject({ publisher: 'hq', name: 'seniors', latest: { audience: { units: ['zj'] } } });
    expect(set.latest.segments[0].rule).toEqual({ attr: 'age', op: 'gte', value: 70 });
  });
});
