/**
 * Datasets as operators use them: import (a path from an API request is read only inside the
 * allowed directories; every import, succeeded or failed, is measured and audited), list, and the
 * directory the API stages uploads in.
 */
import type { Group } from '../../protocols/group/group.js';
import type { Actor } from '../audit/actor.js';
import { latestAuditAbout } from '../audit/list.js';
import type { AuditLog } from '../audit/log.js';
import type { CryptoPool } from '../crypto-pool/pool.js';
import { MofangError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Db } from '../store/db.js';
import { untrustedText } from '../text/untrusted.js';
import { importDataset } from './import.js';
import { checkImportPath } from './import-path.js';
import { countJointAttribute, listDatasets } from './store.js';

interface DatasetColumn {
  name: string;
  type: 'number' | 'string' | 'boolean' | 'date';
}

export interface DatasetInfo {
  name: string;
  idColumn: string;
  idKind: string;
  columns: DatasetColumn[];
  rowCount: number;
  rejectedCount: number;
  generation: number;
  sourceSha256: string;
  importedAt: string;
}

export interface ImportInput {
  /** Path on the node's filesystem, or a temp file the API streamed an upload into. */
  file: string;
  /**
   * Who chose the file: 'request' — a path in an API request, read only inside imports.allowedDirs;
   * 'upload' — the file the API staged an upload into; 'operator' — the CLI, whose user can read
   * the file anyway.
   */
  origin: 'request' | 'upload' | 'operator';
  format?: 'csv' | 'jsonl';
  /** utf-8 (default), gb18030, gbk, latin1 or utf-16le; a byte-order mark decides by itself. */
  encoding?: string;
  dataset: string;
  idColumn: string;
  idKind: string;
  skipBad?: boolean;
}

export interface ImportReport {
  dataset: string;
  generation: number;
  rowsRead: number;
  imported: number;
  rejected: number;
  badRows: { line: number; column?: string; reason: string }[];
  columns: DatasetColumn[];
  sourceSha256: string;
  durationMs: number;
}

/**
 * One import of a dataset as its audit entry recorded it: counts and codes, never values. The
 * audit log is the history (each import appends one entry), so nothing else needs to keep it.
 */
interface ImportRecord {
  /** The audit entry's sequence number. */
  seq: number;
  at: string;
  actor: string;
  outcome: 'imported' | 'failed';
  /** Where the file came from: `upload`, `request` (a path on the node), `operator` (the CLI). */
  origin: string | null;
  rowsRead: number | null;
  imported: number | null;
  rejected: number | null;
  /** The error code of a failed import. */
  code: string | null;
}

/** The most imports `imports()` returns. */
export const IMPORT_HISTORY_LIMIT = 100;

type ImportProgress = (p: { rowsRead: number; bytesRead: number; totalBytes: number }) => void;

/** What the HTTP API and the CLI ask of datasets. */
export interface DatasetsApi {
  list(): DatasetInfo[];
  /** The dataset's latest imports, succeeded and failed, newest first (at most `limit`, ≤ IMPORT_HISTORY_LIMIT). */
  imports(dataset: string, limit?: number): ImportRecord[];
  import(input: ImportInput, actor: Actor, onProgress?: ImportProgress): Promise<ImportReport>;
  /** Where the API stages uploads: a 0700 directory inside the node's data directory, swept at start. */
  readonly uploadDir: string;
}

export interface DatasetService extends DatasetsApi {
  /** Customers of the dataset's live generation carrying a joint attribute (with `value`, if given). */
  countJointAttribute(dataset: string, name: string, value?: string): number;
}

export interface DatasetPorts {
  db: Db;
  audit: AuditLog;
  metrics: Metrics;
  group: Group;
  /** The worker pool that hashes identifiers, started on first use. */
  pool(): CryptoPool;
  /** `imports.allowedDirs` from the config: where a path in an API request may point. */
  allowedDirs: string[];
  /** The node's own directories (config, data, identity, tokens), never imported by path. */
  nodeDirs: string[];
  /** Creates (0700) and returns the upload staging directory. */
  stagingDir(): string;
}

const IMPORT_ACTIONS = ['dataset.imported', 'dataset.import_failed'] as const;

/**
 * @example
 * const datasets = datasetService({ db, audit, metrics, group, pool, allowedDirs, nodeDirs, stagingDir });
 * await datasets.import({ file, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, actor);
 */
export function datasetService(ports: DatasetPorts): DatasetService {
  const { db, audit, metrics } = ports;
  return {
    list: () => listDatasets(db),
    imports: (dataset, limit = 20) =>
      latestAuditAbout(db, dataset, IMPORT_ACTIONS, Math.min(Math.max(1, limit), IMPORT_HISTORY_LIMIT)).map((e) => {
        const count = (key: string) => (typeof e.details[key] === 'number' ? (e.details[key] as number) : null);
        return {
          seq: e.seq,
          at: e.at,
          actor: e.actor,
          outcome: e.action === 'dataset.imported' ? 'imported' : 'failed',
          origin: typeof e.details.origin === 'string' ? e.details.origin : null,
          rowsRead: count('rowsRead'),
          imported: count('imported'),
          rejected: count('rejected'),
          code: typeof e.details.code === 'string' ? e.details.code : null,
        };
      }),
    get uploadDir() {
      return ports.stagingDir();
    },
    countJointAttribute: (dataset, name, value) => countJointAttribute(db, dataset, name, value),
    async import(input, actor, onProgress) {
      const { origin, encoding, ...options } = input;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const checked = origin === 'request' ? checkImportPath(input.file, { allowedDirs: ports.allowedDirs, nodeDirs: ports.nodeDirs }) : { file: input.file };
        const report = await importDataset(db, { ...options, ...checked, encoding, group: ports.group, pool: ports.pool(), onProgress });
        metrics.importFinished('succeeded', report.imported, seconds());
        const { badRows, ...summary } = report;
        audit.append({
          actor: actor.id,
          action: 'dataset.imported',
          subject: input.dataset,
          details: {
            ...summary,
            origin,
            encoding: encoding ?? null,
            badRows: badRows.slice(0, 20),
            idColumn: input.idColumn,
            idKind: input.idKind,
            skipBad: !!input.skipBad,
          },
        });
        return report;
      } catch (err) {
        metrics.importFinished('failed', 0, seconds());
        audit.append({ actor: actor.id, action: 'dataset.import_failed', subject: input.dataset, details: importFailure(err, input) });
        throw err;
      }
    },
  };
}

/**
 * The audit details of a failed import: codes and counts only. Messages may describe the caller's
 * input and the entry is kept forever, so no free text from a file or request goes in — names
 * given by the caller pass through untrustedText.
 */
function importFailure(err: unknown, input: ImportInput): Record<string, unknown> {
  const e = err instanceof MofangError ? err : undefined;
  const counts: Record<string, unknown> = {};
  for (const key of ['line', 'field', 'fields', 'limit', 'rowsRead', 'badRows'] as const) {
    const value = e?.details?.[key];
    if (typeof value === 'number' && Number.isSafeInteger(value)) counts[key] = value;
  }
  const reason = e?.details?.reason;
  return {
    code: e?.code ?? 'INTERNAL',
    ...counts,
    ...(typeof reason === 'string' && /^[a-z-]{1,40}$/.test(reason) ? { reason } : {}),
    origin: input.origin,
    format: input.format ?? null,
    encoding: input.encoding === undefined ? null : untrustedText(input.encoding, 16),
    idColumn: untrustedText(input.idColumn, 64),
    idKind: untrustedText(input.idKind, 32),
    skipBad: !!input.skipBad,
  };
}
