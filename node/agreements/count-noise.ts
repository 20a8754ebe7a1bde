/**
 * The `countNoise` section of agreement terms: how overlap counts are released when the terms do
 * not allow exact counts. An overlap count has sensitivity 1 (one record changes it by at most
 * one), so one discrete-Laplace sample of scale 1/ε per query makes it ε-differentially private;
 * every query is charged ε to the data pair's budget on both nodes (node/privacy/ledger.ts), the
 * same budget aggregate queries over the pair spend. Without noise, two queries whose inputs
 * differ by one record reveal that record's membership (docs/privacy.md, "Counts").
 *
 * A proposer that does not name the section gets it from its node's policy (`defaultCountNoise`),
 * so nobody has to type ε to get a safe agreement; the floors check it like the aggregate section.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EPSILON_DIGITS } from '../../protocols/dp/index.js';
import { hasAtMostDecimals } from './aggregate-terms.js';
import type { PolicyFloors } from './floors.js';

export const CountNoiseSchema = Type.Object(
  {
    /** ε spent by one overlap query (discrete Laplace, scale 1/ε). */
    epsilonPerQuery: Type.Number({ exclusiveMinimum: 0, maximum: 10 }),
    /** Total ε all queries on the data pair may spend per period (shared with aggregate queries). */
    budget: Type.Object(
      {
        epsilon: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
        periodDays: Type.Integer({ minimum: 1, maximum: 366 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type CountNoise = Static<typeof CountNoiseSchema>;

/** The fields of the terms the section relates to. */
interface CountTerms {
  operations: readonly string[];
  exactCounts?: boolean;
  countNoise?: CountNoise;
}

/**
 * What JSON Schema cannot say: the section goes with noisy overlap counts only, and ε values fit
 * the ledger's micro-ε units.
 */
export function countNoiseIssues(t: CountTerms): string[] {
  const c = t.countNoise;
  if (!c) return [];
  const issues: string[] = [];
  if (!t.operations.includes('overlap')) issues.push("countNoise: must be absent because 'overlap' is not allowed");
  if (t.exactCounts === true) issues.push('countNoise: must be absent because exactCounts is true (counts are released without noise)');
  if (!hasAtMostDecimals(c.epsilonPerQuery, EPSILON_DIGITS)) issues.push('countNoise.epsilonPerQuery: at most 6 decimal digits (budgets count micro-ε)');
  if (!hasAtMostDecimals(c.budget.epsilon, EPSILON_DIGITS)) issues.push('countNoise.budget.epsilon: at most 6 decimal digits (budgets count micro-ε)');
  if (c.epsilonPerQuery > c.budget.epsilon)
    issues.push(`countNoise.epsilonPerQuery: ${c.epsilonPerQuery} exceeds the whole period's budget.epsilon ${c.budget.epsilon}`);
  return issues;
}

/** What an operator may name of the section at propose; the rest comes from the policy. */
export interface CountNoiseProposal {
  epsilonPerQuery?: number;
  budget?: { epsilon?: number; periodDays?: number };
}

/**
 * The section a proposal gets: what the operator named, and for the rest the most this node's
 * policy allows per query and per period, over its shortest period.
 *
 * @example proposedCountNoise(undefined, config.policy) // { epsilonPerQuery: 1, budget: { epsilon: 10, periodDays: 30 } }
 */
export function proposedCountNoise(named: CountNoiseProposal | undefined, policy: PolicyFloors): CountNoise {
  return {
    epsilonPerQuery: named?.epsilonPerQuery ?? Math.min(policy.maxEpsilonPerQuery, policy.maxEpsilonPerPeriod),
    budget: { epsilon: named?.budget?.epsilon ?? policy.maxEpsilonPerPeriod, periodDays: named?.budget?.periodDays ?? policy.minPeriodDays },
  };
}
