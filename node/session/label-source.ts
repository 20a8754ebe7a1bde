/** The responder's label values, read from its records in row order (the order of its points). */
import type { LabelColumn, LabelValue } from '../../protocols/psi/index.js';
import { recordAttrsInRowOrder } from '../datasets/records.js';
import { getDataset } from '../datasets/store.js';
import type { Db } from '../store/db.js';

export function labelValues(db: Db, dataset: string, generation: number, columns: readonly LabelColumn[]): LabelValue[][] {
  const info = getDataset(db, dataset);
  const out: LabelValue[][] = [];
  for (const attrs of recordAttrsInRowOrder(db, generation ?? info.generation)) {
    const record = JSON.parse(attrs) as Record<string, LabelValue | undefined>;
    out.push(columns.map((c) => record[c.column] ?? null));
  }
  return out;
}
