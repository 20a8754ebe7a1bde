/** Budget periods (UTC, from the agreement's createdAt) and spend checks on exact integers. */
import { describe, expect, it } from 'vitest';
import { budgetPolicy, checkSpend, periodOf, privacyLoss } from './budget.js';

const DAY = 86_400_000;
const created = '2025-01-31T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(created) + ms);

describe('periodOf', () => {
  it('counts periods of periodDays × 24 h from createdAt, [start, end)', () => {
    const policy = { periodDays: 30 };
    expect(periodOf(policy, created, at(0))).toEqual({ index: 0, start: created, end: '2025-03-02T12:00:00.000Z' });
    expect(periodOf(policy, created, at(30 * DAY - 1)).index).toBe(0);
    expect(periodOf(policy, created, at(30 * DAY))).toEqual({ index: 1, start: '2025-03-02T12:00:00.000Z', end: '2025-04-01T12:00:00.000Z' });
    expect(periodOf(policy, new Date(created), at(365 * DAY)).index).toBe(12);
  });

  it('is UTC: a local DST change does not move a boundary', () => {
    // 2025-03-30 is the EU DST change; one-day periods stay exactly 24 h apart.
    const p = periodOf({ periodDays: 1 }, '2025-03-29T00:30:00.000Z', new Date('2025-03-31T00:29:59.999Z'));
    expect(p).toEqual({ index: 1, start: '2025-03-30T00:30:00.000Z', end: '2025-03-31T00:30:00.000Z' });
  });

  it('puts a moment before createdAt (peer clock behind) in period 0', () => {
    expect(periodOf({ periodDays: 7 }, created, at(-5000)).index).toBe(0);
  });

  it('refuses bad periods and timestamps', () => {
    expect(() => periodOf({ periodDays: 0 }, created, at(0))).toThrow('periodDays: must be an integer 1..366, got 0');
    expect(() => periodOf({ periodDays: 1.5 }, created, at(0))).toThrow(/periodDays/);
    expect(() => periodOf({ periodDays: 1 }, 'yesterday', at(0))).toThrow('agreementCreatedAt: not a timestamp: yesterday');
    expect(() => periodOf({ periodDays: 1 }, created, new Date(Number.NaN))).toThrow('now: not a valid date');
  });
});

describe('checkSpend (basic composition: ε and δ add up)', () => {
  const laplacePolicy = budgetPolicy({ epsilon: 1, periodDays: 30 });
  const gaussianPolicy = budgetPolicy({ epsilon: 2, delta: 1e-6, periodDays: 7 });

  it('reads the agreement terms into exact integers', () => {
    expect(laplacePolicy).toEqual({ total: { epsilonMicro: 1_000_000, deltaNano: 0 }, periodDays: 30 });
    expect(gaussianPolicy.total).toEqual({ epsilonMicro: 2_000_000, deltaNano: 1000 });
    expect(privacyLoss(0.1, 1e-7)).toEqual({ epsilonMicro: 100_000, deltaNano: 100 });
    expect(() => budgetPolicy({ epsilon: 1, periodDays: 400 })).toThrow(/periodDays/);
  });

  it('allows spending exactly the remainder, with nothing left after', () => {
    // 0.1 + 0.2 ≠ 0.3 in doubles; in micro-ε it is exact.
    const spent = { epsilonMicro: privacyLoss(0.1).epsilonMicro + privacyLoss(0.2).epsilonMicro + privacyLoss(0.4).epsilonMicro, deltaNano: 0 };
    expect(checkSpend(laplacePolicy, spent, privacyLoss(0.3))).toEqual({ ok: true, remaining: { epsilonMicro: 0, deltaNano: 0 } });
  });

  it('refuses one micro-ε more, naming spent, requested and total', () => {
    const result = checkSpend(laplacePolicy, privacyLoss(0.7), privacyLoss('0.300001'));
    expect(result).toEqual({
      ok: false,
      exceeded: 'epsilon',
      reason: "epsilon: 0.7 spent + 0.300001 requested = 1.000001 exceeds the period's budget of 1 (0.3 left)",
      spent: privacyLoss(0.7),
      requested: privacyLoss('0.300001'),
      total: laplacePolicy.total,
    });
  });

  it('refuses on δ alone when ε still fits', () => {
    const result = checkSpend(gaussianPolicy, { epsilonMicro: 0, deltaNano: 999 }, privacyLoss(0.5, 2e-9));
    expect(result).toMatchObject({
      ok: false,
      exceeded: 'delta',
      reason: "delta: 0.000000999 spent + 0.000000002 requested = 0.000001001 exceeds the period's budget of 0.000001 (0.000000001 left)",
    });
    expect(checkSpend(gaussianPolicy, { epsilonMicro: 0, deltaNano: 999 }, privacyLoss(0.5, 1e-9))).toEqual({
      ok: true,
      remaining: { epsilonMicro: 1_500_000, deltaNano: 0 },
    });
  });

  it('names ε when both are exceeded, and says 0 left when already overspent', () => {
    const result = checkSpend(gaussianPolicy, privacyLoss(3, 2e-6), privacyLoss(0.5, 1e-6));
    expect(result).toMatchObject({ ok: false, exceeded: 'epsilon' });
    expect(!result.ok && result.reason).toMatch(/\(0 left\)$/);
  });

  it('refuses negative or fractional amounts', () => {
    expect(() => checkSpend(laplacePolicy, { epsilonMicro: -1, deltaNano: 0 }, privacyLoss(0.1))).toThrow(
      'spent.epsilonMicro: must be a non-negative safe integer, got -1',
    );
    expect(() => checkSpend(laplacePolicy, privacyLoss(0), { epsilonMicro: 0.5, deltaNano: 0 })).toThrow(/request.epsilonMicro/);
    expect(() => privacyLoss(-0.1)).toThrow('epsilon: must not be negative, got -0.1');
  });
});
