import { describe, expect, it } from 'vitest';
import { coerceAttribute, inferAttributeType } from './attributes.js';

describe('inferAttributeType', () => {
  it.each([
    [['1', '2.5', '-3', '1e3', ''], 'number'],
    [['true', 'FALSE', null], 'boolean'],
    [['2024-02-29', '2024-01-01T08:30:00Z', '2024-01-01 08:30'], 'date'],
    [['007', '12'], 'string'], // a leading zero makes it a code
    [['6222021234567890123'], 'string'], // 19 digits would lose precision as a number
    [['2024-02-30'], 'string'],
    [['1', 'x'], 'string'],
    [[null, '', ' '], 'string'],
    [[' 1', '2 '], 'number'],
    [[42, 1.5], 'number'],
    [[true, false], 'boolean'],
  ] as const)('%j → %s', (values, type) => {
    expect(inferAttributeType(values)).toBe(type);
  });
});

describe('coerceAttribute', () => {
  it('converts text to the column type', () => {
    expect(coerceAttribute('number', '12.50')).toBe(12.5);
    expect(coerceAttribute('boolean', 'True')).toBe(true);
    expect(coerceAttribute('date', '2019-03-01')).toBe('2019-03-01');
    expect(coerceAttribute('string', 12)).toBe('12');
    expect(coerceAttribute('number', ' 34 ')).toBe(34);
    expect(coerceAttribute('string', ' 34 ')).toBe(' 34 ');
  });

  it('empty is null, except in string columns', () => {
    expect(coerceAttribute('number', '')).toBeNull();
    expect(coerceAttribute('date', null)).toBeNull();
    expect(coerceAttribute('string', '')).toBe('');
  });

  it('returns undefined for a value that does not fit', () => {
    expect(coerceAttribute('number', '12,5')).toBeUndefined();
    expect(coerceAttribute('number', '0x10')).toBeUndefined();
    expect(coerceAttribute('boolean', 'yes')).toBeUndefined();
    expect(coerceAttribute('date', '2019-13-01')).toBeUndefined();
    expect(coerceAttribute('date', '2019-01-01T25:00')).toBeUndefined();
    expect(coerceAttribute('string', 'x'.repeat(4097))).toBeUndefined();
  });
});
