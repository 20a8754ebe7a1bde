/** What a protocol session needs from its node; injected so both parties can run in one process. */
import type { AuditLog } from '../audit/log.js';
import type { NodeConfig } from '../config/schema.js';
import type { Identity } from '../identity/identity.js';
import type { Group } from '../../protocols/group/group.js';
import type { BatchMultiply } from '../../protocols/psi/index.js';
import type { Db } from '../store/db.js';
import type { SenderCache } from './sender-cache.js';
import type { NoiseSource } from './aggregate-release.js';

export interface SessionEnv {
  db: Db;
  group: Group;
  /** Scalar multiplication of a batch: a worker pool in a node, the group inline in small tests. */
  multiply: BatchMultiply;
  senderCache: SenderCache;
  identity: Identity;
  audit: AuditLog;
  limits: NodeConfig['limits'];
  /**
   * This node's policy now: a run of exact-count terms is refused once it disallows them
   * (`allowExactCounts`); as responder, re-imports per data pair and 24 hours beyond
   * `maxQuerierReimportsPerDay` are refused.
   */
  policy: Pick<NodeConfig['policy'], 'allowExactCounts' | 'maxQuerierReimportsPerDay'>;
  /** The key of the differencing guard's fingerprints (node/privacy/guard-key.ts), read on first use. */
  guardKey: () => Buffer;
  /** Where a responder reports suspected probing (the node's metrics: `mofang_probing_suspected_total`). */
  metrics: { probingSuspected(peerName: string): void };
  /** The counter-party, authenticated by mutual TLS before the session starts. */
  peer: { nodeId: string; name: string; certPem: string };
  now?: () => Date;
  /**
   * Tests only (a deterministic or zero sample, to check exact sums): the noise of released
   * aggregates. A node never sets it, so every run draws from the CSPRNG (`secureNoise`).
   */
  noise?: NoiseSource;
}

/** Progress and cancellation of the job a querier session runs for. */
export interface JobHooks {
  jobId: string;
  progress(phase: string, done: number, total: number): void;
  /** Non-null when the job should stop: the reason. */
  cancelled(): string | null;
}

export const POINT_BYTES = 32;

/**
 * Digests are bound to the agreement and to the responder's key: an epoch key (1, 2, …), whose
 * sorted digests the responder reuses within the epoch (unbalanced PSI), or — key epoch 0 — a
 * key of this run only. They can't be compared across agreements, epochs or fresh-key runs.
 */
export function digestContext(agreementId: string, keyEpoch: number, runId: string): Uint8Array {
  return Buffer.from(keyEpoch > 0 ? `mofang/v1/psi|${agreementId}|epoch:${keyEpoch}` : `mofang/v1/psi|${agreementId}|run:${runId}`);
}

/** Label keys are bound to the run: sealed labels are never reused across runs. */
export function labelRunContext(agreementId: string, runId: string): Uint8Array {
  return Buffer.from(`mofang/v1/psi-label|${agreementId}|${runId}`);
}

/** Splits a concatenation of fixed-size items into batches of at most `maxItems`. */
export function* batches(data: Uint8Array, itemBytes: number, maxItems: number): Generator<{ index: number; bytes: Buffer }> {
  const step = itemBytes * maxItems;
  for (let offset = 0, index = 0; offset < data.length; offset += step, index++) {
    const slice = data.subarray(offset, Math.min(offset + step, data.length));
    yield { index, bytes: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) };
  }
}
