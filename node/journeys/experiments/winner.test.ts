import { describe, expect, it } from 'vitest';
import { compareGroups, type GroupCounts, holm } from './compare.js';
import { checkManualWinner, chooseWinner } from './winner.js';

const g = (key: string, converted: number, entered: number): GroupCounts => ({ key, entered, converted });
const RULE = { minSamplePerBranch: 1000, alpha: 0.05 };

describe("Holm's adjustment", () => {
  it("matches R's p.adjust(method = 'holm')", () => {
    expect(holm([0.01, 0.04, 0.03]).map((p) => Number(p.toFixed(12)))).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.01, 0.02, 0.03, 0.04, 0.05]).map((p) => Number(p.toFixed(12)))).toEqual([0.05, 0.08, 0.09, 0.09, 0.09]);
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
    expect(holm([0.02])).toEqual([0.02]);
  });
});

describe('comparing the groups of an experiment', () => {
  it('compares every group with the control group, wherever it is listed, with Holm-adjusted p-values', () => {
    const r = compareGroups([g('sms', 400, 5000), g('push', 310, 5000), g('control', 50, 1000)]);
    expect(r.reference).toBe('control');
    expect(r.groups.map((x) => [x.key, x.rate!.estimate])).toEqual([
      ['sms', 0.08],
      ['push', 0.062],
      ['control', 0.05],
    ]);
    const [sms, push] = r.comparisons;
    expect([sms.key, sms.reference, push.key]).toEqual(['sms', 'control', 'push']);
    // Hand-computed pooled z: sms 3.28798 (p 0.0010091), push 1.45865 (p 0.144661); Holm: 2 × 0.0010091, then max(that, 0.144661).
    expect(sms.z).toBeCloseTo(3.2879797461, 9);
    expect(sms.pValue).toBeCloseTo(0.001009090988, 11);
    expect(sms.adjustedPValue).toBeCloseTo(0.002018181976, 11);
    expect(push.adjustedPValue).toBeCloseTo(0.144661487773, 11);
    expect(sms.difference!.estimate).toBeCloseTo(0.03, 15);
    expect(sms.relativeLift!.estimate).toBeCloseTo(0.6, 14);
  });

  it('without a control group the first branch is the reference; a group no one entered has no rate', () => {
    const r = compareGroups([g('a', 10, 100), g('b', 0, 0), g('c', 0, 100)]);
    expect(r.reference).toBe('a');
    expect(r.groups[1].rate).toBeNull();
    expect(r.comparisons[0]).toMatchObject({ key: 'b', difference: null, relativeLift: null, pValue: null, adjustedPValue: null });
    // c has no conversion: a difference and a test, but no relative lift; it is the only comparison Holm adjusts.
    expect(r.comparisons[1]).toMatchObject({ key: 'c', relativeLift: null });
    expect(r.comparisons[1].adjustedPValue).toBe(r.comparisons[1].pValue);
  });

  it('refuses fewer than two groups or a key twice', () => {
    expect(() => compareGroups([g('a', 1, 10)])).toThrow('groups: an experiment compares at least two groups (got 1)');
    expect(() => compareGroups([g('a', 1, 10), g('a', 2, 10)])).toThrow('groups: each key once');
  });
});

