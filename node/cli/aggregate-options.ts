/**
 * CLI options of `agreements propose` that build the aggregate section of version 3 terms. They
 * only parse text into numbers; the node validates the section and names the field.
 */
import type { AggregateProposal } from '../api/services.js';
import { MofangError } from '../errors.js';

const bad = (option: string, why: string) => new MofangError('AGREEMENT_INVALID', `${option}: ${why}`);

function number(option: string, text: string | undefined, what: string): number {
  const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw bad(option, `${what} must be a number, got "${text ?? ''}"`);
  return value;
}

/**
 * `<column>:<min>:<max>[:<scale>][:<edges>]`, edges comma-separated and ascending. A fourth part
 * that is a whole number 0–6 without a comma is the scale; anything else there is the edges
 * (write `:0:<edge>` for a single edge with scale 0).
 *
 * @example parseAggregateColumn('spend:0:5000:2:100,1000') // { column: 'spend', min: 0, max: 5000, scale: 2, buckets: [100, 1000] }
 */
export function parseAggregateColumn(value: string): AggregateProposal['columns'][number] {
  const option = '--aggregate-column';
  const [column, min, max, fourth, fifth, ...rest] = value.split(':');
  if (!column || rest.length > 0) throw bad(option, `expected <column>:<min>:<max>[:<scale>][:<edge,edge,…>], got "${value}"`);
  const spec: AggregateProposal['columns'][number] = { column, min: number(option, min, 'min'), max: number(option, max, 'max') };
  const scaleText = fifth !== undefined || (fourth !== undefined && /^[0-6]$/.test(fourth)) ? fourth : undefined;
  const edgesText = fifth ?? (scaleText === undefined ? fourth : undefined);
  if (scaleText !== undefined) {
    if (!/^[0-6]$/.test(scaleText)) throw bad(option, `scale must be a whole number from 0 to 6, got "${scaleText}"`);
    spec.scale = Number(scaleText);
  }
  if (edgesText !== undefined) spec.buckets = edgesText.split(',').map((e) => number(option, e, 'each bucket edge'));
  return spec;
}

export interface AggregateFlags {
  aggregateColumn?: string[];
  valueHolder?: string;
  mechanism?: string;
  epsilonPerQuery?: string;
  deltaPerQuery?: string;
  budgetEpsilon?: string;
  budgetDelta?: string;
  budgetPeriodDays?: string;
  minGroupSize?: string;
  minInputSize?: string;
  maxGroups?: string;
}

/**
 * The aggregate section from the propose flags, or undefined when no `--aggregate-column` is given.
 * ε per query and the budget's ε have no default: they are the privacy decision of the agreement.
 */
export function aggregateFromFlags(o: AggregateFlags): AggregateProposal | undefined {
  if (!o.aggregateColumn || o.aggregateColumn.length === 0) return undefined;
  const required = (flag: string, text: string | undefined) => {
    if (text === undefined) throw bad(flag, 'is required with --aggregate-column');
    return number(flag, text, 'the value');
  };
  const optional = (flag: string, text: string | undefined) => (text === undefined ? undefined : number(flag, text, 'the value'));
  const mechanism = o.mechanism ?? 'discrete-laplace';
  if (mechanism !== 'discrete-laplace' && mechanism !== 'discrete-gaussian')
    throw bad('--mechanism', `must be discrete-laplace or discrete-gaussian, got "${mechanism}"`);
  const valueHolder = o.valueHolder ?? 'acceptor';
  if (valueHolder !== 'acceptor' && valueHolder !== 'proposer') throw bad('--value-holder', `must be acceptor or proposer, got "${valueHolder}"`);
  const delta = optional('--delta-per-query', o.deltaPerQuery);
  const budgetDelta = optional('--budget-delta', o.budgetDelta);
  return {
    columns: o.aggregateColumn.map(parseAggregateColumn),
    valueHolder,
    mechanism,
    epsilonPerQuery: required('--epsilon-per-query', o.epsilonPerQuery),
    ...(delta !== undefined ? { deltaPerQuery: delta } : {}),
    budget: {
      epsilon: required('--budget-epsilon', o.budgetEpsilon),
      ...(budgetDelta !== undefined ? { delta: budgetDelta } : {}),
      periodDays: number('--budget-period-days', o.budgetPeriodDays ?? '30', 'the value'),
    },
    minGroupSize: number('--min-group-size', o.minGroupSize ?? '20', 'the value'),
    minInputSize: number('--min-input-size', o.minInputSize ?? '100', 'the value'),
    maxGroups: number('--max-groups', o.maxGroups ?? '16', 'the value'),
  };
}
