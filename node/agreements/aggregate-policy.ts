/**
 * What an agreement allows for one aggregate query, checked by both nodes: the querier before it
 * sends anything, the value holder before it encrypts anything. `checkQueryAllowed` decides about
 * the operation, the parties and the datasets first; these checks add the aggregate section's rules.
 */
import { MofangError } from '../errors.js';
import { type AggregateColumn, type AggregateTerms, aggregateColumnIssues } from './aggregate-terms.js';
import type { StoredAgreement } from './store.js';

/** The aggregate section, or OPERATION_NOT_ALLOWED when the terms have none. */
export function aggregateTermsOf(agreement: StoredAgreement): AggregateTerms {
  const section = agreement.terms.aggregate;
  if (!section)
    throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: has no aggregate section (terms version ${agreement.terms.version})`);
  return section;
}

/**
 * The agreed specs of the requested columns, in the requested order — the column list both sides
 * encode and decode with. Every column must be agreed (once); with `histogram`, every column must
 * have agreed buckets.
 *
 * @example checkAggregateColumnsAllowed(agreement, ['spend'], false) // → [{ column: 'spend', min: 0, max: 5000 }]
 */
export function checkAggregateColumnsAllowed(agreement: StoredAgreement, requested: readonly string[], histogram: boolean): AggregateColumn[] {
  const section = aggregateTermsOf(agreement);
  const allowed = section.columns.map((c) => c.column);
  if (requested.length === 0)
    throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: name at least one column (allowed: ${allowed.join(', ')})`);
  const seen = new Set<string>();
  return requested.map((name) => {
    const column = section.columns.find((c) => c.column === name);
    if (!column) {
      throw new MofangError(
        'OPERATION_NOT_ALLOWED',
        `agreement ${agreement.id}: column '${name}' is not an aggregate column of this agreement (allowed: ${allowed.join(', ')}); columns not in the agreement cannot be requested`,
        { column: name, allowed },
      );
    }
    if (seen.has(name)) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: column '${name}' is requested twice`, { column: name });
    seen.add(name);
    if (histogram && !column.buckets) {
      throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: column '${name}' has no agreed histogram buckets`, { column: name });
    }
    return structuredClone(column);
  });
}

/**
 * The value holder's check that its dataset can deliver every agreed column as a number (it may
 * have been re-imported since it accepted).
 *
 * @example checkAggregateColumnsAvailable(agreement, getDataset(db, dataset).columns)
 */
export function checkAggregateColumnsAvailable(agreement: StoredAgreement, datasetColumns: readonly { name: string; type: string }[]): void {
  const issues = aggregateColumnIssues(aggregateTermsOf(agreement).columns, datasetColumns);
  if (issues.length > 0) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: ${issues[0]}`, { issues });
}

/**
 * The querier's groups (its segments) against maxGroups and minInputSize. Both sides run it: the
 * value holder sees the number of groups and each group's size, nothing else about them. The
 * message names the group by its position, and the minimum, never the group's records.
 *
 * @example checkAggregateGroups(agreement, [1200, 340])
 */
export function checkAggregateGroups(agreement: StoredAgreement, groupSizes: readonly number[]): void {
  const { maxGroups, minInputSize } = aggregateTermsOf(agreement);
  if (groupSizes.length === 0) throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: a query needs at least one group`);
  if (groupSizes.length > maxGroups) {
    throw new MofangError(
      'OPERATION_NOT_ALLOWED',
      `agreement ${agreement.id}: ${groupSizes.length} groups requested; aggregate.maxGroups allows ${maxGroups}`,
      { limit: maxGroups, groups: groupSizes.length },
    );
  }
  const small = groupSizes.findIndex((size) => size < minInputSize);
  if (small >= 0) {
    throw new MofangError(
      'INPUT_BELOW_MINIMUM',
      `group ${small + 1} of ${groupSizes.length} has fewer records than the agreement's aggregate.minInputSize of ${minInputSize}`,
      { group: small, minimum: minInputSize },
    );
  }
}
