/** The one way a model reports a parameter that its schema cannot check (a range, a combination). */
import { MofangError } from '../errors.js';

/** @example throw invalidParam('steps[2].filters[0].value', 'expected a number for gt'); */
export function invalidParam(field: string, message: string, details: Record<string, unknown> = {}): MofangError {
  return new MofangError('ANALYTICS_PARAMS_INVALID', `${field}: ${message}`, { field, ...details });
}
