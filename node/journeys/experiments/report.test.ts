import { describe, expect, it } from 'vitest';
import { experimentReport } from './report.js';

describe('an experiment report', () => {
  it('lists each group, each comparison, the verdict, and warns of a small sample and of peeking', () => {
    const r = experimentReport(
      [
        { key: 'sms', entered: 420, converted: 30 },
        { key: 'push', entered: 1200, converted: 70 },
        { key: 'control', entered: 90, converted: 4 },
      ],
      { minSamplePerBranch: 1000 },
    );
    expect(r.reference).toBe('control');
    expect(r.groups.map((g) => g.key)).toEqual(['sms', 'push', 'control']);
    expect(r.comparisons.map((c) => [c.key, c.reference])).toEqual([
      ['sms', 'control'],
      ['push', 'control'],
    ]);
    expect(r.verdict).toMatchObject({ decided: false, reason: 'sample_too_small' });
    expect(r.warnings.map((w) => w.code)).toEqual(['minimum_sample', 'peeking']);
    expect(r.warnings[0].message).toBe(
      'below the minimum sample of 1000 customers a group: sms (420), control (90); their rates and lifts can still swing widely',
    );
  });

  it('once every group has the minimum sample, only the peeking caution stays beside the verdict', () => {
    const r = experimentReport([
      { key: 'sms', entered: 5000, converted: 400 },
      { key: 'push', entered: 5000, converted: 310 },
      { key: 'control', entered: 1000, converted: 50 },
    ]);
    expect(r.verdict).toEqual({ decided: true, winner: 'sms', reference: 'control' });
    expect(r.warnings.map((w) => w.code)).toEqual(['peeking']);
    expect(r.comparisons[0].adjustedPValue).toBeLessThan(0.05);
  });
});
