/** Joint segment scores released by aggregate and score jobs, as the HTTP API and the CLI read them. */
import type { Db } from '../store/db.js';
import { getScoreSet, listScoreSets, type ScoreSet } from './joint-scores.js';

export interface ScoresApi {
  /** Newest first. */
  list(filter: { agreementId?: string; limit?: number }): ScoreSet[];
  get(runId: string): ScoreSet;
}

/** @example scoreService(db).get(runId) */
export function scoreService(db: Db): ScoresApi {
  return { list: (filter) => listScoreSets(db, filter), get: (runId) => getScoreSet(db, runId) };
}
