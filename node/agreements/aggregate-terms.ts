/**
 * The `aggregate` section of agreement terms (version 3): which numeric columns of the value
 * holder's dataset may be summed over the joint audience, how they are clamped and scaled, the
 * differential-privacy mechanism and budget, and the limits on groups. Both nodes read these
 * signed numbers before every aggregate run; nothing here is negotiated per query.
 *
 * Why each rule exists:
 *   - `min`/`max` clamp every value, which bounds one record's influence on a sum (sensitivity);
 *     `scale` says how many decimal digits survive the conversion to integers for encryption.
 *   - `buckets` are histogram edges; each bucket becomes a 0/1 column, so its count has
 *     sensitivity 1.
 *   - ε and δ are kept in exact integer units (micro-ε, nano-δ) in the budget ledger, so the terms
 *     may not carry finer values than those units can hold.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DELTA_DIGITS, EPSILON_DIGITS, scaledInteger } from '../../protocols/dp/index.js';
import { Name, PartyRoleSchema, StringEnum } from './terms-types.js';

const MAX_AGGREGATE_COLUMNS = 16;
const MAX_BUCKET_EDGES = 32;
const MAX_SCALE = 6;
const MAX_AGGREGATE_GROUPS = 64;
/** Largest (max − min) · 10^scale: keeps per-record integers far inside float64's exact range. */
const MAX_SCALED_RANGE = 2 ** 48;

const AggregateColumnSchema = Type.Object(
  {
    /** A numeric column of the value holder's dataset. */
    column: Name,
    /** Values are clamped to [min, max] before encryption. */
    min: Type.Number(),
    max: Type.Number(),
    /** Decimal digits kept (0–6): a value v is encrypted as round(v · 10^scale). Default 0. */
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SCALE })),
    /** Ascending histogram edges e0 < e1 < …: buckets (−∞, e0), [e0, e1), …, [e_last, ∞) after clamping. */
    buckets: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_BUCKET_EDGES })),
  },
  { additionalProperties: false },
);

const MechanismSchema = StringEnum(['discrete-laplace', 'discrete-gaussian']);

export const AggregateTermsSchema = Type.Object(
  {
    columns: Type.Array(AggregateColumnSchema, { minItems: 1, maxItems: MAX_AGGREGATE_COLUMNS }),
    /** The party whose dataset holds the columns and who owns the encryption key. */
    valueHolder: PartyRoleSchema,
    mechanism: MechanismSchema,
    /** ε spent by one query, split evenly over the statistics it releases. */
    epsilonPerQuery: Type.Number({ exclusiveMinimum: 0, maximum: 10 }),
    /** discrete-gaussian only, and required there. */
    deltaPerQuery: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1e-3 })),
    /** Total ε (and δ) that all queries of one period may spend. */
    budget: Type.Object(
      {
        epsilon: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
        delta: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
        /** Period p covers [createdAt + p·days, createdAt + (p+1)·days). */
        periodDays: Type.Integer({ minimum: 1, maximum: 366 }),
      },
      { additionalProperties: false },
    ),
    /** Released numbers of a group whose noisy count is below this are suppressed. */
    minGroupSize: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    /** Every querier group must hold at least this many records. */
    minInputSize: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    maxGroups: Type.Integer({ minimum: 1, maximum: MAX_AGGREGATE_GROUPS }),
  },
  { additionalProperties: false },
);

export type AggregateColumn = Static<typeof AggregateColumnSchema>;
export type AggregateTerms = Static<typeof AggregateTermsSchema>;

/** What a proposer writes: `valueHolder` defaults to the acceptor. */
export type AggregateDraft = Omit<AggregateTerms, 'valueHolder'> & { valueHolder?: AggregateTerms['valueHolder'] };

/** Whether `x` has at most `digits` decimals, exactly (its decimal text, not its float value). */
export function hasAtMostDecimals(x: number, digits: number): boolean {
  try {
    scaledInteger(Math.abs(x), digits);
    return true;
  } catch {
    return false;
  }
}

/**
 * Problems inside the aggregate section, each starting with its field. `idColumn` is the value
 * holder's id column, which is never summed.
 */
