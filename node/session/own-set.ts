/** Loads this party's hashed identifiers for a run, refusing points hashed under another suite. */
import type { Group } from '../../protocols/group/group.js';
import { datasetPoints } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';

export function ownSet(db: Db, group: Group, dataset: string): { points: Uint8Array; rows: Uint32Array } {
  const own = datasetPoints(db, dataset);
  // Points from another hash-to-group suite would silently match nothing.
  if (own.groupSuite !== group.suite) {
    throw new MofangError('DATASET_SUITE_MISMATCH', `dataset ${dataset} was hashed under ${own.groupSuite}; this node runs ${group.suite}: re-import it`);
  }
  return own;
}
