/**
 * Which form field each of the server's complaints is about, so the form shows it on that field.
 * The node names the field at the start of each message — `body.title: is required` (400
 * REQUEST_INVALID, also in `details.field`), `expiresAt: must be in the future`,
 * `minIntersection 5 is below this node's policy.minIntersection 10` (each of `details.issues`).
 */
import { ApiError } from '../api';

/** The field a message starts with: `body.countNoise.budget.epsilon: …` → `countNoise.budget.epsilon`; `operations[0] …` → `operations`. */
const fieldOf = (message: string): string | undefined =>
  /^(?:body\.)?([A-Za-z][\w.[\]]*)[: ]/
    .exec(message)?.[1]
    ?.replace(/\[\d+\]/g, '')
    .replace(/\.\d+$/, '');

/**
 * Messages by form field. `aliases` maps the server's names to the form's where they differ
 * (`parties.acceptor.dataset` → `peerDataset`; a prefix ending in `.` maps everything under it);
 * messages naming no field of the form are left to the error box above the form.
 *
 * @example fieldErrors(error, ['title', 'expiresAt'], { 'parties.acceptor.dataset': 'peerDataset' }).expiresAt // ['expiresAt: must be in the future']
 */
export function fieldErrors(error: unknown, fields: readonly string[], aliases: Record<string, string> = {}): Record<string, string[]> {
  if (!(error instanceof ApiError)) return {};
  const issues = Array.isArray(error.details?.issues) ? (error.details.issues as unknown[]).map(String) : [error.message];
  const byField: Record<string, string[]> = {};
  for (const issue of issues) {
    const named = fieldOf(issue);
    if (!named) continue;
    const alias = aliases[named] ?? Object.entries(aliases).find(([prefix]) => prefix.endsWith('.') && named.startsWith(prefix))?.[1];
    const field = alias ?? named;
    if (fields.includes(field)) (byField[field] ??= []).push(issue);
  }
  return byField;
}
