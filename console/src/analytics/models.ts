/**
 * The eight analysis models as the query form sees them: each model's fields in the order the form
 * shows them, and the conversion between the form's text inputs and the model's JSON parameters
 * (docs/analytics.md). The node checks every parameter again; this only shapes what is sent.
 */

export const MODEL_NAMES = ['event', 'funnel', 'retention', 'distribution', 'interval', 'path', 'attribution', 'ltv'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'not_exists'] as const;
type FilterOp = (typeof FILTER_OPS)[number];
/** Operators that take no value. */
export const VALUELESS: readonly FilterOp[] = ['exists', 'not_exists'];

export interface FilterRow {
  property: string;
  op: FilterOp;
  value: string;
}
export interface SelectorInput {
  event: string;
  filters: FilterRow[];
}

/** A field of a model's form; `key` is the parameter's name. */
export type Field =
  /** `flat`: the event name and its filters are top-level parameters (`event`, `filters`), as in event analysis. */
  | { key: string; kind: 'selector'; flat?: true }
  | { key: string; kind: 'selectors'; min: number; max: number }
  | { key: 'from' | 'to'; kind: 'date' }
  | { key: string; kind: 'choice'; options: readonly string[]; optional?: true }
  | { key: string; kind: 'integer'; min: number; max: number; optional?: true }
  | { key: string; kind: 'property'; optional?: true }
  | { key: string; kind: 'names' | 'numbers' }
  | { key: string; kind: 'boolean' }
  | { key: 'segment'; kind: 'segment' };

const RANGE: Field[] = [
  { key: 'from', kind: 'date' },
  { key: 'to', kind: 'date' },
];
const SEGMENT: Field = { key: 'segment', kind: 'segment' };
const DAY = 86_400;

export const MODELS: Record<ModelName, Field[]> = {
  event: [
    { key: 'event', kind: 'selector', flat: true },
    ...RANGE,
    { key: 'granularity', kind: 'choice', options: ['day', 'week', 'month'] },
    { key: 'property', kind: 'property', optional: true },
    { key: 'breakdowns', kind: 'names' },
    { key: 'compare', kind: 'boolean' },
    SEGMENT,
  ],
  funnel: [
    { key: 'steps', kind: 'selectors', min: 2, max: 10 },
    ...RANGE,
    { key: 'windowSeconds', kind: 'integer', min: 1, max: 90 * DAY },
    { key: 'order', kind: 'choice', options: ['loose', 'strict'] },
    { key: 'sameProperty', kind: 'property', optional: true },
    SEGMENT,
  ],
  retention: [
    { key: 'start', kind: 'selector' },
    { key: 'return', kind: 'selector' },
    ...RANGE,
    { key: 'granularity', kind: 'choice', options: ['day', 'week'] },
    { key: 'periods', kind: 'integer', min: 1, max: 30 },
    SEGMENT,
  ],
  distribution: [
    { key: 'event', kind: 'selector', flat: true },
    ...RANGE,
    { key: 'measure', kind: 'choice', options: ['count', 'sum'] },
    { key: 'property', kind: 'property', optional: true },
    { key: 'bounds', kind: 'numbers' },
    SEGMENT,
  ],
  interval: [
    { key: 'initial', kind: 'selector' },
    { key: 'target', kind: 'selector' },
    ...RANGE,
    { key: 'maxGapSeconds', kind: 'integer', min: 0, max: 366 * DAY, optional: true },
    { key: 'buckets', kind: 'numbers' },
    SEGMENT,
  ],
  path: [
    { key: 'anchor', kind: 'selector' },
    ...RANGE,
    { key: 'direction', kind: 'choice', options: ['after', 'before'] },
    { key: 'depth', kind: 'integer', min: 1, max: 5 },
    { key: 'top', kind: 'integer', min: 1, max: 20 },
    { key: 'sessionGapSeconds', kind: 'integer', min: 1, max: 7 * DAY, optional: true },
    SEGMENT,
  ],
  attribution: [
    { key: 'goal', kind: 'selector' },
    { key: 'touches', kind: 'selectors', min: 1, max: 20 },
    { key: 'model', kind: 'choice', options: ['first', 'last', 'linear', 'time_decay', 'position'] },
    ...RANGE,
    { key: 'windowSeconds', kind: 'integer', min: 1, max: 366 * DAY },
    { key: 'halfLifeSeconds', kind: 'integer', min: 1, max: 366 * DAY },
    { key: 'valueProperty', kind: 'property', optional: true },
    { key: 'byProperty', kind: 'property', optional: true },
    SEGMENT,
  ],
  ltv: [
    { key: 'start', kind: 'selector' },
    { key: 'value', kind: 'selector' },
    { key: 'valueProperty', kind: 'property' },
    ...RANGE,
    { key: 'granularity', kind: 'choice', options: ['day', 'week', 'month'] },
    { key: 'periods', kind: 'integer', min: 1, max: 120 },
    SEGMENT,
  ],
};

