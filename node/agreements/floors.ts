/**
 * Policy floors: the weakest terms a node proposes or accepts, from `policy` in its config. The
 * schema bounds each field loosely (ε up to 10 per query, groups of 1), so that a deployment can
 * choose; the floors are where an operator's "safe" is written down. Each node checks the terms
 * against its own policy — the proposer before sending, the acceptor before signing — and weaker
 * terms go through only with an explicit override that is audited and, on the proposer's side,
 * signed into the terms (`proposerPolicyOverride`) for the acceptor to read.
 *
 * Why each floor exists (docs/privacy.md, "Policy floors"):
 *   - ε per query and per period bound what one query and one period of queries may reveal about
 *     one record; a short period refills the budget sooner, so it has a floor too.
 *   - A released group smaller than `minGroupSize` 10, or an intersection below `minIntersection`,
 *     says a lot about each of its few members.
 *   - `minInputSize` below `minIntersection` lets a group too small to be released as an overlap
 *     count feed an aggregate.
 *   - Without a rate limit, repeated queries turn any leak per query into a leak per record.
 *   - Exact overlap counts let two queries that differ by one record reveal that record.
 */
import { MofangError } from '../errors.js';
import type { AggregateTerms } from './aggregate-terms.js';
import type { CountNoise } from './count-noise.js';
import type { AuditEntry } from './store.js';

/** `policy` of the node configuration (node/config/schema.ts), where each default is documented. */
export interface PolicyFloors {
  maxEpsilonPerQuery: number;
  maxEpsilonPerPeriod: number;
  minPeriodDays: number;
  minGroupSize: number;
  minIntersection: number;
  maxQueriesPerDay: number;
  allowExactCounts: boolean;
}

/**
 * The defaults of `policy` (node/config/schema.ts reads them from here): what this project calls
 * safe when an operator has not decided otherwise.
 */
export const DEFAULT_POLICY: Readonly<PolicyFloors> = Object.freeze({
  maxEpsilonPerQuery: 1,
  maxEpsilonPerPeriod: 10,
  minPeriodDays: 30,
  minGroupSize: 10,
  minIntersection: 10,
  maxQueriesPerDay: 20,
  allowExactCounts: false,
});

/** The fields the floors read: terms, or a proposal before it becomes terms. */
interface FloorTerms {
  minIntersection: number;
  maxQueriesPerDay?: number;
  exactCounts?: boolean;
  aggregate?: Pick<AggregateTerms, 'epsilonPerQuery' | 'budget' | 'minGroupSize' | 'minInputSize'>;
  countNoise?: CountNoise;
}

/**
 * Every floor the terms fall below, one message each, naming the term, its value, the policy
 * field and its limit. Empty when the terms meet the policy. Pure.
 *
 * @example checkTermsAgainstPolicy(terms, config.policy)
 * // ["aggregate.epsilonPerQuery 10 exceeds this node's policy.maxEpsilonPerQuery 1"]
 */
export function checkTermsAgainstPolicy(terms: FloorTerms, policy: PolicyFloors): string[] {
  const issues: string[] = [];
  const atMost = (field: string, value: number, limit: keyof PolicyFloors) => {
    if (value > (policy[limit] as number)) issues.push(`${field} ${value} exceeds this node's policy.${limit} ${policy[limit]}`);
  };
  const atLeast = (field: string, value: number, limit: keyof PolicyFloors) => {
    if (value < (policy[limit] as number)) issues.push(`${field} ${value} is below this node's policy.${limit} ${policy[limit]}`);
  };

  atLeast('minIntersection', terms.minIntersection, 'minIntersection');
  if (terms.maxQueriesPerDay === undefined) {
    issues.push(`maxQueriesPerDay none (no rate limit): this node's policy.maxQueriesPerDay requires a limit of at most ${policy.maxQueriesPerDay}`);
  } else {
    atMost('maxQueriesPerDay', terms.maxQueriesPerDay, 'maxQueriesPerDay');
  }
  if (terms.exactCounts === true && !policy.allowExactCounts) issues.push("exactCounts true is not allowed by this node's policy.allowExactCounts false");

  const c = terms.countNoise;
  if (c) {
    atMost('countNoise.epsilonPerQuery', c.epsilonPerQuery, 'maxEpsilonPerQuery');
    atMost('countNoise.budget.epsilon', c.budget.epsilon, 'maxEpsilonPerPeriod');
    atLeast('countNoise.budget.periodDays', c.budget.periodDays, 'minPeriodDays');
  }

  const g = terms.aggregate;
  if (g) {
    atMost('aggregate.epsilonPerQuery', g.epsilonPerQuery, 'maxEpsilonPerQuery');
    atMost('aggregate.budget.epsilon', g.budget.epsilon, 'maxEpsilonPerPeriod');
    atLeast('aggregate.budget.periodDays', g.budget.periodDays, 'minPeriodDays');
    atLeast('aggregate.minGroupSize', g.minGroupSize, 'minGroupSize');
    if (g.minInputSize < terms.minIntersection) {
      issues.push(
        `aggregate.minInputSize ${g.minInputSize} is below the terms' minIntersection ${terms.minIntersection} (this node's policy requires minInputSize ≥ minIntersection)`,
      );
    }
  }
  return issues;
}

/**
 * What a node does with the floor issues of terms its operator proposes or accepts: none → [];
 * some, without `override` → throws AGREEMENT_BELOW_POLICY naming each (also in
 * `details.issues`); some, with `override` → the issues, which the caller audits
 * (`policyOverrideEntry`) and shows.
 *
 * @example const overridden = enforcePolicyFloors(terms, config.policy, input.overridePolicy === true, 'accept');
 */
export function enforcePolicyFloors(terms: FloorTerms, policy: PolicyFloors, override: boolean, action: 'propose' | 'accept'): string[] {
  const issues = checkTermsAgainstPolicy(terms, policy);
  if (issues.length === 0 || override) return issues;
  throw new MofangError(
    'AGREEMENT_BELOW_POLICY',
    `cannot ${action}: ${issues.join('; ')}. Strengthen the terms, or ${action} with --override-policy (HTTP: overridePolicy: true), which is audited`,
    { issues },
  );
}

/**
 * The audit entry of an override, written on the node that overrode, in the transaction that
 * stores the proposal or the acceptance. The issues are this node's own text (numbers and field
 * names), never the peer's.
 */
export function policyOverrideEntry(actor: string, agreementId: string, party: 'proposer' | 'acceptor', issues: readonly string[]): AuditEntry {
  return { actor, action: 'agreement.policy_overridden', subject: agreementId, details: { party, issues: [...issues] } };
}