describe('choosing a winner automatically', () => {
  it('chooses none until every group, the control included, has the minimum sample', () => {
    const d = chooseWinner([g('sms', 400, 5000), g('push', 310, 999), g('control', 50, 998)], RULE);
    expect(d).toMatchObject({ decided: false, reason: 'sample_too_small' });
    expect(d.decided === false && d.message).toBe('every group needs 1000 customers before a winner is chosen: push has 999, control has 998');
  });

  it('chooses the variant whose lift over control is significant after Holm’s correction', () => {
    expect(chooseWinner([g('sms', 400, 5000), g('push', 310, 5000), g('control', 50, 1000)], RULE)).toMatchObject({
      decided: true,
      winner: 'sms',
      reference: 'control',
    });
  });

  it('among several significant variants, the one with the highest rate', () => {
    expect(chooseWinner([g('sms', 400, 5000), g('push', 450, 5000), g('control', 100, 2000)], RULE)).toMatchObject({ decided: true, winner: 'push' });
  });

  it('the correction matters: p 0.030 wins alone, but not as one of two comparisons (Holm: 0.061)', () => {
    const control = g('control', 100, 2000);
    expect(chooseWinner([g('a', 132, 2000), control], RULE)).toMatchObject({ decided: true, winner: 'a' });
    const two = chooseWinner([g('a', 132, 2000), g('b', 132, 2000), control], RULE);
    expect(two).toMatchObject({ decided: false, reason: 'not_significant' });
    expect(two.decided === false && two.message).toBe(
      "no group converts significantly better than the control group at α 0.05 after Holm's correction over 2 comparisons (smallest adjusted p 0.0608)",
    );
  });

  it('a control group that converts better than every variant is no winner', () => {
    expect(chooseWinner([g('sms', 220, 3000), g('control', 300, 3000)], RULE)).toMatchObject({ decided: false, reason: 'not_significant' });
  });

  it('without a control group, the first branch wins when it beats every other branch significantly', () => {
    expect(chooseWinner([g('a', 300, 3000), g('b', 220, 3000)], RULE)).toMatchObject({ decided: true, winner: 'a', reference: 'a' });
    expect(chooseWinner([g('a', 220, 3000), g('b', 300, 3000)], RULE)).toMatchObject({ decided: true, winner: 'b', reference: 'a' });
    const unclear = chooseWinner([g('a', 300, 3000), g('b', 220, 3000), g('c', 290, 3000)], RULE);
    expect(unclear).toMatchObject({ decided: false, reason: 'not_significant' });
    expect(unclear.decided === false && unclear.message).toContain('than a, the first branch, at α 0.05');
  });

  it('defaults to 1,000 customers a group and α 0.05', () => {
    const groups = (n: number) => [g('sms', Math.round(n * 0.08), n), g('control', Math.round(n * 0.05), n)];
    expect(chooseWinner(groups(999))).toMatchObject({ decided: false, reason: 'sample_too_small' });
    expect(chooseWinner(groups(1000))).toMatchObject({ decided: true, winner: 'sms' });
    // p ≈ 0.0065 here: significant at 0.05, not at 0.001.
    expect(chooseWinner(groups(1000), { alpha: 0.001 })).toMatchObject({ decided: false, reason: 'not_significant' });
  });

  it('refuses a rule out of range, naming it', () => {
    const groups = [g('a', 1, 10), g('b', 2, 10)];
    expect(() => chooseWinner(groups, { minSamplePerBranch: 0, alpha: 0.05 })).toThrow('minSamplePerBranch: a whole number of at least 1 (got 0)');
    expect(() => chooseWinner(groups, { minSamplePerBranch: 10, alpha: 1 })).toThrow('alpha: between 0 and 1 (got 1)');
  });
});

describe('a manual winner', () => {
  const split = { branches: [{ key: 'sms' }, { key: 'push' }], control: 10 };

  it('is one of the branches', () => {
    expect(checkManualWinner(split, 'push')).toBe('push');
  });

  it('is refused with REQUEST_INVALID naming the branches when no branch has the key, or it is the control group', () => {
    expect(() => checkManualWinner(split, 'email')).toThrow(
      expect.objectContaining({
        code: 'REQUEST_INVALID',
        message: 'winner: "email" — no branch has this key; the branches are sms, push',
        details: { field: 'winner', branches: ['sms', 'push'] },
      }),
    );
    expect(() => checkManualWinner(split, 'control')).toThrow(
      'winner: "control" — the control group has no outlet to send everyone to; the branches are sms, push',
    );
    // Outsider text is capped and stripped before an error repeats it.
    expect(() => checkManualWinner(split, `x\u202e${'y'.repeat(500)}`)).toThrow(/winner: "x y{61}…" — no branch/);
  });
});
