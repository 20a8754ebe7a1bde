/**
 * Import throughput on synthetic data. Opt-in (it takes a while): MOFANG_BENCH=1 npx vitest run node/datasets/import.bench
 * Rows to import: MOFANG_BENCH_ROWS (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../protocols/group/index.js';
import { writeSyntheticPair } from '../demo/synthetic.js';
import { openDatabase } from '../store/db.js';
import { importDataset } from './import.js';
import { datasetPoints } from './store.js';

const rows = Number(process.env.MOFANG_BENCH_ROWS ?? 100_000);

describe.runIf(process.env.MOFANG_BENCH === '1')('import throughput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`imports ${rows} rows`, async () => {
    const { bankFile } = writeSyntheticPair({ dir, bankRows: rows, partnerRows: 0, overlap: 0, seed: 7 });
    const db = openDatabase(join(dir, 'node.db'));
    const group = defaultGroup();
    // The same pipeline with a hash that costs nothing, to separate our cost from hash-to-group's.
    const freeHash = { ...group, hashToGroup: (_dst: Uint8Array, ids: readonly Uint8Array[]) => new Uint8Array(ids.length * 32) };
    for (const [dataset, label, g] of [['free', 'without hash-to-group', freeHash], ['bench', 'with hash-to-group', group]] as const) {
      const report = await importDataset(db, { file: bankFile, dataset, idColumn: 'phone', idKind: 'phone', group: g });
      expect(report.imported).toBe(rows);
      console.log(`${label}: ${rows} rows in ${report.durationMs} ms = ${Math.round((rows / report.durationMs) * 1000)} rows/s`);
    }
    const t = performance.now();
    const { points } = datasetPoints(db, 'bench');
    console.log(`datasetPoints: ${points.length / 32} points in ${Math.round(performance.now() - t)} ms`);
    const ids = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`+86139${String(i).padStart(8, '0')}`));
    const h = performance.now();
    group.hashToGroup(new Uint8Array(8), ids);
    console.log(`hashToGroup alone: ${Math.round((ids.length / (performance.now() - h)) * 1000)} ids/s`);
    db.close();
  }, 600_000);
});
