/**
 * Publishing to organisation units: who a publication reaches. Insight's shared segment sets and
 * journey templates publish through this one rule, so a unit receives the same things from both.
 *
 * A unit publishes only downward — to every unit below it (`to: 'all'`) or to chosen units below
 * it; a chosen unit's own descendants receive the publication too (publishing to a province
 * reaches its branches). The head office therefore reaches everyone, a province its branches, and
 * a branch no one. The publisher does not receive its own publication.
 *
 * The unit tree is read through a port (`UnitTree`): insight owns the units' table, and this
 * module names no table.
 */
import { MofangError } from '../errors.js';

/** Everyone below the publisher, or chosen units below it (sorted). */
export type Audience = { all: true } | { units: string[] };

/** What the audience rule reads of the organisation's units. */
export interface UnitTree {
  /** The unit and every unit below it. */
  scopeOf(unit: string): ReadonlySet<string>;
  /** @throws UNIT_NOT_FOUND naming `field` when there is no such unit */
  check(unit: string, field: string): void;
}

/**
 * The audience `to` asks for, checked to be within the publisher's reach.
 * @throws SCOPE_FORBIDDEN naming the unit outside the reach; REQUEST_INVALID for a malformed list
 * @example audienceOf(tree, 'hq', ['gd']) // → { units: ['gd'] }
 */
export function audienceOf(tree: UnitTree, publisher: string, to: 'all' | readonly string[]): Audience {
  const below = new Set(tree.scopeOf(publisher));
  below.delete(publisher);
  if (to === 'all') {
    if (below.size === 0) throw new MofangError('SCOPE_FORBIDDEN', `to: unit ${publisher} has no units below it to publish to`, { field: 'to', publisher });
    return { all: true };
  }
  if (!Array.isArray(to) || to.length === 0 || new Set(to).size !== to.length)
    throw new MofangError('REQUEST_INVALID', "to: 'all' or a list of distinct unit ids", { field: 'to' });
  to.forEach((u, i) => {
    tree.check(u, `to[${i}]`);
    if (!below.has(u))
      throw new MofangError('SCOPE_FORBIDDEN', `to[${i}]: unit ${u} is not below publisher ${publisher}; a unit publishes only to units below it`, {
        field: `to[${i}]`,
        unit: u,
        publisher,
      });
  });
  return { units: [...to].sort() };
}

/** Whether a publication of `publisher` to `audience` reaches `unit`. */
export function reaches(tree: UnitTree, publisher: string, audience: Audience, unit: string): boolean {
  if (unit === publisher) return false;
  if ('all' in audience) return tree.scopeOf(publisher).has(unit);
  return audience.units.some((u) => tree.scopeOf(u).has(unit));
}
