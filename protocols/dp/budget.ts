/**
 * Privacy budget accounting, pure: which period a moment falls in, and whether a query's privacy
 * loss still fits the period's budget. The node stores what was spent (both nodes, in SQLite) and
 * calls these before reserving.
 *
 * Composition rule: basic composition. Running queries with losses (ε₁, δ₁), …, (εₙ, δₙ) in one
 * period costs (Σεᵢ, Σδᵢ); a query fits when both sums stay within the period's budget.
 * Amounts are exact integers — ε in micro-units (ε × 10⁶), δ in nano-units (δ × 10⁹) — so sums
 * never drift and "exactly the remainder" is exactly the remainder.
 */
import { ProtocolError } from '../errors.js';
import { formatScaled, scaledInteger } from './rational.js';

export const EPSILON_DIGITS = 6;
export const DELTA_DIGITS = 9;
const DAY_MS = 86_400_000;

/** An amount of privacy loss: ε × 10⁶ and δ × 10⁹ as safe integers. */
export interface PrivacyLoss {
  readonly epsilonMicro: number;
  readonly deltaNano: number;
}

export interface BudgetPolicy {
  /** The budget of each period. */
  readonly total: PrivacyLoss;
  /** Length of a period in days (24 h each); periods start at the agreement's createdAt. */
  readonly periodDays: number;
}

/** Period `index` covers [start, end), ISO timestamps in UTC. */
export interface BudgetPeriod {
  readonly index: number;
  readonly start: string;
  readonly end: string;
}

export type SpendCheck =
  | { readonly ok: true; readonly remaining: PrivacyLoss }
  | {
      readonly ok: false;
      /** Which of ε or δ would be overspent (ε when both). */
      readonly exceeded: 'epsilon' | 'delta';
      /** e.g. "epsilon: 0.7 spent + 0.5 requested = 1.2 exceeds the period's budget of 1 (0.3 left)" */
      readonly reason: string;
      readonly spent: PrivacyLoss;
      readonly requested: PrivacyLoss;
      readonly total: PrivacyLoss;
    };

/**
 * A privacy loss from decimal ε and δ as the agreement writes them; refuses values with more
 * than 6 (ε) or 9 (δ) decimals instead of rounding them.
 * @example privacyLoss(0.1, 1e-6) // { epsilonMicro: 100000, deltaNano: 1000 }
 */
export function privacyLoss(epsilon: number | string, delta: number | string = 0): PrivacyLoss {
  return { epsilonMicro: scaledInteger(epsilon, EPSILON_DIGITS, 'epsilon'), deltaNano: scaledInteger(delta, DELTA_DIGITS, 'delta') };
}

/** The policy of an agreement's `aggregate.budget` terms. */
export function budgetPolicy(budget: { epsilon: number; delta?: number; periodDays: number }): BudgetPolicy {
  checkPeriodDays(budget.periodDays);
  return { total: privacyLoss(budget.epsilon, budget.delta ?? 0), periodDays: budget.periodDays };
}

/** a + b. */
export function addLoss(a: PrivacyLoss, b: PrivacyLoss): PrivacyLoss {
  return { epsilonMicro: a.epsilonMicro + b.epsilonMicro, deltaNano: a.deltaNano + b.deltaNano };
}

/**
 * The budget period containing `now`: ⌊(now − createdAt) / periodDays days⌋, counted in UTC
 * milliseconds (no time zones, no DST). Before createdAt — a peer's clock slightly behind —
 * counts as period 0, as key epochs do.
 * @example periodOf({ periodDays: 30 }, '2025-01-01T00:00:00.000Z', new Date('2025-02-15T00:00:00Z')).index // 1
 */
export function periodOf(policy: { periodDays: number }, agreementCreatedAt: string | Date, now: Date): BudgetPeriod {
  checkPeriodDays(policy.periodDays);
  const created = typeof agreementCreatedAt === 'string' ? Date.parse(agreementCreatedAt) : agreementCreatedAt.getTime();
  if (!Number.isFinite(created)) throw new ProtocolError('DP_INPUT_INVALID', `agreementCreatedAt: not a timestamp: ${String(agreementCreatedAt)}`);
  if (!Number.isFinite(now.getTime())) throw new ProtocolError('DP_INPUT_INVALID', 'now: not a valid date');
  const length = policy.periodDays * DAY_MS;
  const index = Math.max(0, Math.floor((now.getTime() - created) / length));
  return { index, start: new Date(created + index * length).toISOString(), end: new Date(created + (index + 1) * length).toISOString() };
}

/**
 * Whether `request` fits: spent + request ≤ total for ε and for δ. Spending exactly the
 * remainder is allowed; one unit more is refused.
 */
export function checkSpend(policy: BudgetPolicy, spentInPeriod: PrivacyLoss, request: PrivacyLoss): SpendCheck {
  for (const [name, loss] of [
    ['total', policy.total],
    ['spent', spentInPeriod],
    ['request', request],
  ] as const)
    checkLoss(name, loss);
  const after = addLoss(spentInPeriod, request);
  const overEpsilon = after.epsilonMicro > policy.total.epsilonMicro;
  const overDelta = after.deltaNano > policy.total.deltaNano;
  if (!overEpsilon && !overDelta) {
    return { ok: true, remaining: { epsilonMicro: policy.total.epsilonMicro - after.epsilonMicro, deltaNano: policy.total.deltaNano - after.deltaNano } };
  }
  const [exceeded, key, digits] = overEpsilon ? (['epsilon', 'epsilonMicro', EPSILON_DIGITS] as const) : (['delta', 'deltaNano', DELTA_DIGITS] as const);
  const f = (n: number) => formatScaled(n, digits);
  const left = Math.max(0, policy.total[key] - spentInPeriod[key]);
  return {
    ok: false,
    exceeded,
    reason: `${exceeded}: ${f(spentInPeriod[key])} spent + ${f(request[key])} requested = ${f(after[key])} exceeds the period's budget of ${f(policy.total[key])} (${f(left)} left)`,
    spent: spentInPeriod,
    requested: request,
    total: policy.total,
  };
}

function checkPeriodDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new ProtocolError('DP_INPUT_INVALID', `periodDays: must be an integer 1..366, got ${days}`);
}

function checkLoss(name: string, loss: PrivacyLoss): void {
  for (const key of ['epsilonMicro', 'deltaNano'] as const) {
    if (!Number.isSafeInteger(loss[key]) || loss[key] < 0) {
      throw new ProtocolError('DP_INPUT_INVALID', `${name}.${key}: must be a non-negative safe integer, got ${loss[key]}`);
    }
  }
}
