/** What a protocol session needs from its node; injected so both parties can run in one process. */
import type { AuditLog } from '../audit/log.js';
import type { NodeConfig } from '../config/schema.js';
import type { Identity } from '../identity/identity.js';
import type { Group } from '../../protocols/group/group.js';
import type { Db } from '../store/db.js';

export interface SessionEnv {
  db: Db;
  group: Group;
  identity: Identity;
  audit: AuditLog;
  limits: NodeConfig['limits'];
  /** The counter-party, authenticated by mutual TLS before the session starts. */
  peer: { nodeId: string; name: string; certPem: string };
  now?: () => Date;
}

export const POINT_BYTES = 32;

/** Digests are bound to the agreement and the run, so they can't be compared across either. */
export function digestContext(agreementId: string, runId: string): Uint8Array {
  return Buffer.from(`mofang/v1/psi|${agreementId}|${runId}`);
}

/** Splits a concatenation of fixed-size items into batches of at most `maxItems`. */
export function* batches(data: Uint8Array, itemBytes: number, maxItems: number): Generator<{ index: number; bytes: Buffer }> {
  const step = itemBytes * maxItems;
  for (let offset = 0, index = 0; offset < data.length; offset += step, index++) {
    const slice = data.subarray(offset, Math.min(offset + step, data.length));
    yield { index, bytes: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) };
  }
}
