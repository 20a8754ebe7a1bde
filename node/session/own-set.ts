/** Loads this party's hashed identifiers for a run, refusing points hashed under another suite. */
import type { Group } from '../../protocols/group/group.js';
import { datasetPoints, getDataset } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

export interface OwnSet {
  points: Uint8Array;
  rows: Uint32Array;
  /** The dataset generation read: a re-import makes a new one, which invalidates cached F(y). */
  generation: number;
}

export function ownSet(db: Db, group: Group, dataset: string): OwnSet {
  // One read transaction: points and generation come from the same snapshot.
  const own = db.transaction(() => ({ ...datasetPoints(db, dataset), generation: getDataset(db, dataset).generation }))();
  // Points from another hash-to-group suite would silently match nothing.
  if (own.groupSuite !== group.suite) {
    throw new MofangError('DATASET_SUITE_MISMATCH', `dataset ${dataset} was hashed under ${own.groupSuite}; this node runs ${group.suite}: re-import it`);
  }
  return own;
}

export interface OwnSetInfo {
  generation: number;
  size: number;
  /** Loads the points; refuses if the dataset was re-imported since `generation` was read. */
  points(): Uint8Array;
}

/**
 * The responder's view: size and generation now, points only when needed — with a cached F(y)
 * for this generation a repeated query never reads the points (unbalanced PSI).
 */
export function ownSetInfo(db: Db, group: Group, dataset: string): OwnSetInfo {
  const info = getDataset(db, dataset);
  if (info.groupSuite !== group.suite) {
    throw new MofangError('DATASET_SUITE_MISMATCH', `dataset ${dataset} was hashed under ${info.groupSuite}; this node runs ${group.suite}: re-import it`);
  }
  return {
    generation: info.generation,
    size: info.rowCount,
    points() {
      const own = ownSet(db, group, dataset);
      if (own.generation !== info.generation) throw new MofangError('RUN_FAILED', `dataset ${dataset} was re-imported during the run`);
      return own.points;
    },
  };
}
