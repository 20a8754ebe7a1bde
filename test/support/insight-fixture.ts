/**
 * Test support: a real SQLite file, a real signed audit log and an `Insight` over them, with a
 * dataset imported from CSV through the real import. Used by the insight tests only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGroup } from '../../protocols/group/index.js';
import { AuditLog } from '../../node/audit/log.js';
import { importDataset } from '../../node/datasets/import.js';
import { createIdentity } from '../../node/identity/create-identity.js';
import { openNodeDatabase } from '../../node/database.js';
import type { IdKind } from '../../node/datasets/normalise.js';
import type { Db } from '../../node/store/db.js';
import type { BehaviourEvents } from '../../node/insight/behaviour/evaluate.js';
import { Insight } from '../../node/insight/insight.js';

export interface InsightFixture {
  dir: string;
  db: Db;
  audit: AuditLog;
  insight: Insight;
  /** Moves the clock (relative dates). */
  clock: { now: Date };
  /** Imports `rows` (objects of column → CSV cell text) as `dataset`, keyed by column `id` (raw ids). */
  importRows(
    dataset: string,
    rows: Record<string, string>[],
    attributeTypes?: Record<string, 'number' | 'string' | 'boolean' | 'date'>,
    idKind?: IdKind,
  ): Promise<void>;
  close(): void;
}

/** `events`: the event store behaviour conditions read (none: rules with one are refused). */
export async function insightFixture(options: { events?: BehaviourEvents } = {}): Promise<InsightFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-insight-'));
  const db = openNodeDatabase(join(dir, 'node.db'));
  const identity = await createIdentity(join(dir, 'identity'), 'bank');
  const audit = new AuditLog(db, identity, { headFile: join(dir, 'audit-head.json') });
  const clock = { now: new Date('2026-03-01T12:00:00Z') };
  const insight = new Insight({ db, audit, now: () => clock.now, events: options.events });
  let files = 0;
  return {
    dir,
    db,
    audit,
    insight,
    clock,
    async importRows(dataset, rows, attributeTypes, idKind = 'raw') {
      const columns = Object.keys(rows[0]);
      const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
      const file = join(dir, `import-${files++}.csv`);
      writeFileSync(file, `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c] ?? '')).join(','))].join('\n')}\n`);
      await importDataset(db, { file, dataset, idColumn: 'id', idKind, group: defaultGroup(), attributeTypes, readInWorker: false });
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
