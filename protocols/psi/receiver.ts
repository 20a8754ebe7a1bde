/**
 * DH-OPRF PSI, receiver role (R, the bank: learns the output).
 *
 * Flow, per batch of R's hashed identifiers H(x) (see docs/protocol-psi.md):
 *   R: blind     a·H(x)              → S
 *   S: evaluate  b·(a·H(x))          → R   (membership: same order; cardinality: shuffled, whole set)
 *   R: finalize  a⁻¹·(b·a·H(x)) = F(x) = b·H(x)
 * R then digests F(x) and compares with the sorted digests of F(y) that S sent for its own set.
 *
 * Who learns what: S sees only |X| and uniformly random group elements (DDH). R learns F(x) for its
 * own x only, hence which x are in Y (membership) or how many (cardinality), plus |Y|.
 * One receiver object = one run: a is drawn at construction and never leaves the object.
 */
import type { Group, RandomBytes } from '../group/group.js';
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';

export interface ReceiverOptions {
  /** The group both peers agreed on (compare `group.suite` before the run). */
  group: Group;
  /** Randomness for the blinding scalar; defaults to the group's CSPRNG. */
  rng?: RandomBytes;
}

export interface PsiReceiver {
  /** H(x) → a·H(x), same order; any batch size, batches in any number. */
  blind(points: Uint8Array): Uint8Array;
  /** b·a·H(x) → F(x) = b·H(x), same order as given. Rejects more points than were blinded. */
  finalize(evaluated: Uint8Array): Uint8Array;
}

/**
 * @example
 * const receiver = createReceiver({ group });
 * const blinded = receiver.blind(group.hashToGroup(dst, ids)); // send to S (the node stores these points at import)
 * const fx = receiver.finalize(evaluatedFromS);
 */
export function createReceiver({ group, rng }: ReceiverOptions): PsiReceiver {
  const { scalar, inverse } = group.randomInvertibleScalar(rng);
  // Counting what is outstanding catches a sender that answers with more points than it was asked.
  let outstanding = 0;
  return {
    blind(points) {
      const n = itemCount(points, group.pointBytes, 'points');
      const blinded = group.multiply(scalar, points);
      outstanding += n;
      return blinded;
    },
    finalize(evaluated) {
      const n = itemCount(evaluated, group.pointBytes, 'evaluated');
      if (n > outstanding) {
        throw new ProtocolError('PSI_STATE', `evaluated: ${n} points returned, but only ${outstanding} await evaluation`);
      }
      const fx = group.multiply(inverse, evaluated);
      outstanding -= n;
      return fx;
    },
  };
}
