/**
 * The querier's dataset generation, as each run carries it. The querier sends a keyed digest of
 * (peer, its dataset, generation) rather than the generation number: generation ids count every
 * import of every dataset on the node, so a number would tell the responder about unrelated
 * imports; the digest only says "same set as before" or "re-imported", and differs per peer so
 * two responders cannot line up their views. The responder records it on its run row, counts the
 * changes per agreement and per data pair over 24 hours, refuses a run over its policy's cap, and
 * feeds the pair's recent runs to the probing detector (node/privacy/probing.ts).
 */
import { createHmac } from 'node:crypto';
import type { QuerierReimports } from '../agreements/pair-summary.js';
import type { StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { agreementsOnPair, dataPair } from '../privacy/pair.js';
import { detectProbing, type ProbingVerdict, type RunObservation } from '../privacy/probing.js';
import type { Db } from '../store/db.js';
import { requireField } from './frames.js';

const TAG_BYTES = 16;
const DAY_MS = 86_400_000;

/** The querier's side: the digest its start message carries. */
export function querierGenerationTag(key: Buffer, peerNodeId: string, dataset: string, generation: number): Buffer {
  return createHmac('sha256', key).update(`mofang/v1/querier-generation|${peerNodeId}|${dataset}|${generation}`).digest().subarray(0, TAG_BYTES);
}

/** The responder's side: the peer's field checked; null when absent (a node older than the field). */
export function readQuerierGeneration(field: Buffer | undefined): string | null {
  const bytes = field ?? Buffer.alloc(0);
  requireField(bytes.length === 0 || bytes.length === TAG_BYTES, 'start.querierGeneration', `must be empty or ${TAG_BYTES} bytes`);
  return bytes.length === 0 ? null : bytes.toString('hex');
}

/** Re-imports the querier made on an agreement and on its data pair, as this node answered them. */
export interface ReimportCounts {
  /** Start of the rolling 24 hours counted. */
  since: string;
  agreement: number;
  pair: number;
}

const pairIds = (db: Db, agreement: StoredAgreement) => JSON.stringify(agreementsOnPair(db, dataPair(agreement)).map((a) => a.id));

/** Generation changes seen as the responder in the last 24 hours. */
export function reimportCounts(db: Db, agreement: StoredAgreement, now: Date): ReimportCounts {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const count = (where: string, param: string) =>
    db
      .prepare(`SELECT count(*) FROM runs WHERE role = 'responder' AND querier_reimport = 1 AND started_at > ? AND ${where}`)
      .pluck()
      .get(since, param) as number;
  return {
    since,
    agreement: count('agreement_id = ?', agreement.id),
    pair: count('agreement_id IN (SELECT value FROM json_each(?))', pairIds(db, agreement)),
  };
}

/**
 * Whether the announced generation is a re-import (it differs from the last one announced on the
 * pair), refusing it when the pair's re-imports already reached `cap`. An unknown generation is
 * never counted: an older node, or one that omits it, is not a re-import we can see.
 */
export function checkReimport(db: Db, agreement: StoredAgreement, tag: string | null, cap: number, now: Date): boolean {
  if (tag === null) return false;
  const last = db
    .prepare(
      `SELECT querier_generation FROM runs WHERE role = 'responder' AND querier_generation IS NOT NULL
       AND agreement_id IN (SELECT value FROM json_each(?)) ORDER BY started_at DESC, rowid DESC LIMIT 1`,
    )
    .pluck()
    .get(pairIds(db, agreement)) as string | undefined;
  if (last === undefined || last === tag) return false;
  const { pair } = reimportCounts(db, agreement, now);
  if (pair >= cap) {
    throw new MofangError(
      'QUERIER_REIMPORT_LIMIT',
      `the querier re-imported its dataset ${pair} times in 24 hours on this data pair; this node allows ${cap} (policy.maxQuerierReimportsPerDay)`,
      { limit: cap, reimports: pair, agreementId: agreement.id },
    );
  }
  return true;
}

/** The pair's responder runs of the last 24 hours, oldest first, for the probing detector. */
function pairObservations(db: Db, agreement: StoredAgreement, now: Date): RunObservation[] {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const rows = db
    .prepare(
      `SELECT peer_size, querier_reimport, probing_alert FROM runs WHERE role = 'responder' AND peer_size IS NOT NULL AND started_at > ?
       AND agreement_id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid`,
    )
    .raw()
    .all(since, pairIds(db, agreement)) as [number, number, number][];
  return rows.map(([querierSize, reimport, alerted]) => ({ querierSize, reimport: reimport === 1, alerted: alerted === 1 }));
}

/**
 * Runs the probing detector over the pair's runs of the window, the new run `runId` included. When
 * it raises the alert, marks the run (so the window holds one alert, across restarts too) and calls
 * `raise` (which audits) in the same write transaction: two runs at once cannot both raise it, and
 * a mark never exists without its entry.
 */
export function raiseProbingAlert(db: Db, agreement: StoredAgreement, runId: string, now: Date, raise: (verdict: ProbingVerdict) => void): boolean {
  return db
    .transaction(() => {
      const verdict = detectProbing(pairObservations(db, agreement, now), agreement.terms.minIntersection);
      if (!verdict.raise) return false;
      db.prepare('UPDATE runs SET probing_alert = 1 WHERE id = ?').run(runId);
      raise(verdict);
      return true;
    })
    .immediate();
}

/** What `agreements show` prints: the re-imports of the last 24 hours against this node's cap. */
export function querierReimports(db: Db, agreement: StoredAgreement, now: Date, limit: number): QuerierReimports {
  return { ...reimportCounts(db, agreement, now), limit };
}
