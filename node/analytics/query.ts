/**
 * The positional parameters of one analysis query. Models build SQL from fixed fragments and put
 * every user value here, so no user text is ever spliced into the SQL.
 */
import type { EventParam } from '../events/store.js';

export class QueryParams {
  readonly values: EventParam[] = [];

  /** Binds a value and returns its placeholder (`$1`, `$2`, …). */
  add(value: EventParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
