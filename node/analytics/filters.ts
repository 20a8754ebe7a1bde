/**
 * Property filters and event selectors, compiled to SQL over the events table with every value
 * bound as a parameter. A property name is checked against a strict pattern and travels as a
 * JSON path parameter (`$.amount`), never inside the SQL text.
 *
 * Semantics (docs/analytics.md, Filters): `eq`/`in` compare numbers as numbers (the property cast
 * with TRY_CAST; a value that is not a number never matches), strings and booleans as their JSON
 * text; `neq` also matches events without the property; `gt`/`gte`/`lt`/`lte` take a number, or
 * a string compared as text (ISO times order correctly); `contains` is a substring test;
 * `exists` means present and not JSON null.
 */
import { Type, type Static } from '@sinclair/typebox';
import { invalidParam } from './invalid.js';
import type { QueryParams } from './query.js';

/** A property name: a letter or `_`, then up to 63 letters, digits or `_`. */
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Most values an `in` filter lists. */
const MAX_IN_VALUES = 100;
/** Most filters on one event selector (and on the model as a whole). */
const MAX_FILTERS = 20;

const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'not_exists'] as const;

export const PropertyName = Type.String({
  pattern: PROPERTY_NAME.source,
  description: 'A property name (letters, digits and _, not starting with a digit; at most 64).',
});
export const EventName = Type.String({ minLength: 1, maxLength: 128, description: 'An event name as tracked.' });

const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);

const PropertyFilterSchema = Type.Object(
  {
    property: PropertyName,
    op: Type.Union(
      FILTER_OPS.map((op) => Type.Literal(op)),
      { description: 'eq, neq, gt, gte, lt, lte, in, contains, exists, not_exists.' },
    ),
    value: Type.Optional(
      Type.Union([Scalar, Type.Array(Type.Union([Type.String({ maxLength: 1000 }), Type.Number()]), { minItems: 1, maxItems: MAX_IN_VALUES })]),
    ),
  },
  { additionalProperties: false },
);
type PropertyFilter = Static<typeof PropertyFilterSchema>;

export const FiltersSchema = Type.Array(PropertyFilterSchema, { maxItems: MAX_FILTERS, description: 'Property filters, all of which must hold.' });

/** One kind of event: its name and the property filters its events must pass. */
export const EventSelectorSchema = Type.Object(
  {
    event: EventName,
    filters: Type.Optional(FiltersSchema),
  },
  { additionalProperties: false },
);
type EventSelector = Static<typeof EventSelectorSchema>;

/** The property's JSON text (NULL when absent or JSON null), its path bound as a parameter. */
export function propertyText(q: QueryParams, property: string, field: string): string {
  if (!PROPERTY_NAME.test(property)) throw invalidParam(field, `"${property.slice(0, 64)}" is not a property name (${PROPERTY_NAME.source})`);
  return `(properties ->> ${q.add(`$.${property}`)})`;
}

/** The property as a DOUBLE, NULL when absent or not a number. */
export function propertyNumber(q: QueryParams, property: string, field: string): string {
  return `TRY_CAST(${propertyText(q, property, field)} AS DOUBLE)`;
}

const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The SQL condition of one filter; `field` names it in errors (`filters[0]`). */
function filterSql(q: QueryParams, f: PropertyFilter, field: string): string {
  const value = f.value;
  const needs = (what: string) => invalidParam(`${field}.value`, `${f.op} needs ${what}`);
  switch (f.op) {
    case 'exists':
    case 'not_exists':
      if (value !== undefined) throw invalidParam(`${field}.value`, `${f.op} takes no value`);
      return `${propertyText(q, f.property, `${field}.property`)} IS ${f.op === 'exists' ? 'NOT ' : ''}NULL`;
    case 'eq':
    case 'neq': {
      if (value === undefined || Array.isArray(value)) throw needs('a string, number or boolean');
      const eq = equalsSql(q, f.property, [value], `${field}.property`);
      return f.op === 'eq' ? eq : `NOT coalesce(${eq}, false)`;
    }
    case 'in':
      if (!Array.isArray(value)) throw needs('a list of strings or numbers');
      return equalsSql(q, f.property, value, `${field}.property`);
    case 'contains':
      if (typeof value !== 'string') throw needs('a string');
      return `contains(${propertyText(q, f.property, `${field}.property`)}, ${q.add(value)})`;
    default: {
      if (typeof value === 'number') return `${propertyNumber(q, f.property, `${field}.property`)} ${COMPARE[f.op]} ${q.add(value)}`;
      if (typeof value === 'string') return `${propertyText(q, f.property, `${field}.property`)} ${COMPARE[f.op]} ${q.add(value)}`;
      throw needs('a number (or a string, compared as text)');
    }
  }
}

/** Numbers compare as numbers, strings and booleans as the property's JSON text. */
function equalsSql(q: QueryParams, property: string, values: readonly (string | number | boolean)[], field: string): string {
  const numbers = values.filter((v) => typeof v === 'number');
  const texts = values.filter((v) => typeof v !== 'number').map(String);
  const parts: string[] = [];
  if (numbers.length > 0) parts.push(`${propertyNumber(q, property, field)} IN (${numbers.map((n) => q.add(n)).join(', ')})`);
  if (texts.length > 0) parts.push(`${propertyText(q, property, field)} IN (${texts.map((t) => q.add(t)).join(', ')})`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}

/** All filters (AND); `TRUE` when there are none. `field` names the list (`filters`, `steps[1].filters`). */
function filtersSql(q: QueryParams, filters: readonly PropertyFilter[] | undefined, field: string): string {
  if (!filters || filters.length === 0) return 'TRUE';
  if (filters.length > MAX_FILTERS) throw invalidParam(field, `at most ${MAX_FILTERS} filters`, { limit: MAX_FILTERS });
  return filters.map((f, i) => `(${filterSql(q, f, `${field}[${i}]`)})`).join(' AND ');
}

/** The events a selector picks: its name and its filters. `field` names it (`steps[0]`; '' at the top level). */
export function selectorSql(q: QueryParams, selector: EventSelector, field: string): string {
  return `(name = ${q.add(selector.event)} AND ${filtersSql(q, selector.filters, field ? `${field}.filters` : 'filters')})`;
}

/**
 * Events any of `selectors` picks. The names come first as one `IN` list, which DuckDB applies
 * while scanning the name column; an OR of selectors alone is evaluated row by row after the scan
 * (a fifth of a 4-step funnel's work at 10⁷ events; with two to four rarer names, as interval and
 * attribution select, it measured no gain). `conditions` are the selectors' own SQL.
 */
export function anySelectorSql(q: QueryParams, selectors: readonly EventSelector[], conditions: readonly string[]): string {
  const names = [...new Set(selectors.map((s) => s.event))];
  return `name IN (${names.map((n) => q.add(n)).join(', ')}) AND (${conditions.join(' OR ')})`;
}