export function aggregateSectionIssues(a: AggregateTerms, idColumn: string): string[] {
  const issues: string[] = [];
  const seen = new Set<string>();
  a.columns.forEach((c, i) => {
    const at = `aggregate.columns[${i}]`;
    if (seen.has(c.column)) issues.push(`${at}.column: '${c.column}' is listed twice`);
    seen.add(c.column);
    if (c.column === idColumn) issues.push(`${at}.column: '${c.column}' is the id column; it cannot be aggregated`);
    if (!(c.max > c.min)) issues.push(`${at}.max: must be greater than min (${c.min})`);
    const unit = 10 ** (c.scale ?? 0);
    for (const field of ['min', 'max'] as const) {
      if (!hasAtMostDecimals(c[field], c.scale ?? 0)) issues.push(`${at}.${field}: ${c[field]} has more decimal digits than scale ${c.scale ?? 0} keeps`);
    }
    if ((c.max - c.min) * unit > MAX_SCALED_RANGE) {
      issues.push(`${at}: (max − min) · 10^scale must be at most 2^48; lower the range or the scale`);
    }
    (c.buckets ?? []).forEach((edge, k) => {
      if (!(edge > c.min && edge <= c.max)) issues.push(`${at}.buckets[${k}]: ${edge} must lie in (min, max] = (${c.min}, ${c.max}]`);
      if (k > 0 && !(edge > c.buckets![k - 1])) issues.push(`${at}.buckets[${k}]: edges must be strictly ascending`);
    });
  });

  const gaussian = a.mechanism === 'discrete-gaussian';
  if (gaussian && a.deltaPerQuery === undefined) issues.push('aggregate.deltaPerQuery: is required for discrete-gaussian (0 < δ < 1e-3)');
  if (gaussian && a.budget.delta === undefined) issues.push('aggregate.budget.delta: is required for discrete-gaussian');
  if (!gaussian && a.deltaPerQuery !== undefined) issues.push('aggregate.deltaPerQuery: only discrete-gaussian spends δ');
  if (!gaussian && a.budget.delta !== undefined) issues.push('aggregate.budget.delta: only discrete-gaussian spends δ');
  if (!hasAtMostDecimals(a.epsilonPerQuery, EPSILON_DIGITS)) issues.push('aggregate.epsilonPerQuery: at most 6 decimal digits (budgets count micro-ε)');
  if (!hasAtMostDecimals(a.budget.epsilon, EPSILON_DIGITS)) issues.push('aggregate.budget.epsilon: at most 6 decimal digits (budgets count micro-ε)');
  if (a.deltaPerQuery !== undefined && !hasAtMostDecimals(a.deltaPerQuery, DELTA_DIGITS)) {
    issues.push('aggregate.deltaPerQuery: must be a whole number of 1e-9 (budgets count nano-δ)');
  }
  if (a.budget.delta !== undefined && !hasAtMostDecimals(a.budget.delta, DELTA_DIGITS)) issues.push('aggregate.budget.delta: must be a whole number of 1e-9');
  if (a.epsilonPerQuery > a.budget.epsilon)
    issues.push(`aggregate.epsilonPerQuery: ${a.epsilonPerQuery} exceeds the whole period's budget.epsilon ${a.budget.epsilon}`);
  if (a.deltaPerQuery !== undefined && a.budget.delta !== undefined && a.deltaPerQuery > a.budget.delta) {
    issues.push(`aggregate.deltaPerQuery: ${a.deltaPerQuery} exceeds budget.delta ${a.budget.delta}`);
  }
  return issues;
}

/**
 * Problems with summing the agreed columns from a dataset with these attribute columns: each
 * must exist and be a number column. Run by the value holder before accepting and before each run.
 *
 * @example aggregateColumnIssues(terms.aggregate!.columns, getDataset(db, 'subscribers').columns)
 */
export function aggregateColumnIssues(columns: readonly AggregateColumn[], datasetColumns: readonly { name: string; type: string }[]): string[] {
  return columns.flatMap((c, i) => {
    const found = datasetColumns.find((d) => d.name === c.column);
    if (!found) return [`aggregate.columns[${i}].column: the dataset has no column '${c.column}'`];
    if (found.type !== 'number') return [`aggregate.columns[${i}].column: dataset column '${c.column}' is ${found.type}; aggregates need a number column`];
    return [];
  });
}
