import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoToEpochMs, DAY_MS } from '../profiles/dates.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { compileForDataset } from '../segments/store.js';
import { insightFixture, type InsightFixture } from '../../../test/support/insight-fixture.js';
import type { Rule } from './rule.js';

/** Random customers: every attribute type, with unset values. */
interface Customer {
  id: string;
  age: number | null;
  tier: string | null;
  name: string | null;
  active: boolean | null;
  since: string | null;
}
const TIERS = ['gold', 'silver', 'bronze'];
const NAMES = ['ann', 'bob', "o'neil", 'zoë', 'x"y'];
const customerArb = fc.record({
  age: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }),
  tier: fc.option(fc.constantFrom(...TIERS), { nil: null }),
  name: fc.option(fc.constantFrom(...NAMES), { nil: null }),
  active: fc.option(fc.boolean(), { nil: null }),
  since: fc.option(
    fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.parse('2026-03-01T00:00:00Z') - d * DAY_MS).toISOString().slice(0, 10)),
    { nil: null },
  ),
});

let fx: InsightFixture;
let catalogue: ProfileCatalogue;
let customers: Customer[];

beforeAll(async () => {
  fx = await insightFixture();
  customers = fc.sample(customerArb, { numRuns: 300, seed: 42 }).map((c, i) => ({ id: `c${i}`, ...c }));
  // Row 0 sets every column, so type inference sees every type.
  customers[0] = { id: 'c0', age: 40, tier: 'gold', name: 'ann', active: true, since: '2026-01-01' };
  // An empty CSV cell in a string column is the empty string (set), as the import stores it.
  for (const c of customers) Object.assign(c, { tier: c.tier ?? '', name: c.name ?? '' });
  await fx.importRows(
    'customers',
    customers.map((c) => ({
      id: c.id,
      age: c.age?.toString() ?? '',
      tier: c.tier ?? '',
      name: c.name ?? '',
      active: c.active?.toString() ?? '',
      since: c.since ?? '',
    })),
    { age: 'number', tier: 'string', name: 'string', active: 'boolean', since: 'date' },
  );
  catalogue = await fx.insight.catalogue('customers');
});
afterAll(() => fx.close());

const NOW = new Date('2026-03-01T12:00:00Z');
const count = (rule: unknown) => {
  const { sql, params } = compileForDataset(fx.db, rule, catalogue, NOW);
  return fx.db
    .prepare(`SELECT count(*) FROM ${catalogue.table} p WHERE ${sql}`)
    .pluck()
    .get(...params) as number;
};

/** The plain in-memory reading of a rule (docs/insight.md, "Semantics"). */
function evaluate(rule: Rule, c: Customer): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluate(r, c));
  if ('any' in rule) return rule.any.some((r) => evaluate(r, c));
  if ('not' in rule) return !evaluate(rule.not, c);
  if ('segment' in rule || 'event' in rule) throw new Error('not generated');
  const raw = c[rule.attr as keyof Customer];
  const v = rule.attr === 'since' && raw !== null ? isoToEpochMs(raw as string) : raw;
  const conv = (x: unknown) => (rule.attr === 'since' ? isoToEpochMs(x as string) : x) as number | string | boolean;
  if (rule.op === 'isSet') return v !== null;
  if (rule.op === 'isNotSet') return v === null;
  if (v === null) return false;
  switch (rule.op) {
    case 'eq':
      return v === conv(rule.value);
    case 'ne':
      return v !== conv(rule.value);
    case 'lt':
      return v < conv(rule.value);
    case 'lte':
      return v <= conv(rule.value);
    case 'gt':
      return v > conv(rule.value);
    case 'gte':
      return v >= conv(rule.value);
    case 'between':
      return v >= conv(rule.min) && v <= conv(rule.max);
    case 'in':
      return rule.values.map(conv).includes(v);
    case 'notIn':
      return !rule.values.map(conv).includes(v);
    case 'withinLast':
      return (v as number) >= NOW.getTime() - rule.days * DAY_MS;
    case 'notWithinLast':
      return (v as number) < NOW.getTime() - rule.days * DAY_MS;
  }
}

