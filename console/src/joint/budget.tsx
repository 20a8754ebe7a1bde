/**
 * The agreement's privacy budget in the current period: what every agreement over the same data
 * pair spent, what this one spent, and how many more queries it pays for. A run's panel shows the
 * same figures from before the run next to the current ones.
 */
import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber } from '../i18n';
import type { Budget } from './model';

const eps = (s: string) => formatNumber(Number(s), { maximumFractionDigits: 4 });

export function BudgetFacts({ budget }: { budget: Budget }) {
  const { t } = useTranslation();
  const total = Number(budget.total.epsilon);
  const spent = Math.min(Number(budget.spent.epsilon), total);
  return (
    <>
      <meter
        className="budget-meter"
        min={0}
        max={total > 0 ? total : 1}
        value={total - spent}
        aria-label={t('joint.budget.remaining', { left: eps(String(total - spent)), total: eps(budget.total.epsilon) })}
      />
      <dl className="facts" data-testid="budget">
        <dt>{t('joint.budget.left')}</dt>
        <dd data-testid="budget-left">{t('joint.budget.remaining', { left: eps(String(total - spent)), total: eps(budget.total.epsilon) })}</dd>
        <dt>{t('joint.budget.queriesLeft')}</dt>
        <dd data-testid="queries-left">{budget.queriesLeft === null ? t('joint.budget.unlimited') : formatNumber(budget.queriesLeft)}</dd>
        <dt>{t('joint.budget.perQuery')}</dt>
        <dd>ε {eps(budget.perQuery.epsilon)}</dd>
        <dt>{t('joint.budget.spentPair')}</dt>
        <dd>ε {eps(budget.spent.epsilon)}</dd>
        <dt>{t('joint.budget.spentHere')}</dt>
        <dd>ε {eps(budget.agreementSpent.epsilon)}</dd>
        <dt>{t('joint.budget.period')}</dt>
        <dd>{t('joint.budget.periodRange', { start: formatDate(budget.periodStart), end: formatDate(budget.periodEnd) })}</dd>
      </dl>
    </>
  );
}

/** What a run cost: the budget before it was queued and now. */
export function BudgetChange({ before, after }: { before: Budget; after: Budget }) {
  const { t } = useTranslation();
  const left = (b: Budget) => eps(String(Math.max(0, Number(b.total.epsilon) - Number(b.spent.epsilon))));
  return (
    <p data-testid="budget-change">
      {t('joint.budget.change', {
        before: left(before),
        after: left(after),
        queriesBefore: before.queriesLeft === null ? '∞' : formatNumber(before.queriesLeft),
        queriesAfter: after.queriesLeft === null ? '∞' : formatNumber(after.queriesLeft),
      })}
    </p>
  );
}
