import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../audit/list.js';
import { Insight } from '../insight.js';
import { insightFixture, type InsightFixture } from '../../../test/support/insight-fixture.js';
import { periodLabel } from './schedule.js';

let fx: InsightFixture;
const op = { id: 'token:operator-1' };
const TYPES = { assets: 'number' } as const;
const rows = (n: number, withAssets = true) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${i}`, tier: i % 3 ? 'basic' : 'gold', ...(withAssets ? { assets: String(i * 10) } : {}) }));

beforeAll(async () => {
  fx = await insightFixture();
  await fx.importRows('customers', rows(60), TYPES);
  await fx.insight.createSegment({ name: 'rich', dataset: 'customers', rule: { attr: 'assets', op: 'gte', value: 300 } }, op);
});
afterAll(() => fx.close());

const at = (iso: string) => (fx.clock.now = new Date(iso));
const periods = (flow: string) => fx.insight.listSnapshots(flow).map((s) => s.period);
const audit = (flow: string) => listAudit(fx.db, { limit: 1000 }).filter((e) => e.subject === flow);
const count = (table: string) => fx.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('period labels (UTC)', () => {
  it.each([
    ['2026-11-25T10:00:00Z', '2026-11-25', '2026-W48', '2026-11'],
    ['2026-12-31T23:59:59Z', '2026-12-31', '2026-W53', '2026-12'],
    ['2027-01-01T00:00:00Z', '2027-01-01', '2026-W53', '2027-01'],
    ['2027-01-03T12:00:00Z', '2027-01-03', '2026-W53', '2027-01'],
    ['2027-01-04T00:00:00Z', '2027-01-04', '2027-W01', '2027-01'],
    ['2024-12-30T00:00:00Z', '2024-12-30', '2025-W01', '2024-12'],
    ['2026-01-01T00:00:00Z', '2026-01-01', '2026-W01', '2026-01'],
    ['2021-01-03T00:00:00Z', '2021-01-03', '2020-W53', '2021-01'],
    ['2026-03-01T23:30:00-05:00', '2026-03-02', '2026-W10', '2026-03'],
  ])('%s is %s, %s, %s', (iso, day, week, month) => {
    const d = new Date(iso);
    expect([periodLabel('day', d), periodLabel('week', d), periodLabel('month', d)]).toEqual([day, week, month]);
  });
});

describe('scheduled snapshots', () => {
  it('a weekly flow gets exactly one snapshot per ISO week across ticks, racing ticks and restarts', async () => {
    at('2026-12-28T08:00:00Z'); // Monday of 2026-W53
    fx.insight.createFlow({ name: 'weekly', dataset: 'customers', source: { segments: ['rich'] }, every: 'week' }, op);
    expect(await fx.insight.snapshotDue()).toBe(1);
    expect(await fx.insight.snapshotDue()).toBe(0);
    at('2027-01-01T10:00:00Z'); // same ISO week, new year
    expect((await fx.insight.tick()).snapshots).toBe(0);
    // A restarted node (a new service over the same database) does not take it again.
    const restarted = new Insight({ db: fx.db, audit: fx.audit, now: () => fx.clock.now });
    expect(await restarted.snapshotDue()).toBe(0);
    at('2027-01-04T00:00:30Z'); // 2027-W01: two ticks race
    const raced = await Promise.all([fx.insight.snapshotDue(), restarted.snapshotDue()]);
    expect(raced[0] + raced[1]).toBe(1);
    at('2027-01-10T23:59:00Z');
    expect(await restarted.snapshotDue()).toBe(0);
    at('2027-01-11T00:00:00Z');
    expect(await fx.insight.snapshotDue()).toBe(1);
    expect(periods('weekly')).toEqual(['2026-W53', '2027-W01', '2027-W02']);
    expect(fx.insight.listSnapshots('weekly').every((s) => s.takenBy === 'system:insight' && s.sizes.reduce((a, b) => a + b, 0) === 60)).toBe(true);
    expect(audit('weekly').map((e) => [e.action, e.details.period ?? null, e.details.trigger ?? null])).toEqual([
      ['flow.created', null, null],
      ['flow.snapshot', '2026-W53', 'schedule'],
      ['flow.snapshot', '2027-W01', 'schedule'],
      ['flow.snapshot', '2027-W02', 'schedule'],
    ]);
    fx.insight.updateFlow('weekly', { every: null }, op);
  });

  it('a manual snapshot under the period label counts; other manual snapshots keep working', async () => {
    at('2027-02-10T09:00:00Z');
    fx.insight.createFlow({ name: 'monthly', dataset: 'customers', source: { segments: ['rich'] } }, op);
    expect(fx.insight.getFlow('monthly').every).toBeNull();
    await fx.insight.takeSnapshot('monthly', '2027-02', op);
    await fx.insight.takeSnapshot('monthly', undefined, op);
    expect(fx.insight.updateFlow('monthly', { every: 'month' }, op).every).toBe('month');
    expect(await fx.insight.snapshotDue()).toBe(0);
    at('2027-03-01T00:00:00Z');
    expect(await fx.insight.snapshotDue()).toBe(1);
    fx.insight.updateFlow('monthly', { every: null }, op);
    at('2027-04-01T00:00:00Z');
    expect(await fx.insight.snapshotDue()).toBe(0);
    expect(periods('monthly')).toEqual(['2027-02', '2027-02-10', '2027-03']);
    expect(
      audit('monthly')
        .filter((e) => e.action === 'flow.schedule_set')
        .map((e) => e.details),
    ).toEqual([
      { every: 'month', previous: null },
      { every: null, previous: 'month' },
    ]);
  });

  it('a failed scheduled snapshot stores nothing, is audited, and is retried next tick', async () => {
    at('2027-05-05T00:00:00Z');
    fx.insight.createFlow({ name: 'daily', dataset: 'customers', source: { segments: ['rich'] }, every: 'day' }, op);
    // The segment's attribute is gone after this re-import: its rule no longer compiles.
    await fx.importRows('customers', rows(40, false));
    const before = [count('insight_snapshots'), count('insight_snapshot_chunks')];
    expect(await fx.insight.snapshotDue()).toBe(0);
    expect(await fx.insight.snapshotDue()).toBe(0);
    expect([count('insight_snapshots'), count('insight_snapshot_chunks')]).toEqual(before);
    const failed = audit('daily').filter((e) => e.action === 'flow.snapshot_failed');
    expect(failed.map((e) => e.details)).toEqual([
      expect.objectContaining({ period: '2027-05-05', every: 'day' }),
      expect.objectContaining({ period: '2027-05-05', every: 'day' }),
    ]);
    expect(failed[0].details.code).toMatch(/^[A-Z_]+$/);
    await fx.importRows('customers', rows(40), TYPES);
    expect(await fx.insight.snapshotDue()).toBe(1);
    expect(fx.insight.listSnapshots('daily').map((s) => [s.period, s.population])).toEqual([['2027-05-05', 40]]);
  });

  it('refuses an unknown schedule, naming the field', async () => {
    expect(() => fx.insight.createFlow({ name: 'hourly', dataset: 'customers', source: { segments: ['rich'] }, every: 'hour' as never }, op)).toThrow(
      expect.objectContaining({ code: 'INSIGHT_INVALID', details: { field: 'every' } }),
    );
    expect(() => fx.insight.updateFlow('daily', { every: 'fortnight' as never }, op)).toThrow(/every: must be one of day, week, month or none/);
    expect(() => fx.insight.getFlow('hourly')).toThrow(expect.objectContaining({ code: 'INSIGHT_NOT_FOUND' }));
  });
});