const date = fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.parse('2026-03-01T00:00:00Z') - d * DAY_MS).toISOString().slice(0, 10));
const leafArb: fc.Arbitrary<Rule> = fc.oneof(
  fc.record({ attr: fc.constant('age'), op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), value: fc.integer({ min: -5, max: 105 }) }),
  fc.record({ attr: fc.constant('age'), op: fc.constant('between' as const), min: fc.integer({ min: 0, max: 50 }), max: fc.integer({ min: 50, max: 99 }) }),
  fc.record({
    attr: fc.constant('age'),
    op: fc.constantFrom('in', 'notIn' as const),
    values: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 5 }),
  }),
  fc.record({ attr: fc.constant('tier'), op: fc.constantFrom('eq', 'ne' as const), value: fc.constantFrom(...TIERS) }),
  fc.record({ attr: fc.constant('tier'), op: fc.constantFrom('in', 'notIn' as const), values: fc.subarray(TIERS, { minLength: 1 }) }),
  fc.record({ attr: fc.constant('name'), op: fc.constantFrom('eq', 'ne', 'lt', 'gte' as const), value: fc.constantFrom(...NAMES) }),
  fc.record({ attr: fc.constant('active'), op: fc.constantFrom('eq', 'ne' as const), value: fc.boolean() }),
  fc.record({ attr: fc.constantFrom('age', 'tier', 'name', 'active', 'since'), op: fc.constantFrom('isSet', 'isNotSet' as const) }),
  fc.record({ attr: fc.constant('since'), op: fc.constantFrom('withinLast', 'notWithinLast' as const), days: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ attr: fc.constant('since'), op: fc.constantFrom('lt', 'gte' as const), value: date }),
  fc.record({ attr: fc.constant('since'), op: fc.constant('between' as const), min: date, max: fc.constant('2026-03-01') }),
) as fc.Arbitrary<Rule>;
const ruleArb: fc.Arbitrary<Rule> = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ) as fc.Arbitrary<Rule>,
})).rule;