/** What the form holds: text as typed, selectors with their filter rows, booleans. */
export type FormValue = string | boolean | SelectorInput | SelectorInput[];
export type FormState = Record<string, FormValue>;

const emptySelector = (): SelectorInput => ({ event: '', filters: [] });
const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The documented defaults, and the last seven days. */
const DEFAULTS: Record<string, FormValue> = {
  granularity: 'day',
  compare: true,
  windowSeconds: String(DAY),
  order: 'loose',
  periods: '7',
  measure: 'count',
  direction: 'after',
  depth: '3',
  top: '5',
  sessionGapSeconds: '1800',
  model: 'last',
  halfLifeSeconds: String(7 * DAY),
};

export function initialForm(model: ModelName, today = new Date()): FormState {
  const from = new Date(today);
  from.setDate(from.getDate() - 6);
  const state: FormState = {};
  for (const field of MODELS[model]) {
    if (field.kind === 'selector') state[field.key] = emptySelector();
    else if (field.kind === 'selectors') state[field.key] = Array.from({ length: field.min }, emptySelector);
    else if (field.kind === 'date') state[field.key] = isoDay(field.key === 'from' ? from : today);
    else if (field.kind === 'boolean') state[field.key] = DEFAULTS[field.key] ?? false;
    else state[field.key] = DEFAULTS[field.key] ?? '';
  }
  // Attribution's window default is 30 days, the funnel's one day.
  if (model === 'attribution') state.windowSeconds = String(30 * DAY);
  return state;
}

/** A filter value as the model takes it: numbers as numbers, `true`/`false` as booleans, `in` as a list. */
function filterValue(row: FilterRow): unknown {
  const scalar = (text: string) =>
    text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text;
  if (row.op === 'in')
    return row.value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => (Number.isFinite(Number(v)) ? Number(v) : v));
  if (row.op === 'contains') return row.value;
  return scalar(row.value.trim());
}

function selectorParams(s: SelectorInput): Record<string, unknown> {
  const filters = s.filters.map((f) =>
    VALUELESS.includes(f.op) ? { property: f.property.trim(), op: f.op } : { property: f.property.trim(), op: f.op, value: filterValue(f) },
  );
  return filters.length > 0 ? { event: s.event.trim(), filters } : { event: s.event.trim() };
}

const list = (text: string) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** The JSON parameters of the form: empty optional fields are left out, so the node's defaults apply. */
export function toParams(model: ModelName, state: FormState): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of MODELS[model]) {
    const value = state[field.key];
    if (field.kind === 'selector' && field.flat) Object.assign(params, selectorParams(value as SelectorInput));
    else if (field.kind === 'selector') params[field.key] = selectorParams(value as SelectorInput);
    else if (field.kind === 'selectors') params[field.key] = (value as SelectorInput[]).map(selectorParams);
    else if (field.kind === 'boolean') params[field.key] = value === true;
    else if (field.kind === 'names' || field.kind === 'numbers') {
      const items = list(value as string);
      if (items.length > 0) params[field.key] = field.kind === 'numbers' ? items.map(Number) : items;
    } else if ((value as string).trim() !== '') params[field.key] = field.kind === 'integer' ? Number(value) : (value as string).trim();
  }
  return params;
}

const selectorInput = (p: unknown): SelectorInput => {
  const s = (p ?? {}) as { event?: string; filters?: { property: string; op: FilterOp; value?: unknown }[] };
  return {
    event: s.event ?? '',
    filters: (s.filters ?? []).map((f) => ({
      property: f.property,
      op: f.op,
      value: Array.isArray(f.value) ? f.value.join(', ') : f.value === undefined ? '' : String(f.value),
    })),
  };
};

/** The form for saved parameters (a metric's): the inverse of `toParams`, over the defaults. */
export function fromParams(model: ModelName, params: Record<string, unknown>, today = new Date()): FormState {
  const state = initialForm(model, today);
  for (const field of MODELS[model]) {
    const value = field.kind === 'selector' && field.flat ? params : params[field.key];
    if (value === undefined || value === null) continue;
    if (field.kind === 'selector') state[field.key] = selectorInput(value);
    else if (field.kind === 'selectors') state[field.key] = (value as unknown[]).map(selectorInput);
    else if (field.kind === 'boolean') state[field.key] = value === true;
    else state[field.key] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return state;
}

/** A model's answer (docs/analytics.md, "Running a model"). */
export interface Run<R = unknown> {
  model: ModelName;
  params: Record<string, unknown>;
  tookMs: number;
  result: R;
  scalars: Record<string, number>;
}
