import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan, isoUtc, type PlanVerdict } from './compile.js';
import { checkPlan, type PropertySpec, type TrackingPlan } from './model.js';

const plan: TrackingPlan = checkPlan({
  undeclared: 'reject',
  events: {
    'card.paid': {
      properties: {
        amount: { type: 'number', required: true, min: 0, max: 1_000_000 },
        channel: { type: 'enum', values: ['app', 'web', 'branch'] },
        memo: { type: 'string', maxLength: 4 },
        first: { type: 'boolean' },
        at: { type: 'time' },
      },
    },
    'promo.viewed': { properties: {}, undeclared: 'quarantine' },
  },
});
const validate = compilePlan(plan, ['promo.viewed']);

describe('compilePlan: what ingestion gets for one event', () => {
  it('accepts a declared event and gives times back as ISO UTC', () => {
    expect(validate('card.paid', { amount: 12.5, channel: 'app', memo: '早上好', first: true, at: '2026-01-31T17:30:00+08:00' })).toEqual({
      kind: 'accept',
      properties: { amount: 12.5, channel: 'app', memo: '早上好', first: true, at: '2026-01-31T09:30:00.000Z' },
    });
  });

  it('treats a missing or null optional property as not given, and missing properties as none', () => {
    expect(validate('card.paid', { amount: 0, memo: null })).toEqual({ kind: 'accept', properties: { amount: 0 } });
    expect(validate('card.paid', undefined)).toMatchObject({ kind: 'reject', field: 'properties.amount' });
  });

  it.each([
    [{}, 'properties.amount', 'properties.amount is required'],
    [{ amount: null }, 'properties.amount', 'properties.amount is required'],
    [{ amount: '12' }, 'properties.amount', 'properties.amount must be a finite number'],
    [{ amount: -1 }, 'properties.amount', 'properties.amount is below the minimum 0'],
    [{ amount: 2_000_000 }, 'properties.amount', 'properties.amount is above the maximum 1000000'],
    [{ amount: 1, channel: 'fax' }, 'properties.channel', 'properties.channel is not one of the 3 declared values'],
    [{ amount: 1, memo: 'hello' }, 'properties.memo', 'properties.memo is longer than 4 characters'],
    [{ amount: 1, memo: 'a\udc00' }, 'properties.memo', 'properties.memo is not well-formed text (a lone UTF-16 surrogate)'],
    [{ amount: 1, first: 'yes' }, 'properties.first', 'properties.first must be true or false'],
    [{ amount: 1, at: '2026-01-31T09:30:00' }, 'properties.at', expect.stringContaining('ISO 8601 date-time with a zone')],
    [{ amount: 1, at: '2026-02-30T09:30:00Z' }, 'properties.at', expect.stringContaining('ISO 8601')],
    [{ amount: 1, secret: 'x' }, 'properties.secret', 'properties.secret is not declared for this event'],
  ])('rejects %j naming %s', (properties, field, reason) => {
    expect(validate('card.paid', properties)).toEqual({ kind: 'reject', field, reason });
  });

  it('never echoes the value in a reason', () => {
    const phone = '13800138000';
    for (const properties of [{ amount: phone }, { amount: 1, channel: phone }, { amount: 1, memo: phone }, { amount: 1, at: phone }]) {
      const verdict: PlanVerdict = validate('card.paid', properties);
      expect(verdict.kind).toBe('reject');
      expect(JSON.stringify(verdict)).not.toContain(phone);
    }
  });

  it('names an undeclared property only when its key is a plausible name', () => {
    expect(validate('card.paid', { amount: 1, 'a phone 13800138000': 1 })).toEqual({
      kind: 'reject',
      field: 'properties',
      reason: 'properties has a member the event does not declare',
    });
  });

  it('applies the plan policy to undeclared events and the event policy to its undeclared properties', () => {
    expect(validate('card.refunded', {})).toEqual({ kind: 'reject', field: 'name', reason: 'the event is not declared in the tracking plan' });
    const quarantining = compilePlan(checkPlan({ ...plan, undeclared: 'quarantine' }));
    expect(quarantining('card.refunded', {})).toMatchObject({ kind: 'quarantine', field: 'name' });
    expect(quarantining('promo.viewed', { banner: 'b1' })).toEqual({
      kind: 'quarantine',
      field: 'properties.banner',
      reason: 'properties.banner is not declared for this event',
    });
  });

  it('answers paused for a paused event before looking at its properties', () => {
    expect(validate('promo.viewed', 'not even an object')).toEqual({ kind: 'paused' });
  });

  it('rejects names that are not strings or break the name rule, and properties that are not an object', () => {
    expect(validate(42, {})).toMatchObject({ kind: 'reject', field: 'name', reason: 'name must be a string' });
    expect(validate('Card Paid', {})).toMatchObject({ kind: 'reject', field: 'name', reason: expect.stringContaining('must match') });
    expect(validate('card.paid', [1])).toMatchObject({ kind: 'reject', field: 'properties' });
    expect(validate('card.paid', 'amount=1')).toMatchObject({ kind: 'reject', field: 'properties' });
  });

  it('does not read inherited members as properties', () => {
    expect(validate('card.paid', Object.create({ amount: 5 }))).toMatchObject({ kind: 'reject', field: 'properties.amount' });
  });
});

