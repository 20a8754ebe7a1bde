/**
 * The engine's stand-in for A/B assignment until node/journeys/experiments/ provides
 * `assignVariant`: a keyed hash of the experiment and the customer picks the group, so the same
 * customer lands in the same group on every node restart and in a dry run.
 */
import { createHmac } from 'node:crypto';
import type { AssignVariant } from './ports.js';

/** @example hmacAssign(secret)('first-touch', 'customers:c1', [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }]) // → 'a' or 'b', always the same */
export function hmacAssign(secret: string): AssignVariant {
  return (experiment, entryKey, groups) => {
    const digest = createHmac('sha256', secret).update(`${experiment}\u0000${entryKey}`).digest();
    const point = (digest.readUInt32BE(0) / 2 ** 32) * 100;
    let upTo = 0;
    for (const g of groups) {
      upTo += g.percent;
      if (point < upTo) return g.key;
    }
    return groups[groups.length - 1].key;
  };
}
