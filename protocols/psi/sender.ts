/**
 * DH-OPRF PSI, sender role (S, the partner: holds the OPRF key b, learns only |X|).
 *
 *   evaluate(a·H(x))          → b·a·H(x), in R's order (membership / enrich: R learns which x matched)
 *   evaluateShuffled(a·H(x))  → the same points, uniformly shuffled (cardinality / overlap: R learns a count)
 *   evaluateOwn(H(y))         → F(y) = b·H(y), which S digests, sorts and sends (cacheable per key epoch)
 *
 * The key b must stay the same between evaluate and evaluateOwn of one run; a fresh key per run (or
 * per key epoch) limits what R can combine across runs. See docs/protocol-psi.md.
 */
import type { Group, RandomBytes, ScalarBytes } from '../group/group.js';
import { defaultRandomBytes } from '../group/random.js';
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';
import { shuffle } from './shuffle.js';

export interface SenderOptions {
  /** The group both peers agreed on. */
  group: Group;
  /** The OPRF key b; a fresh random key when omitted. */
  key?: ScalarBytes;
  /** Randomness for the key and the shuffle; defaults to the group's CSPRNG. */
  rng?: RandomBytes;
}

export interface PsiSender {
  /** The OPRF key b (store it if F(y) is cached; never send it). */
  readonly key: ScalarBytes;
  /** b·(a·H(x)) in R's order. */
  evaluate(blinded: Uint8Array): Uint8Array;
  /**
   * b·(a·H(x)), shuffled. Pass R's *whole* blinded set: shuffling batch by batch would still tell
   * R which batch every match came from.
   */
  evaluateShuffled(blinded: Uint8Array): Uint8Array;
  /** F(y) = b·H(y) for S's own hashed points, same order. */
  evaluateOwn(points: Uint8Array): Uint8Array;
}

/**
 * @example
 * const sender = createSender({ group });
 * const reply = sender.evaluate(blindedFromR);
 * const mine = sortDigests(digests(sender.evaluateOwn(myPoints), run, length), length);
 */
export function createSender({ group, key, rng = defaultRandomBytes }: SenderOptions): PsiSender {
  if (key !== undefined && (!(key instanceof Uint8Array) || key.length !== group.scalarBytes)) {
    throw new ProtocolError('PSI_INPUT_INVALID', `key: expected ${group.scalarBytes} bytes`);
  }
  const b = key ?? group.randomScalar(rng);
  try {
    // Multiplying an empty batch runs the group's scalar checks now rather than on the first batch.
    group.multiply(b, new Uint8Array(0));
  } catch (error) {
    throw new ProtocolError('PSI_INPUT_INVALID', `key: not a scalar of ${group.suite} (${(error as Error).message})`);
  }
  const evaluate = (blinded: Uint8Array, field: string) => {
    itemCount(blinded, group.pointBytes, field);
    return group.multiply(b, blinded);
  };
  return {
    key: b,
    evaluate: (blinded) => evaluate(blinded, 'blinded'),
    evaluateShuffled: (blinded) => shuffle(evaluate(blinded, 'blinded'), group.pointBytes, rng),
    evaluateOwn: (points) => evaluate(points, 'points'),
  };
}
