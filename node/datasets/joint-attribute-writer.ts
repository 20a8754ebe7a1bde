/** Attributes that joint queries write on a dataset's customers, behind a port for the job executor. */
import type { Db } from '../store/db.js';
import { jointVerdicts, replaceJointAttributeByIdNorm } from './store.js';

export interface JointAttributeWriter {
  /**
   * Marks `name` on each customer the runs' attributes agree on, in one transaction: matched by
   * every run → true; unmatched by at least one → false; seen by only some runs and matched by
   * those (a re-import between runs) → no value, unknown. `release` sees the matched count first
   * and throws to refuse it, leaving the attribute as it was. Returns the matched count.
   */
  intersect(
    input: { dataset: string; name: string; runs: readonly { name: string; runId: string }[]; agreementId: string; runId: string },
    release: (matched: number) => void,
  ): number;
}

/** @example jointAttributeWriter(db).intersect({ dataset, name, runs, agreementId, runId }, (n) => checkMinimum(n)) */
export function jointAttributeWriter(db: Db): JointAttributeWriter {
  return {
    intersect: (input, release) =>
      db.transaction(() => {
        const known = jointVerdicts(db, input.dataset, input.runs).filter((v): v is [string, 'true' | 'false'] => v[1] !== null);
        const matched = known.filter(([, v]) => v === 'true').length;
        release(matched);
        replaceJointAttributeByIdNorm(db, { dataset: input.dataset, name: input.name, values: known, agreementId: input.agreementId, runId: input.runId });
        return matched;
      })(),
  };
}
