import { describe, expect, it } from 'vitest';
import { changePercent, checkCondition, holds, transition } from './rules.js';

const at = (iso: string) => new Date(iso);

describe('alert rule conditions', () => {
  it('a threshold holds strictly above or below its value', () => {
    expect(holds({ kind: 'threshold', direction: 'above', value: 10 }, 11, null)).toBe(true);
    expect(holds({ kind: 'threshold', direction: 'above', value: 10 }, 10, null)).toBe(false);
    expect(holds({ kind: 'threshold', direction: 'below', value: 10 }, 9, null)).toBe(true);
    expect(holds({ kind: 'threshold', direction: 'below', value: 10 }, 10, null)).toBe(false);
  });

  it('a change compares with the previous period in percent, either way', () => {
    expect(changePercent(150, 100)).toBe(50);
    expect(changePercent(50, 100)).toBe(-50);
    expect(changePercent(0, 0)).toBe(0);
    expect(changePercent(3, 0)).toBe(Infinity);
    expect(holds({ kind: 'change', direction: 'above', value: 40 }, 150, 100)).toBe(true);
    expect(holds({ kind: 'change', direction: 'above', value: 50 }, 150, 100)).toBe(false);
    expect(holds({ kind: 'change', direction: 'below', value: 40 }, 50, 100)).toBe(true);
    expect(holds({ kind: 'change', direction: 'below', value: 40 }, 150, 100)).toBe(false);
    expect(holds({ kind: 'change', direction: 'either', value: 40 }, 50, 100)).toBe(true);
    expect(holds({ kind: 'change', direction: 'above', value: 1000 }, 1, 0)).toBe(true);
    expect(holds({ kind: 'change', direction: 'either', value: 0 }, 0, 0)).toBe(false);
    expect(holds({ kind: 'change', direction: 'either', value: 10 }, 50, null)).toBe(false);
  });

  it('refuses a bad condition naming the field', () => {
    const code = (c: Parameters<typeof checkCondition>[0]) => {
      try {
        checkCondition(c);
        return null;
      } catch (err) {
        return [(err as { code: string }).code, (err as { details: { field: string } }).details.field];
      }
    };
    expect(code({ kind: 'threshold', direction: 'either', value: 1 })).toEqual(['ALERT_RULE_INVALID', 'direction']);
    expect(code({ kind: 'change', direction: 'above', value: -5 })).toEqual(['ALERT_RULE_INVALID', 'value']);
    expect(code({ kind: 'threshold', direction: 'above', value: Number.NaN })).toEqual(['ALERT_RULE_INVALID', 'value']);
    expect(code({ kind: 'sometimes' as 'change', direction: 'above', value: 1 })).toEqual(['ALERT_RULE_INVALID', 'kind']);
    expect(code({ kind: 'change', direction: 'up' as 'above', value: 1 })).toEqual(['ALERT_RULE_INVALID', 'direction']);
    expect(code({ kind: 'change', direction: 'above', value: 0 })).toBeNull();
  });
});

describe('alert rule transitions', () => {
  const ok = { state: 'ok' as const, lastFiredAt: null, cooldownMinutes: 60 };
  it('fires when the condition starts to hold, resolves when it stops', () => {
    expect(transition(ok, true, at('2026-01-01T10:00:00Z'))).toBe('fire');
    expect(transition({ ...ok, state: 'firing', lastFiredAt: '2026-01-01T10:00:00.000Z' }, false, at('2026-01-01T10:05:00Z'))).toBe('resolve');
    expect(transition(ok, false, at('2026-01-01T10:05:00Z'))).toBe('none');
  });

  it('repeats a condition that keeps holding once per cool-down, and keeps a flapping one quiet within it', () => {
    const firing = { state: 'firing' as const, lastFiredAt: '2026-01-01T10:00:00.000Z', cooldownMinutes: 60 };
    expect(transition(firing, true, at('2026-01-01T10:59:59Z'))).toBe('none');
    expect(transition(firing, true, at('2026-01-01T11:00:00Z'))).toBe('fire');
    const resolved = { ...firing, state: 'ok' as const };
    expect(transition(resolved, true, at('2026-01-01T10:30:00Z'))).toBe('none');
    expect(transition(resolved, true, at('2026-01-01T11:00:00Z'))).toBe('fire');
  });
});