describe('isoUtc (RFC 3339 date-times)', () => {
  it.each([
    ['2026-01-31T09:30:00Z', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31t09:30:00.123456789z', '2026-01-31T09:30:00.123Z'],
    ['2026-01-01T01:00:00+08:00', '2025-12-31T17:00:00.000Z'],
    ['2024-02-29T00:00:00-05:30', '2024-02-29T05:30:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['0000-02-29T23:59:59.5Z', '0000-02-29T23:59:59.500Z'],
    ['2026-01-31 09:30:00.12-00:30', '2026-01-31T10:00:00.120Z'],
  ])('%s → %s', (text, iso) => expect(isoUtc(text)).toBe(iso));

  it.each([
    '2026-01-31',
    '2026-01-31T09:30Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T09:30:00+0800',
    ' 2026-01-31T09:30:00Z',
    '2026-01-31T09:30:00Z ',
    '2026-01-31T09:30:00.Z',
    '2026-01-31T09:30:00.1234567890Z',
    '2026-01-31T09:30:00+24:00',
    '2026-01-31T09:3a:00Z',
    '2026-01-31T09:30:60Z',
    '2100-02-29T00:00:00Z',
  ])('refuses %s', (text) => expect(isoUtc(text)).toBeNull());
});

// Property tests: a plan of one event with generated properties; a value generated from each spec.
const propertyName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/).filter((n) => !(n in Object.prototype));
const spec: fc.Arbitrary<PropertySpec> = fc.oneof(
  fc.record({ type: fc.constant('string' as const), required: fc.boolean(), maxLength: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ type: fc.constant('number' as const), required: fc.boolean(), min: fc.integer({ min: -100, max: 0 }), max: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ type: fc.constant('boolean' as const), required: fc.boolean() }),
  fc.record({ type: fc.constant('time' as const), required: fc.boolean() }),
  fc.record({
    type: fc.constant('enum' as const),
    required: fc.boolean(),
    values: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
  }),
);
const specs = fc.dictionary(propertyName, spec, { minKeys: 1, maxKeys: 8 });

function arbitraryValue(s: PropertySpec): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'string':
      return fc.string({ unit: 'grapheme-ascii', maxLength: s.maxLength });
    case 'number':
      return fc.double({ min: s.min, max: s.max, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'time':
      return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'enum':
      return fc.constantFrom(...s.values);
  }
}

/** A value of another type than `s` accepts. */
function wrongValueOf(s: PropertySpec): unknown {
  return s.type === 'number' ? 'twelve' : s.type === 'boolean' ? 1 : 42;
}

const eventOf = (declared: Record<string, PropertySpec>) =>
  fc.record(Object.fromEntries(Object.entries(declared).map(([k, s]) => [k, arbitraryValue(s)])), {
    requiredKeys: Object.entries(declared)
      .filter(([, s]) => s.required)
      .map(([k]) => k),
  });

describe('compilePlan: properties', () => {
  it('accepts every event generated from its declaration, keeping the values', () => {
    const scenario = specs.chain((declared) => fc.tuple(fc.constant(declared), eventOf(declared)));
    fc.assert(
      fc.property(scenario, ([declared, properties]) => {
        const validator = compilePlan(checkPlan({ events: { 'app.opened': { properties: declared } } }));
        const verdict = validator('app.opened', properties);
        expect(verdict).toEqual({ kind: 'accept', properties: expect.any(Object) });
        if (verdict.kind === 'accept') expect(verdict.properties).toEqual(properties);
      }),
    );
  });

  it('rejects an event whose property has the wrong type, naming that property', () => {
    const scenario = specs.chain((declared) => fc.tuple(fc.constant(declared), eventOf(declared), fc.constantFrom(...Object.keys(declared))));
    fc.assert(
      fc.property(scenario, ([declared, properties, mutated]) => {
        const validator = compilePlan(checkPlan({ events: { 'app.opened': { properties: declared } } }));
        const verdict = validator('app.opened', { ...properties, [mutated]: wrongValueOf(declared[mutated]) });
        expect(verdict).toMatchObject({ kind: 'reject', field: `properties.${mutated}` });
        if (verdict.kind === 'reject') expect(verdict.reason.startsWith(`properties.${mutated} `)).toBe(true);
      }),
    );
  });

  it('rejects or quarantines an undeclared property per the policy, naming it', () => {
    const scenario = specs.chain((declared) =>
      fc.tuple(
        fc.constant(declared),
        eventOf(declared),
        propertyName.filter((n) => !(n in declared)),
        fc.constantFrom('reject' as const, 'quarantine' as const),
      ),
    );
    fc.assert(
      fc.property(scenario, ([declared, properties, extra, policy]) => {
        const validator = compilePlan(checkPlan({ undeclared: policy, events: { 'app.opened': { properties: declared } } }));
        expect(validator('app.opened', { ...properties, [extra]: 1 })).toMatchObject({ kind: policy, field: `properties.${extra}` });
      }),
    );
  });
});
