import { describe, expect, it } from 'vitest';
import { aggregateFromFlags, parseAggregateColumn } from './aggregate-options.js';

describe('--aggregate-column', () => {
  it.each([
    ['spend:0:5000', { column: 'spend', min: 0, max: 5000 }],
    ['spend:0:5000:2', { column: 'spend', min: 0, max: 5000, scale: 2 }],
    ['spend:0:5000:100,1000', { column: 'spend', min: 0, max: 5000, buckets: [100, 1000] }],
    ['spend:0:5000:2:100,1000', { column: 'spend', min: 0, max: 5000, scale: 2, buckets: [100, 1000] }],
    ['spend:0:5000:0:7', { column: 'spend', min: 0, max: 5000, scale: 0, buckets: [7] }],
    ['balance:-1000.5:1000:1', { column: 'balance', min: -1000.5, max: 1000, scale: 1 }],
  ])('%s', (text, expected) => {
    expect(parseAggregateColumn(text)).toEqual(expected);
  });

  it.each([
    ['spend', /min must be a number/],
    ['spend:0:x', /max must be a number, got "x"/],
    ['spend:0:10:9:1,2', /scale must be a whole number from 0 to 6, got "9"/],
    ['spend:0:10:1:1,a', /each bucket edge must be a number, got "a"/],
    ['spend:0:10:1:2:3', /expected <column>:<min>:<max>/],
  ])('refuses %s naming the option', (text, message) => {
    expect(() => parseAggregateColumn(text)).toThrow(message);
    expect(() => parseAggregateColumn(text)).toThrow(/^--aggregate-column: /);
  });
});

describe('aggregate flags', () => {
  it('build no section without columns, and require ε when there are', () => {
    expect(aggregateFromFlags({})).toBeUndefined();
    expect(() => aggregateFromFlags({ aggregateColumn: ['spend:0:10'] })).toThrow('--epsilon-per-query: is required with --aggregate-column');
  });

  it('fill defaults for the rest', () => {
    expect(aggregateFromFlags({ aggregateColumn: ['spend:0:10'], epsilonPerQuery: '0.5', budgetEpsilon: '5' })).toEqual({
      columns: [{ column: 'spend', min: 0, max: 10 }],
      valueHolder: 'acceptor',
      mechanism: 'discrete-laplace',
      epsilonPerQuery: 0.5,
      budget: { epsilon: 5, periodDays: 30 },
      minGroupSize: 20,
      minInputSize: 100,
      maxGroups: 16,
    });
    expect(() => aggregateFromFlags({ aggregateColumn: ['spend:0:10'], epsilonPerQuery: '1', budgetEpsilon: '5', mechanism: 'gauss' })).toThrow(
      /--mechanism: must be/,
    );
  });
});
