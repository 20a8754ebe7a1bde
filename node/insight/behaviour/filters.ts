/**
 * Property filters of a behaviour leaf as DuckDB SQL over the event table's `properties` JSON.
 * Every value is a bound parameter; a property name (already checked against PROPERTY_NAME) travels
 * as a bound JSON path too, so no text of a rule reaches SQL.
 *
 * Semantics: a filter on a missing (or JSON null) property is false, whatever the operator (`neq`
 * too), as for unset attributes in profile rules; numbers compare as numbers (a property that is
 * not a number never matches a number), strings as strings, booleans by their JSON text.
 */
import type { PropertyFilter } from '../rules/behaviour.js';

/** Collects positional parameters (`$1`, `$2`, …) for one statement. */
export class EventParams {
  readonly values: (string | number)[] = [];

  /** Binds `v` and returns its mark. */
  bind(v: string | number): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }

  /** The text of a property (NULL when missing or JSON null). */
  text(property: string): string {
    return `json_extract_string(properties, ${this.bind(`$.${property}`)})`;
  }

  /** The property as a number (NULL when missing or not a number). */
  number(property: string): string {
    return `TRY_CAST(${this.text(property)} AS DOUBLE)`;
  }
}

const SQL_OP = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** One filter as a condition; `AND` them for a leaf's `where`. */
export function filterSql(f: PropertyFilter, p: EventParams): string {
  switch (f.op) {
    case 'exists':
      return `(${p.text(f.property)} IS NOT NULL)`;
    case 'contains':
      return `contains(${p.text(f.property)}, ${p.bind(f.value)})`;
    case 'in': {
      const numbers = typeof f.values[0] === 'number';
      const x = numbers ? p.number(f.property) : p.text(f.property);
      return `(${x} IN (${(f.values as (string | number)[]).map((v) => p.bind(v)).join(', ')}))`;
    }
    default: {
      const v = f.value;
      const x = typeof v === 'number' ? p.number(f.property) : p.text(f.property);
      return `(${x} ${SQL_OP[f.op]} ${p.bind(typeof v === 'boolean' ? String(v) : v)})`;
    }
  }
}
