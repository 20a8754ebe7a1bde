/** Provisional until the shared skeleton lands: the events a model reads, and parameter binding. */
import { MofangError } from '../errors.js';
import type { EventParam } from '../events/store.js';

export class Binder {
  readonly params: EventParam[] = [];
  bind(value: EventParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

export interface Scope {
  /** A subquery (in parentheses) or table of the events in scope. */
  events: string;
  timeZone: string;
  /** The end of the analysed range (ISO). */
  end: string;
}

export function invalidParam(field: string, message: string): MofangError {
  return new MofangError('REQUEST_INVALID', `${field}: ${message}`, { field });
}
