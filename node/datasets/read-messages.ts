/** What the read worker sends: the reading half's events, or the error that stopped it. */
import { ERRORS, MofangError, type ErrorCode } from '../errors.js';
import type { ReadEvent } from './read-rows.js';

export type ReaderMessage = ReadEvent | { type: 'error'; error: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof MofangError) return { name: err.name, message: err.message, code: err.code, ...(err.details ? { details: err.details } : {}) };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message };
}

/** The error as the import's thread throws it: a MofangError keeps its code and details. */
export function fromWireError(wire: WireError): Error {
  if (wire.name === 'MofangError' && wire.code !== undefined && wire.code in ERRORS) {
    return new MofangError(wire.code as ErrorCode, wire.message, wire.details);
  }
  const err = new Error(wire.message);
  err.name = wire.name;
  return err;
}
