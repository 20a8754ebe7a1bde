import { describe, expect, it } from 'vitest';
import { MofangError } from '../../errors.js';
import { checkPlan } from './model.js';

function fieldOf(input: unknown): string {
  try {
    checkPlan(input);
  } catch (err) {
    expect(err).toBeInstanceOf(MofangError);
    expect((err as MofangError).code).toBe('TRACKING_PLAN_INVALID');
    return (err as MofangError).details?.field as string;
  }
  throw new Error('the plan was accepted');
}

describe('checkPlan', () => {
  it('returns the canonical form: names sorted, required explicit, defaults filled', () => {
    const plan = checkPlan({ events: { 'b.x': { properties: { z: { type: 'boolean' }, a: { type: 'time', required: true } } }, 'a.y': {} } });
    expect(plan).toEqual({
      undeclared: 'reject',
      events: { 'a.y': { properties: {} }, 'b.x': { properties: { a: { type: 'time', required: true }, z: { type: 'boolean', required: false } } } },
    });
    expect(Object.keys(plan.events)).toEqual(['a.y', 'b.x']);
    expect(Object.keys(plan.events['b.x'].properties)).toEqual(['a', 'z']);
  });

  it.each([
    [[], 'plan'],
    [{ undeclared: 'drop' }, 'undeclared'],
    [{ extra: 1 }, 'plan'],
    [{ events: { 'Card.Paid': {} } }, 'events'],
    [{ events: { 'card.paid': { properties: { constructor: { type: 'boolean' } } } } }, 'events.card.paid.properties'],
    [{ events: { 'card.paid': { properties: { 'a-b': { type: 'boolean' } } } } }, 'events.card.paid.properties'],
    [{ events: { 'card.paid': { properties: { a: { type: 'date' } } } } }, 'events.card.paid.properties.a.type'],
    [{ events: { 'card.paid': { properties: { a: { type: 'string' } } } } }, 'events.card.paid.properties.a.maxLength'],
    [{ events: { 'card.paid': { properties: { a: { type: 'string', maxLength: 0 } } } } }, 'events.card.paid.properties.a.maxLength'],
    [{ events: { 'card.paid': { properties: { a: { type: 'number', min: 5, max: 1 } } } } }, 'events.card.paid.properties.a.max'],
    [{ events: { 'card.paid': { properties: { a: { type: 'number', maxLength: 3 } } } } }, 'events.card.paid.properties.a.maxLength'],
    [{ events: { 'card.paid': { properties: { a: { type: 'enum', values: [] } } } } }, 'events.card.paid.properties.a.values'],
    [{ events: { 'card.paid': { properties: { a: { type: 'enum', values: ['x', 'x'] } } } } }, 'events.card.paid.properties.a.values[1]'],
    [{ events: { 'card.paid': { properties: { a: { type: 'boolean', required: 'yes' } } } } }, 'events.card.paid.properties.a.required'],
    [{ events: { 'card.paid': { retentionDays: 0 } } }, 'events.card.paid.retentionDays'],
    [{ events: { 'card.paid': { undeclared: 'ignore' } } }, 'events.card.paid.undeclared'],
  ])('refuses %j naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });
});
