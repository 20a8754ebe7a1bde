/**
 * The privacy-budget ledger of one node, kept per data pair (pair.ts): every agreement with an
 * aggregate or a countNoise section (noisy overlap counts) spends from the budget of its pair — the peer, our dataset, their dataset —
 * so a second agreement over the same two datasets starts with what the first has spent.
 *
 * Periods are fixed UTC windows of the agreement's `budget.periodDays` days counted from the Unix
 * epoch (1970-01-01T00:00:00Z), not from an agreement's creation: creating an agreement never
 * starts a fresh period. A run's spend must fit the current agreement's budget counted over
 * everything the pair spent in that window, by every agreement (the pair's spend is never less
 * than the agreement's own, so this is the stricter of the two checks).
 *
 * Both nodes keep their own ledger and reserve before a run, in one IMMEDIATE transaction that
 * reads the window's spend, checks it, and writes the reservation and its audit entry — so two
 * concurrent runs cannot both pass the check, and state and audit cannot diverge.
 *
 * Amounts are exact integers: micro-ε (ε · 10⁶) and nano-δ (δ · 10⁹); the terms only admit values
 * that are whole numbers of these units (aggregate-terms.ts).
 */
import { type PrivacyLoss, budgetPolicy, checkSpend, formatScaled, periodOf, privacyLoss, DELTA_DIGITS, EPSILON_DIGITS } from '../../protocols/dp/index.js';
import { aggregateTermsOf } from '../agreements/aggregate-policy.js';
import type { AggregateTerms } from '../agreements/aggregate-terms.js';
import { DEFAULT_POLICY } from '../agreements/floors.js';
import type { AuditSink, StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { DataPair } from '../agreements/pair-summary.js';
import { PAIR_WHERE, dataPair, describePair, pairParams } from './pair.js';

/** Where every pair's periods are counted from. */
const PERIOD_ORIGIN = '1970-01-01T00:00:00.000Z';

export interface BudgetState {
  agreementId: string;
  pair: DataPair;
  /** Period index from the epoch in periods of the agreement's periodDays, and its bounds. */
  period: number;
  periodStart: string;
  periodEnd: string;
  /** Reserved on the pair in this period so far, by every agreement (refunds excluded), and the period's budget. */
  spent: PrivacyLoss;
  /** The part of `spent` reserved under this agreement. */
  agreementSpent: PrivacyLoss;
  total: PrivacyLoss;
}

export interface Reservation {
  agreement: StoredAgreement;
  runId: string;
  role: 'querier' | 'responder';
  /** Who asked (for the audit entry). */
  actor: string;
  now: Date;
  /** Which section's ε and budget the run spends; default aggregate. */
  operation?: SpendingOperation;
}

/** The run kinds that spend budget: aggregate queries, and overlap queries with noisy counts. */
export type SpendingOperation = 'overlap' | 'aggregate';

/** What the ledger reads of a terms section: ε (and δ) per query and the period's budget. */
type SpendTerms = Pick<AggregateTerms, 'epsilonPerQuery' | 'deltaPerQuery' | 'budget'>;

/**
 * The section a run of `operation` spends under: `countNoise` for overlap, `aggregate` for
 * aggregate; without an operation (views of the pair's budget) the aggregate section, else the
 * countNoise one. OPERATION_NOT_ALLOWED when the terms have no such section.
 */
export function spendTerms(agreement: StoredAgreement, operation?: SpendingOperation): SpendTerms {
  const { aggregate, countNoise } = agreement.terms;
  if (operation === 'overlap' || (operation === undefined && !aggregate && countNoise)) {
    if (!countNoise)
      throw new MofangError(
        'OPERATION_NOT_ALLOWED',
        `agreement ${agreement.id}: its terms agree no noise for overlap counts (no countNoise section) and do not allow exact counts; propose a new agreement`,
      );
    return countNoise;
  }
  return aggregateTermsOf(agreement);
}

/** The agreement's per-query loss (ε, δ) in exact units. */
export function perQueryLoss(agreement: StoredAgreement, operation?: SpendingOperation): PrivacyLoss {
  const section = spendTerms(agreement, operation);
  return privacyLoss(section.epsilonPerQuery, section.deltaPerQuery ?? 0);
}

/**
 * The window the differencing guard remembers released groups for: the budget period, or — for
 * terms without a budget (enrich, exact counts) — the policy floors' default minimum period.
 */
export function guardPeriod(agreement: StoredAgreement, now: Date): { index: number; start: string; end: string } {
  const { aggregate, countNoise } = agreement.terms;
  return aggregate || countNoise ? budgetPeriod(agreement, now) : periodOf({ periodDays: DEFAULT_POLICY.minPeriodDays }, PERIOD_ORIGIN, now);
}

/** The budget period containing `now`: a window of the agreement's periodDays from the epoch. */
function budgetPeriod(agreement: StoredAgreement, now: Date, operation?: SpendingOperation): { index: number; start: string; end: string } {
  return periodOf(spendTerms(agreement, operation).budget, PERIOD_ORIGIN, now);
}

/**
 * The pair's spend against the agreement's budget in the period containing `now`.
 *
 * @example budgetState(db, agreement, new Date()).spent.epsilonMicro
 */
export function budgetState(db: Db, agreement: StoredAgreement, now: Date, operation?: SpendingOperation): BudgetState {
  const policy = budgetPolicy(spendTerms(agreement, operation).budget);
  const period = budgetPeriod(agreement, now, operation);
  const pair = dataPair(agreement);
  const row = db
    .prepare(
      `SELECT coalesce(sum(micro_epsilon), 0) AS e, coalesce(sum(nano_delta), 0) AS d,
              coalesce(sum(CASE WHEN agreement_id = ? THEN micro_epsilon END), 0) AS ae,
              coalesce(sum(CASE WHEN agreement_id = ? THEN nano_delta END), 0) AS ad
       FROM privacy_spends WHERE ${PAIR_WHERE} AND created_at >= ? AND created_at < ? AND refunded = 0`,
    )
    .get(agreement.id, agreement.id, ...pairParams(pair), period.start, period.end) as { e: number; d: number; ae: number; ad: number };
  return {
    agreementId: agreement.id,
    pair,
    period: period.index,
    periodStart: period.start,
    periodEnd: period.end,
    spent: { epsilonMicro: row.e, deltaNano: row.d },
    agreementSpent: { epsilonMicro: row.ae, deltaNano: row.ad },
    total: policy.total,
  };
}

/**
 * Reserves the agreement's per-query ε (and δ) for `runId` on the agreement's data pair, or throws
 * PRIVACY_BUDGET_EXHAUSTED naming the agreement, pair, period, spent, requested and total. Both outcomes are audited
 * (`privacy.spend`, `privacy.refused`). Reserving the same run twice is a no-op.
 *
 * @example reserveBudget(db, audit, { agreement, runId, role: 'querier', actor, now })
 */
export function reserveBudget(db: Db, audit: AuditSink, r: Reservation): BudgetState {
  const policy = budgetPolicy(spendTerms(r.agreement, r.operation).budget);
  const request = perQueryLoss(r.agreement, r.operation);
  const outcome = db
    .transaction(() => {
      const state = budgetState(db, r.agreement, r.now, r.operation);
      if (db.prepare('SELECT 1 FROM privacy_spends WHERE run_id = ?').get(r.runId)) return { state, check: null };
      const check = checkSpend(policy, state.spent, request);
      if (!check.ok) return { state, check };
      db.prepare(
        `INSERT INTO privacy_spends (run_id, agreement_id, period, role, micro_epsilon, nano_delta, created_at, peer_node_id, local_dataset, peer_dataset)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.runId, r.agreement.id, state.period, r.role, request.epsilonMicro, request.deltaNano, r.now.toISOString(), ...pairParams(state.pair));
      const add = (a: PrivacyLoss): PrivacyLoss => ({ epsilonMicro: a.epsilonMicro + request.epsilonMicro, deltaNano: a.deltaNano + request.deltaNano });
      const after: BudgetState = { ...state, spent: add(state.spent), agreementSpent: add(state.agreementSpent) };
      audit.append({ actor: r.actor, action: 'privacy.spend', subject: r.runId, details: { ...describe(after), role: r.role, requested: lossView(request) } });
      return { state: after, check };
    })
    .immediate();
  if (outcome.check === null || outcome.check.ok) return outcome.state;

  const s = outcome.state;
  audit.append({ actor: r.actor, action: 'privacy.refused', subject: r.runId, details: { ...describe(s), role: r.role, requested: lossView(request) } });
  throw new MofangError(
    'PRIVACY_BUDGET_EXHAUSTED',
    `agreement ${r.agreement.id}: privacy budget period ${s.period} (${s.periodStart} to ${s.periodEnd}) cannot pay for this query: ${outcome.check.reason}; the next period starts ${s.periodEnd}. Spent counts every agreement over data pair ${describePair(s.pair)} (this one: ε ${lossView(s.agreementSpent).epsilon})`,
    {
      agreementId: r.agreement.id,
      pair: s.pair,
      period: s.period,
      periodEnd: s.periodEnd,
      spent: lossView(s.spent),
      agreementSpent: lossView(s.agreementSpent),
      requested: lossView(request),
      total: lossView(s.total),
    },
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
  return {
    agreementId: s.agreementId,
    pair: s.pair,
    period: s.period,
    periodEnd: s.periodEnd,
    spent: lossView(s.spent),
    agreementSpent: lossView(s.agreementSpent),
    total: lossView(s.total),
  };
}
