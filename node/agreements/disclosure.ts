/**
 * "What the other side can learn": the disclosure of an agreement, computed from its terms alone,
 * so both nodes show the same summary and an acceptor reads it before signing. One list of
 * sentences per allowed operation (who learns what), then warnings for weak terms — the terms
 * below this project's safe default floors (floors.ts), each with what it lets a querier infer.
 *
 * Roles, not names, are used: names come from the proposer and are shown elsewhere, cleaned.
 * Sources: docs/protocol-psi.md and docs/protocol-aggregate.md, "What each side learns".
 */
import { checkTermsAgainstPolicy, DEFAULT_POLICY } from './floors.js';
import { type AgreementTerms, type Operation, type PartyRole, otherParty } from './model.js';

export interface Disclosure {
  /** Per allowed operation, in the order of the terms: one sentence per party that learns something. */
  operations: { operation: Operation; learns: string[] }[];
  /** Weak terms in words: what they let the receiving side infer. */
  warnings: string[];
}

/** What each weak term lets a querier infer, keyed by the term the floor issue names. */
const CONSEQUENCE: Record<string, string> = {
  minIntersection: 'an intersection this small is released: a query over a few chosen records tells which of them the partner holds',
  maxQueriesPerDay: 'repeated queries turn what one query reveals into what many reveal',
  exactCounts: 'overlap counts are exact: two queries whose inputs differ by one record reveal whether the partner holds it',
  'aggregate.epsilonPerQuery': 'the noise of one query is too small to hide one record',
  'countNoise.epsilonPerQuery': 'the noise of one overlap count is too small to hide one record',
  'countNoise.budget.epsilon': 'a period of overlap queries together can reveal single records',
  'countNoise.budget.periodDays': 'the budget refills so often that over months it is no limit',
  'aggregate.budget.epsilon': 'a period of queries together can reveal single records',
  'aggregate.budget.periodDays': 'the budget refills so often that over months it is no limit',
  'aggregate.minGroupSize': "groups this small are released: a group's count and sums reveal its few members' membership and values",
  'aggregate.minInputSize': 'aggregate groups may be smaller than an intersection the terms would release',
};

/**
 * @example disclosureOf(agreement.terms).operations[0] // { operation: 'overlap', learns: ['the proposer learns …'] }
 */
export function disclosureOf(terms: AgreementTerms): Disclosure {
  const operations = terms.operations.map((operation) => ({ operation, learns: LEARNS[operation](terms) }));
  const warnings = checkTermsAgainstPolicy(terms, DEFAULT_POLICY).map((issue) => {
    const field = issue.slice(0, issue.indexOf(' '));
    return `${issue.replace("this node's policy", 'the default policy')}: ${CONSEQUENCE[field]}`;
  });
  if (terms.operations.includes('overlap') && terms.exactCounts !== true && !terms.countNoise) {
    warnings.push('overlap counts have no agreed noise (terms from before countNoise): overlap queries are refused; propose a new agreement');
  }
  return { operations, warnings };
}

const the = (role: PartyRole) => `the ${role}`;

function overlapCount(t: AgreementTerms): string {
  if (t.exactCounts === true) return "the exact number of records the two datasets have in common (exact counts: both nodes' policy must allow them)";
  const c = t.countNoise;
  if (!c) return 'nothing: these terms agree no noise for overlap counts, so overlap queries are refused';
  return `a noisy number of records the two datasets have in common (discrete Laplace at ε ${c.epsilonPerQuery} per query, ε ${c.budget.epsilon} per ${c.budget.periodDays} days on the data pair)`;
}

const LEARNS: Record<Operation, (t: AgreementTerms) => string[]> = {
  overlap: (t) => [
    `${t.outputs.overlap.map(the).join(' and ')} ${t.outputs.overlap.length > 1 ? 'learn' : 'learns'} ${overlapCount(t)}; results below minIntersection ${t.minIntersection} are withheld from both`,
    "a query whose input set differs by fewer than minGroupSize records from one released before on the same data pair is refused (the querier's differencing guard)",
    "the querier learns the size of the responder's dataset; the responder learns the size of the querier's input set, not which records matched",
  ],
  enrich: (t) => {
    const receiver = t.outputs.enrich[0];
    const other = otherParty(receiver);
    const labels = t.labels ?? [];
    return [
      `${the(receiver)} learns which of its own records are in ${the(other)}'s dataset (membership), stored as ${t.enrichAttribute} = true or false`,
      ...(labels.length > 0 ? [`${the(receiver)} learns, for each matched record, ${the(other)}'s ${labels.map((l) => l.column).join(', ')}`] : []),
      `${the(other)} learns the size of ${the(receiver)}'s input set, not which records matched`,
    ];
  },
  aggregate: (t) => {
    const a = t.aggregate;
    if (!a) return [];
    const holder = a.valueHolder;
    const querier = otherParty(holder);
    const delta = a.deltaPerQuery !== undefined ? ` and δ ${a.deltaPerQuery}` : '';
    const histograms = a.columns.some((c) => c.buckets?.length) ? ', and histograms' : '';
    return [
      `${the(querier)} learns, per group of its own records (at most ${a.maxGroups} groups of at least ${a.minInputSize} records each), a noisy count of the matched records and noisy sums and means${histograms} of ${the(holder)}'s ${a.columns.map((c) => c.column).join(', ')}`,
      `the noise is ${a.mechanism} at ε ${a.epsilonPerQuery}${delta} per query, split over the numbers it releases; all queries of ${a.budget.periodDays} days together spend at most ε ${a.budget.epsilon}`,
      `a group whose noisy count is below minGroupSize ${a.minGroupSize} is suppressed: only that fact is released`,
      `${the(querier)}'s node knows each group's exact matched count from the PSI step and adds the count noise itself`,
      `${the(holder)} learns the plan (how many groups and columns) and blinded totals only, no result`,
    ];
  },
};
