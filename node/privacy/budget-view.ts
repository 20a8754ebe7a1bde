/** The privacy budget of an agreement as shown to operators and compliance (exact decimals). */
import type { StoredAgreement } from '../agreements/store.js';
import type { Db } from '../store/db.js';
import { budgetState, lossView, perQueryLoss } from './ledger.js';

export interface BudgetView {
  agreementId: string;
  period: number;
  periodStart: string;
  periodEnd: string;
  spent: { epsilon: string; delta: string };
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
    period: s.period,
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    spent: lossView(s.spent),
    total: lossView(s.total),
    perQuery: lossView(q),
    queriesLeft: Math.min(left(s.total.epsilonMicro, s.spent.epsilonMicro, q.epsilonMicro), left(s.total.deltaNano, s.spent.deltaNano, q.deltaNano)),
  };
}
