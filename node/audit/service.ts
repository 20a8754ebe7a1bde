/**
 * The audit log as operators and compliance read it (list, verify — with the checkpoints of our
 * log that peers hold — and export), and `record`: the one way code outside the composition root
 * (the CLI, the runtime, token administration, the demo) appends an entry.
 */
import type { AuditEntry } from './chain.js';
import type { AuditCheckpoint } from './checkpoint.js';
import { exportAudit, type AuditFilter } from './export.js';
import { auditActions, countAuditByAction, listAudit, type ListAuditOptions } from './list.js';
import type { AppendInput, AuditLog } from './log.js';
import { verifyAudit } from './verify.js';
import type { Db } from '../store/db.js';

/** An entry as the API and the CLI show it: the stored entry itself, hash and signature included. */
export type AuditEntryView = AuditEntry;

export interface AuditVerifyView {
  ok: boolean;
  entries: number;
  head?: { seq: number; hash: string };
  firstBad?: { seq: number; reason: string };
  checked: string[];
}

/** An entry to append: who acted (`token:…`, `cli:…`, `system`), what happened, to what. */
type AuditRecord = Pick<AppendInput, 'actor' | 'action' | 'subject' | 'details'>;

/** What the HTTP API and the CLI ask of the audit log. */
export interface AuditApi {
  list(filter: ListAuditOptions): AuditEntryView[];
  /** Checks the chain, signatures and head anchor; `withPeers` also the checkpoints peers hold. */
  verify(options?: { withPeers?: boolean }): Promise<AuditVerifyView>;
  export(format: 'jsonl' | 'csv', out: NodeJS.WritableStream, filter: AuditFilter): Promise<void>;
  record(entry: AuditRecord): void;
}

export interface AuditService extends AuditApi {
  /** The actions that occur in the log, for a filter that names one. */
  actions(): string[];
  /** How many entries each action has. */
  countByAction(): Record<string, number>;
}

export interface AuditPorts {
  db: Db;
  log: AuditLog;
  /** The node's certificate, which signed every entry. */
  certPem: string;
  /** The latest checkpoints of our log that each reachable peer holds (node/peer/connector.ts). */
  peerCheckpoints(): Promise<(AuditCheckpoint & { source: string })[]>;
}

/**
 * @example
 * const audit = auditService({ db, log, certPem, peerCheckpoints });
 * audit.record({ actor: 'cli:alice', action: 'peer.pinned', subject: fingerprint, details: { name } });
 */
export function auditService(ports: AuditPorts): AuditService {
  const { db, log } = ports;
  return {
    list: (filter) => listAudit(db, filter),
    async verify(options = {}) {
      const checkpoints = options.withPeers ? await ports.peerCheckpoints() : [];
      return verifyAudit(db, ports.certPem, { headFile: log.headFile, checkpoints });
    },
    export: async (format, out, filter) => {
      await exportAudit(db, format, out, filter);
    },
    record(entry) {
      log.append(entry);
    },
    actions: () => auditActions(db),
    countByAction: () => countAuditByAction(db),
  };
}
