/**
 * Messages between a CryptoPool and its workers. Batches cross as typed arrays whose buffers are
 * transferred (no per-element objects, no copy on the way back); errors cross as plain data and are
 * rebuilt on the caller's side.
 */
import { PROTOCOL_ERROR_CODES, ProtocolError, type ProtocolErrorCode } from '../../protocols/errors.js';

export type Job =
  | { type: 'multiply'; id: number; scalar: Uint8Array; points: Uint8Array }
  /** `offsets` has one entry per identifier plus one; `offsets[0]` is 0. */
  | { type: 'hashToGroup'; id: number; dst: Uint8Array; ids: Uint8Array; offsets: Uint32Array };

/** A job, or the test-only order to die (crash recovery is tested with it). */
export type ToWorker = Job | { type: 'exitForTestsOnly'; code: number };

export type FromWorker = { type: 'ready'; suite: string } | { type: 'done'; id: number; out: Uint8Array } | { type: 'failed'; id: number; error: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  /** Index in the job of the element at fault, when the error is about one element. */
  index?: number;
}

export function toWire(err: unknown, index: number | undefined): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}), ...(index === undefined ? {} : { index }) };
}

/**
 * The caller-side error for a job that failed. An element's index in the job becomes its index in
 * the caller's whole batch (`offset` + index), in the message as well, so the caller sees exactly
 * what the inline call on the whole batch would have thrown.
 */
export function fromWire(wire: WireError, offset: number): Error {
  let { message } = wire;
  if (wire.index !== undefined && offset > 0) {
    const global = String(offset + wire.index);
    const local = new RegExp(`(?<![0-9])${wire.index}(?![0-9])`);
    message = local.test(message) ? message.replace(local, global) : `${message} (element ${global} of the batch)`;
  }
  if (wire.name === 'ProtocolError' && (PROTOCOL_ERROR_CODES as readonly string[]).includes(wire.code ?? '')) {
    return new ProtocolError(wire.code as ProtocolErrorCode, message);
  }
  const err = new Error(message);
  err.name = wire.name;
  if (wire.code !== undefined) Object.assign(err, { code: wire.code });
  return err;
}
