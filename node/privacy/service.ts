/** The privacy budget of an agreement, as the HTTP API and the CLI read it. */
import { getAgreement } from '../agreements/store.js';
import type { Db } from '../store/db.js';
import { budgetView, type BudgetView } from './budget-view.js';

export interface PrivacyApi {
  /** The agreement's privacy budget in the current period. */
  budget(agreementId: string): BudgetView;
}

/** @example privacyService(db, () => new Date()).budget(agreementId) */
export function privacyService(db: Db, now: () => Date): PrivacyApi {
  return { budget: (agreementId) => budgetView(db, getAgreement(db, agreementId), now()) };
}
