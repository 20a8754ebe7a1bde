/**
 * An experiment's report, as an operator reads it while the experiment runs: each group's
 * conversion, each group against the reference, the auto rule's verdict, and the warnings that
 * belong next to those numbers — a group still below the minimum sample, and the caution that
 * reading results repeatedly (peeking) makes a false winner likelier than the p-values say.
 */
import { compareGroups, type GroupComparison, type GroupCounts } from './compare.js';
import { decideWinner, type WinnerDecision, type WinnerRule, winnerRule } from './winner.js';

interface ExperimentWarning {
  code: 'minimum_sample' | 'peeking';
  message: string;
}

export interface ExperimentReport extends GroupComparison {
  /** What the auto rule decides on these counts (for a manual experiment: what it would advise). */
  verdict: WinnerDecision;
  warnings: ExperimentWarning[];
}

const PEEKING =
  'these figures are read while the experiment runs: every look is another chance to see a difference that is not there, ' +
  'so the p-values understate the risk of a false winner; decide only once every group has the minimum sample';

/**
 * @example experimentReport([{ key: 'sms', entered: 420, converted: 30 }, { key: 'control', entered: 90, converted: 4 }], { minSamplePerBranch: 1000 })
 * // { reference: 'control', groups, comparisons, verdict: { decided: false, reason: 'sample_too_small', … }, warnings: [minimum_sample, peeking] }
 */
export function experimentReport(groups: readonly GroupCounts[], options: WinnerRule = {}): ExperimentReport {
  const rule = winnerRule(options);
  const compared = compareGroups(groups);
  const short = groups.filter((g) => g.entered < rule.minSamplePerBranch);
  const warnings: ExperimentWarning[] = [];
  if (short.length > 0)
    warnings.push({
      code: 'minimum_sample',
      message: `below the minimum sample of ${rule.minSamplePerBranch} customers a group: ${short.map((g) => `${g.key} (${g.entered})`).join(', ')}; their rates and lifts can still swing widely`,
    });
  warnings.push({ code: 'peeking', message: PEEKING });
  return { ...compared, verdict: decideWinner(groups, compared, rule), warnings };
}
