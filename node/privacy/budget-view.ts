/** The privacy budget of an agreement's data pair as shown to operators and compliance (exact decimals). */
import type { DataPair, PairSummary } from '../agreements/pair-summary.js';
import type { StoredAgreement } from '../agreements/store.js';
import type { Db } from '../store/db.js';
import { budgetState, lossView, perQueryLoss } from './ledger.js';
import { agreementsOnPair, dataPair } from './pair.js';

export interface BudgetView {
  agreementId: string;
  pair: DataPair;
  period: number;
  periodStart: string;
  periodEnd: string;
  /** Spent on the pair in this period, by every agreement over it. */
  spent: { epsilon: string; delta: string };
  /** The part of `spent` this agreement reserved. */
  agreementSpent: { epsilon: string; delta: string };
  total: { epsilon: string; delta: string };
  perQuery: { epsilon: string; delta: string };
  /** Queries the rest of the period can still pay for. */
  queriesLeft: number;
}

export function budgetView(db: Db, agreement: StoredAgreement, now: Date): BudgetView {
  const s = budgetState(db, agreement, now);
  const q = perQueryLoss(agreement);
  const left = (total: number, spent: number, per: number) => (per === 0 ? Infinity : Math.floor(Math.max(0, total - spent) / per));
  return {
    agreementId: s.agreementId,
    pair: s.pair,
    period: s.period,
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    spent: lossView(s.spent),
    agreementSpent: lossView(s.agreementSpent),
    total: lossView(s.total),
    perQuery: lossView(q),
    queriesLeft: Math.min(left(s.total.epsilonMicro, s.spent.epsilonMicro, q.epsilonMicro), left(s.total.deltaNano, s.spent.deltaNano, q.deltaNano)),
  };
}

/** What else shares an agreement's data pair: shown before accepting and in `agreements show`. */
/** @example pairSummary(db, getAgreement(db, id), new Date()).others.length */
export function pairSummary(db: Db, agreement: StoredAgreement, now: Date): PairSummary {
  const pair = dataPair(agreement);
  const others = agreementsOnPair(db, pair).filter((a) => a.id !== agreement.id);
  if (!agreement.terms.aggregate && !agreement.terms.countNoise) return { pair, others, budget: null };
  const s = budgetState(db, agreement, now);
  return { pair, others, budget: { periodStart: s.periodStart, periodEnd: s.periodEnd, spent: lossView(s.spent), total: lossView(s.total) } };
}
