/**
 * The privacy-budget ledger of one node. Each agreement with an aggregate section has a budget
 * (ε, and δ for the Gaussian mechanism) per period of `budget.periodDays` days from its createdAt.
 * Both nodes keep their own ledger and reserve before a run, in one IMMEDIATE transaction that
 * reads the period's spend, checks it, and writes the reservation and its audit entry — so two
 * concurrent runs cannot both pass the check, and state and audit cannot diverge.
 *
 * Amounts are exact integers: micro-ε (ε · 10⁶) and nano-δ (δ · 10⁹); the terms only admit values
 * that are whole numbers of these units (aggregate-terms.ts).
 */
import { type PrivacyLoss, budgetPolicy, checkSpend, formatScaled, periodOf, privacyLoss, DELTA_DIGITS, EPSILON_DIGITS } from '../../protocols/dp/index.js';
import { aggregateTermsOf } from '../agreements/aggregate-policy.js';
import type { AuditSink, StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

export interface BudgetState {
  agreementId: string;
  /** Period index from the agreement's createdAt, and its bounds. */
  period: number;
  periodStart: string;
  periodEnd: string;
  /** Reserved in this period so far (refunds excluded), and the period's budget. */
  spent: PrivacyLoss;
  total: PrivacyLoss;
}

export interface Reservation {
  agreement: StoredAgreement;
  runId: string;
  role: 'querier' | 'responder';
  /** Who asked (for the audit entry). */
  actor: string;
  now: Date;
}

/** The agreement's per-query loss (ε, δ) in exact units. */
export function perQueryLoss(agreement: StoredAgreement): PrivacyLoss {
  const section = aggregateTermsOf(agreement);
  return privacyLoss(section.epsilonPerQuery, section.deltaPerQuery ?? 0);
}

/** The budget period of the agreement containing `now` (protocols/dp periodOf). */
export function budgetPeriod(agreement: StoredAgreement, now: Date): { index: number; start: string; end: string } {
  return periodOf(aggregateTermsOf(agreement).budget, agreement.terms.createdAt, now);
}

/**
 * The agreement's budget in the period containing `now`.
 *
 * @example budgetState(db, agreement, new Date()).spent.epsilonMicro
 */
export function budgetState(db: Db, agreement: StoredAgreement, now: Date): BudgetState {
  const policy = budgetPolicy(aggregateTermsOf(agreement).budget);
  const period = budgetPeriod(agreement, now);
  const row = db
    .prepare(
      'SELECT coalesce(sum(micro_epsilon), 0) AS e, coalesce(sum(nano_delta), 0) AS d FROM privacy_spends WHERE agreement_id = ? AND period = ? AND refunded = 0',
    )
    .get(agreement.id, period.index) as { e: number; d: number };
  return {
    agreementId: agreement.id,
    period: period.index,
    periodStart: period.start,
    periodEnd: period.end,
    spent: { epsilonMicro: row.e, deltaNano: row.d },
    total: policy.total,
  };
}

/**
 * Reserves the agreement's per-query ε (and δ) for `runId`, or throws PRIVACY_BUDGET_EXHAUSTED
 * naming the agreement, period, spent, requested and total. Both outcomes are audited
 * (`privacy.spend`, `privacy.refused`). Reserving the same run twice is a no-op.
 *
 * @example reserveBudget(db, audit, { agreement, runId, role: 'querier', actor, now })
 */
export function reserveBudget(db: Db, audit: AuditSink, r: Reservation): BudgetState {
  const policy = budgetPolicy(aggregateTermsOf(r.agreement).budget);
  const request = perQueryLoss(r.agreement);
  const outcome = db
    .transaction(() => {
      const state = budgetState(db, r.agreement, r.now);
      if (db.prepare('SELECT 1 FROM privacy_spends WHERE run_id = ?').get(r.runId)) return { state, check: null };
      const check = checkSpend(policy, state.spent, request);
      if (!check.ok) return { state, check };
      db.prepare('INSERT INTO privacy_spends (run_id, agreement_id, period, role, micro_epsilon, nano_delta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        r.runId,
        r.agreement.id,
        state.period,
        r.role,
        request.epsilonMicro,
        request.deltaNano,
        r.now.toISOString(),
      );
      const after: BudgetState = {
        ...state,
        spent: { epsilonMicro: state.spent.epsilonMicro + request.epsilonMicro, deltaNano: state.spent.deltaNano + request.deltaNano },
      };
      audit.append({ actor: r.actor, action: 'privacy.spend', subject: r.runId, details: { ...describe(after), role: r.role, requested: lossView(request) } });
      return { state: after, check };
    })
    .immediate();
  if (outcome.check === null || outcome.check.ok) return outcome.state;

  const s = outcome.state;
  audit.append({ actor: r.actor, action: 'privacy.refused', subject: r.runId, details: { ...describe(s), role: r.role, requested: lossView(request) } });
  throw new MofangError(
    'PRIVACY_BUDGET_EXHAUSTED',
    `agreement ${r.agreement.id}: privacy budget period ${s.period} (${s.periodStart} to ${s.periodEnd}) cannot pay for this query: ${outcome.check.reason}; the next period starts ${s.periodEnd}`,
    { agreementId: r.agreement.id, period: s.period, periodEnd: s.periodEnd, spent: lossView(s.spent), requested: lossView(request), total: lossView(s.total) },
  );
}

/** ε and δ as decimal strings (exact: formatted from the integer units). */
export function lossView(loss: PrivacyLoss): { epsilon: string; delta: string } {
  return { epsilon: formatScaled(loss.epsilonMicro, EPSILON_DIGITS), delta: formatScaled(loss.deltaNano, DELTA_DIGITS) };
}

/**
 * Marks a reservation refunded: only for a run the peer refused at its start, before any frame
 * that depends on data was exchanged (nothing was released, so nothing was spent). Audited.
 */
export function refundReservation(db: Db, audit: AuditSink, runId: string, actor: string, reason: string): void {
  db.transaction(() => {
    const changed = db.prepare('UPDATE privacy_spends SET refunded = 1 WHERE run_id = ? AND refunded = 0').run(runId).changes;
    if (changed === 1) audit.append({ actor, action: 'privacy.refunded', subject: runId, details: { reason } });
  }).immediate();
}

function describe(s: BudgetState): Record<string, unknown> {
  return { agreementId: s.agreementId, period: s.period, periodEnd: s.periodEnd, spent: lossView(s.spent), total: lossView(s.total) };
}
