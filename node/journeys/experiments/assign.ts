/**
 * A/B assignment: the group of an experiment a customer falls in.
 *
 * HMAC-SHA256, keyed with a secret that never leaves the node, over the experiment's name and the
 * customer's entry key gives 64 bits, mapped onto 10,000 slots (hundredths of a percent); a group
 * takes the slots of its share, in the order the groups are given.
 * - Stable: only the secret, the names and the shares enter, so a restart, another process or a
 *   new journey version that keeps the experiment's name and shares assigns the same group.
 * - Balanced: HMAC output is indistinguishable from uniform, and the multiply-shift from 2⁶⁴ to
 *   10,000 slots is off by less than 10,000 / 2⁶⁴ per slot.
 * - Unpredictable: a partner who knows customer ids and the experiment's name still cannot tell
 *   anyone's group without the secret (HMAC is a pseudo-random function), so a joint audience
 *   does not reveal who was held out.
 */
import { createHmac, createSecretKey } from 'node:crypto';

/** What the groups of a split are called: its branch keys, and this for the control group. */
export const CONTROL_KEY = 'control';

/** A group and its share of the customers, in percent with at most two decimals. */
export interface GroupShare {
  key: string;
  percent: number;
}

/** Hundredths of a percent: the resolution of a share (33.33 + 33.33 + 33.34). */
const SLOTS = 10_000;
/** Shorter keys would let a partner search the secret; 128 bits is the HMAC security level we need. */
const MIN_SECRET_BYTES = 16;
/** Separates this use of the node's secret from any other use of the same key. */
const DOMAIN = 'mofang/journeys/experiment-assignment/v1';

/**
 * Assigns the customers of one experiment: checks the secret and the shares once, then maps each
 * entry key to its group. The entry key is the customer as the dataset normalises their
 * identifier, so a customer who enters again stays in their group. The shares must add up to 100
 * (validation guarantees it for a saved journey).
 * @example
 * const assign = variantAssigner(nodeSecret, experimentKey(journey.id, 'first-touch'), splitGroups(node.params));
 * assign('c-1042') // 'push'
 */
export function variantAssigner(secret: Uint8Array, experiment: string, groups: readonly GroupShare[]): (entryKey: string) => string {
  if (secret.length < MIN_SECRET_BYTES) throw new RangeError(`secret: at least ${MIN_SECRET_BYTES} bytes (got ${secret.length})`);
  const bounds: number[] = [];
  let total = 0;
  for (const [i, g] of groups.entries()) {
    const hundredths = Math.round(g.percent * 100);
    if (!(hundredths > 0)) throw new RangeError(`groups[${i}].percent: more than 0 (got ${g.percent})`);
    total += hundredths;
    bounds.push(total);
  }
  if (total !== SLOTS) throw new RangeError(`groups: the shares add up to ${total / 100}, not 100`);
  const key = createSecretKey(secret);
  // Each field is length-prefixed, so ("ab", "c") and ("a", "bc") never hash the same input.
  const prefix = Buffer.concat([DOMAIN, experiment].map(lengthPrefixed));
  return function assign(entryKey: string): string {
    const digest = createHmac('sha256', key).update(prefix).update(lengthPrefixed(entryKey)).digest();
    const slot = Number((digest.readBigUInt64BE(0) * BigInt(SLOTS)) >> 64n);
    return groups[bounds.findIndex((upper) => slot < upper)].key;
  };
}

function lengthPrefixed(field: string): Buffer {
  const bytes = Buffer.from(field, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * The key of the group `entryKey` falls in (one call of `variantAssigner`).
 * @example assignVariant(nodeSecret, 'first-touch', 'c-1042', [{ key: 'sms', percent: 45 }, { key: 'push', percent: 45 }, { key: CONTROL_KEY, percent: 10 }]) // 'push'
 */
export function assignVariant(secret: Uint8Array, experiment: string, entryKey: string, groups: readonly GroupShare[]): string {
  return variantAssigner(secret, experiment, groups)(entryKey);
}

/**
 * What an experiment is called in assignment: its journey and its name. The journey id stays the
 * same across versions, so assignment does too; two journeys' experiments of the same name still
 * draw their customers independently (a journey's experiment names are unique: validation).
 * @example experimentKey(12, 'first-touch') // 'j12/first-touch'
 */
export function experimentKey(journeyId: number, name: string): string {
  return `j${journeyId}/${name}`;
}

/**
 * The groups of a random split in assignment order: its branches as given, then the control group.
 * @example splitGroups({ branches: [{ key: 'a', percent: 45 }, { key: 'b', percent: 45 }], control: 10 }) // [a 45, b 45, control 10]
 */
export function splitGroups(split: { branches: readonly GroupShare[]; control?: number }): GroupShare[] {
  const branches = split.branches.map(({ key, percent }) => ({ key, percent }));
  return split.control === undefined ? branches : [...branches, { key: CONTROL_KEY, percent: split.control }];
}
