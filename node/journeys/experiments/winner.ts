/**
 * Choosing an experiment's winner. `auto`: no winner until every group — the control included —
 * has at least the minimum sample; then the variant with the highest conversion rate among those
 * whose lift over the reference is positive and significant at α after Holm's correction over all
 * comparisons. Without a control group the reference is the first branch, and it wins when it is
 * significantly better than every other branch. Anything else is "no winner yet", with the reason.
 * `manual`: an operator names a branch; `checkManualWinner` says whether it is one.
 *
 * Evaluating the auto rule again as conversions come in is peeking: every look is another chance
 * of a false winner. The minimum sample limits it; docs/journeys.md says how to size it.
 */
import { MofangError } from '../../errors.js';
import { untrustedText } from '../../text/untrusted.js';
import { CONTROL_KEY } from './assign.js';
import { type Comparison, compareGroups, type GroupComparison, type GroupCounts } from './compare.js';

export interface WinnerRule {
  /** Customers every group needs before a winner can be chosen: the experiment's `minSamplePerBranch`, 1,000 when it gives none. */
  minSamplePerBranch?: number;
  /** Significance level of the Holm-corrected comparisons; 0.05 when not given. */
  alpha?: number;
}

const DEFAULT_RULE = { minSamplePerBranch: 1000, alpha: 0.05 };

/** The rule with its defaults filled in, checked. */
export function winnerRule(options: WinnerRule = {}): Required<WinnerRule> {
  const rule = { minSamplePerBranch: options.minSamplePerBranch ?? DEFAULT_RULE.minSamplePerBranch, alpha: options.alpha ?? DEFAULT_RULE.alpha };
  if (!Number.isSafeInteger(rule.minSamplePerBranch) || rule.minSamplePerBranch < 1)
    throw new RangeError(`minSamplePerBranch: a whole number of at least 1 (got ${rule.minSamplePerBranch})`);
  if (!(rule.alpha > 0 && rule.alpha < 1)) throw new RangeError(`alpha: between 0 and 1 (got ${rule.alpha})`);
  return rule;
}

export type WinnerDecision =
  | { decided: true; winner: string; reference: string }
  | { decided: false; reason: 'sample_too_small' | 'not_significant'; message: string };

/**
 * @example
 * chooseWinner([{ key: 'sms', entered: 5000, converted: 400 }, { key: 'push', entered: 5000, converted: 310 }, { key: 'control', entered: 1000, converted: 50 }], { minSamplePerBranch: 1000 })
 * // { decided: true, winner: 'sms', reference: 'control' }
 */
export function chooseWinner(groups: readonly GroupCounts[], options: WinnerRule = {}): WinnerDecision {
  const rule = winnerRule(options);
  return decideWinner(groups, compareGroups(groups), rule);
}

/** The auto rule over groups already compared (compareGroups of the same groups). */
export function decideWinner(groups: readonly GroupCounts[], { reference, comparisons }: GroupComparison, rule: Required<WinnerRule>): WinnerDecision {
  const short = groups.filter((g) => g.entered < rule.minSamplePerBranch);
  if (short.length > 0)
    return {
      decided: false,
      reason: 'sample_too_small',
      message: `every group needs ${rule.minSamplePerBranch} customers before a winner is chosen: ${short.map((g) => `${g.key} has ${g.entered}`).join(', ')}`,
    };
  const significant = (c: Comparison) => c.adjustedPValue !== null && c.adjustedPValue <= rule.alpha;
  const rate = (key: string) => {
    const g = groups.find((x) => x.key === key)!;
    return g.converted / g.entered;
  };
  const better = comparisons.filter((c) => significant(c) && c.difference!.estimate > 0);
  // Ties keep the group that comes first: the order an operator gave the branches in.
  const best = better.reduce<Comparison | undefined>((top, c) => (top === undefined || rate(c.key) > rate(top.key) ? c : top), undefined);
  if (best) return { decided: true, winner: best.key, reference };
  if (reference !== CONTROL_KEY && comparisons.every((c) => significant(c) && c.difference!.estimate < 0))
    return { decided: true, winner: reference, reference };
  const smallest = Math.min(...comparisons.map((c) => c.adjustedPValue ?? 1));
  return {
    decided: false,
    reason: 'not_significant',
    message:
      `no group converts significantly better than ${reference === CONTROL_KEY ? 'the control group' : `${reference}, the first branch,`} at α ${rule.alpha} ` +
      `after Holm's correction over ${comparisons.length} comparison${comparisons.length === 1 ? '' : 's'} (smallest adjusted p ${smallest.toPrecision(3)})`,
  };
}

/**
 * The branch an operator names as an experiment's winner, or REQUEST_INVALID naming the branches.
 * The control group cannot win: it has no outlet (to send nothing, stop the journey).
 * @example checkManualWinner({ branches: [{ key: 'sms' }, { key: 'push' }], control: 10 }, 'push') // 'push'
 */
export function checkManualWinner(split: { branches: readonly { key: string }[]; control?: number }, winner: string): string {
  const keys = split.branches.map((b) => b.key);
  if (keys.includes(winner)) return winner;
  const why = winner === CONTROL_KEY && split.control !== undefined ? 'the control group has no outlet to send everyone to' : 'no branch has this key';
  throw new MofangError('REQUEST_INVALID', `winner: ${JSON.stringify(untrustedText(winner, 64))} — ${why}; the branches are ${keys.join(', ')}`, {
    field: 'winner',
    branches: keys,
  });
}
