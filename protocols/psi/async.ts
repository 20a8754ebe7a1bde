/**
 * The receiver and sender steps with the scalar multiplication injected as an asynchronous batch
 * function, so a node can spread the hot loop over worker threads. Same flow, same checks and
 * same bytes as `createReceiver` / `createSender` (the synchronous reference versions).
 */
import type { Group, RandomBytes, ScalarBytes } from '../group/group.js';
import { defaultRandomBytes } from '../group/random.js';
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';

/**
 * scalar · every point of a batch, in order (e.g. a worker pool's `multiply`). An aborted
 * `signal` rejects the call with its reason, and work not yet started is dropped.
 */
export type BatchMultiply = (scalar: ScalarBytes, points: Uint8Array, signal?: AbortSignal) => Promise<Uint8Array>;

export interface AsyncReceiver {
  blind(points: Uint8Array): Promise<Uint8Array>;
  finalize(evaluated: Uint8Array): Promise<Uint8Array>;
}

export interface AsyncSender {
  readonly key: ScalarBytes;
  evaluate(blinded: Uint8Array): Promise<Uint8Array>;
  evaluateOwn(points: Uint8Array): Promise<Uint8Array>;
}

export function createAsyncReceiver(o: { group: Group; multiply: BatchMultiply; rng?: RandomBytes }): AsyncReceiver {
  const { scalar, inverse } = o.group.randomInvertibleScalar(o.rng);
  let outstanding = 0;
  return {
    async blind(points) {
      const n = itemCount(points, o.group.pointBytes, 'points');
      outstanding += n;
      return o.multiply(scalar, points);
    },
    async finalize(evaluated) {
      const n = itemCount(evaluated, o.group.pointBytes, 'evaluated');
      // A sender answering with more points than it was asked is cheating or broken.
      if (n > outstanding) throw new ProtocolError('PSI_STATE', `evaluated: ${n} points returned, but only ${outstanding} await evaluation`);
      outstanding -= n;
      return o.multiply(inverse, evaluated);
    },
  };
}

/** `key` is the OPRF key b: a stored epoch key, or a fresh one when omitted. */
export function createAsyncSender(o: { group: Group; multiply: BatchMultiply; key?: ScalarBytes; rng?: RandomBytes }): AsyncSender {
  if (o.key !== undefined && (!(o.key instanceof Uint8Array) || o.key.length !== o.group.scalarBytes)) {
    throw new ProtocolError('PSI_INPUT_INVALID', `key: expected ${o.group.scalarBytes} bytes`);
  }
  const b = o.key ?? o.group.randomScalar(o.rng ?? defaultRandomBytes);
  const evaluate = async (points: Uint8Array, field: string) => {
    itemCount(points, o.group.pointBytes, field);
    return o.multiply(b, points);
  };
  return { key: b, evaluate: (p) => evaluate(p, 'blinded'), evaluateOwn: (p) => evaluate(p, 'points') };
}