describe('rule compiler', () => {
  it('segment sizes equal a plain in-memory evaluation (random rules over random customers)', () => {
    fc.assert(
      fc.property(ruleArb, (rule) => {
        expect(count(rule)).toBe(customers.filter((c) => evaluate(rule, c)).length);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it.each([
    ['eq', { attr: 'age', op: 'eq', value: 40 }],
    ['ne', { attr: 'tier', op: 'ne', value: 'gold' }],
    ['lt', { attr: 'age', op: 'lt', value: 30 }],
    ['lte', { attr: 'age', op: 'lte', value: 30 }],
    ['gt', { attr: 'since', op: 'gt', value: '2025-12-01' }],
    ['gte', { attr: 'name', op: 'gte', value: 'bob' }],
    ['between', { attr: 'age', op: 'between', min: 20, max: 30 }],
    ['in', { attr: 'tier', op: 'in', values: ['gold', 'bronze'] }],
    ['notIn', { attr: 'age', op: 'notIn', values: [1, 2, 3] }],
    ['isSet', { attr: 'active', op: 'isSet' }],
    ['isNotSet', { attr: 'since', op: 'isNotSet' }],
    ['withinLast', { attr: 'since', op: 'withinLast', days: 30 }],
    ['notWithinLast', { attr: 'since', op: 'notWithinLast', days: 30 }],
  ] as [string, Rule][])('operator %s selects what its definition says', (_op, rule) => {
    const expected = customers.filter((c) => evaluate(rule, c)).length;
    expect(count(rule)).toBe(expected);
    expect(count({ not: rule })).toBe(customers.length - expected);
  });

  it.each([
    [{ attr: 'age', op: 'eq', value: '40' }, 'rule.value', 'age', 'eq', 'a finite number'],
    [{ attr: 'active', op: 'lt', value: true }, 'rule.op', 'active', 'lt', undefined],
    [{ attr: 'tier', op: 'gt', value: 3 }, 'rule.value', 'tier', 'gt', 'a string'],
    [{ attr: 'since', op: 'eq', value: '01/02/2026' }, 'rule.value', 'since', 'eq', 'an ISO-8601 date (YYYY-MM-DD, optionally with a time)'],
    [{ attr: 'age', op: 'withinLast', days: 3 }, 'rule.op', 'age', 'withinLast', undefined],
    [
      { all: [{ attr: 'age', op: 'gt', value: 1 }, { not: { attr: 'name', op: 'in', values: ['ann', 7] } }] },
      'rule.all[1].not.values[1]',
      'name',
      'in',
      'a string',
    ],
    [{ attr: 'age', op: 'between', min: 9, max: 3 }, 'rule', 'age', 'between', undefined],
    [{ attr: 'age', op: 'eq', value: 1, extra: 2 }, 'rule', 'age', 'eq', undefined],
    [{ attr: 'nope', op: 'isSet' }, 'rule.attr', 'nope', 'isSet', undefined],
    [{ attr: 'age', op: 'like', value: 1 }, 'rule.op', 'age', 'like', undefined],
  ])('type error %j names path, attribute, operator and expectation', (rule, path, attr, op, expected) => {
    let error: { code?: string; message?: string; details?: Record<string, unknown> } = {};
    try {
      count(rule);
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('RULE_INVALID');
    expect(error.details).toMatchObject({ path, attr, op, ...(expected ? { expected } : {}) });
    expect(error.message).toContain(path);
  });

  it('rejects shapes that are not rules, naming where', () => {
    for (const [rule, path] of [
      [null, 'rule'],
      [{ all: [] }, 'rule.all'],
      [{ any: [{ not: 5 }] }, 'rule.any[0].not'],
      [{ foo: 1 }, 'rule'],
    ] as const) {
      expect(() => count(rule)).toThrow(expect.objectContaining({ code: 'RULE_INVALID', details: expect.objectContaining({ path }) }));
    }
  });

  it('binds injection attempts in values as plain data', () => {
    const attacks = ["gold' OR 1=1 --", 'x"); DROP TABLE records; --', "'; DELETE FROM insight_segments; --", '\u0000', 'a\\'];
    for (const value of attacks) {
      expect(count({ attr: 'tier', op: 'eq', value })).toBe(0);
      expect(count({ attr: 'name', op: 'in', values: [value, 'ann'] })).toBe(customers.filter((c) => c.name === 'ann').length);
    }
    expect(count({ attr: 'name', op: 'eq', value: "o'neil" })).toBe(customers.filter((c) => c.name === "o'neil").length);
    expect(fx.db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(customers.length);
  });

  it('never puts attribute names into SQL: injection attempts are unknown attributes', () => {
    for (const attr of ['age" OR 1=1 --', 'a0', '"a0"', 'row', 'id_norm', 'p.row', '1); DROP TABLE records; --', '__proto__', 'constructor']) {
      expect(() => count({ attr, op: 'isSet' })).toThrow(
        expect.objectContaining({ code: 'RULE_INVALID', details: expect.objectContaining({ attr, path: 'rule.attr' }) }),
      );
    }
    const { sql } = compileForDataset(
      fx.db,
      {
        all: [
          { attr: 'age', op: 'gt', value: 1 },
          { attr: 'tier', op: 'eq', value: "x' --" },
        ],
      },
      catalogue,
      NOW,
    );
    expect(sql).not.toContain('age');
    expect(sql).not.toContain("x'");
    expect(sql).toMatch(/p\."a0"/);
  });

  it('refuses hostile sizes: depth and node count are bounded', () => {
    let deep: unknown = { attr: 'age', op: 'isSet' };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    expect(() => count(deep)).toThrow(expect.objectContaining({ code: 'RULE_INVALID', details: expect.objectContaining({ limit: 32 }) }));
    const wide = { any: Array.from({ length: 1200 }, () => ({ attr: 'age', op: 'isSet' })) };
    expect(() => count(wide)).toThrow(expect.objectContaining({ code: 'RULE_INVALID', details: expect.objectContaining({ limit: 1000 }) }));
  });
});
