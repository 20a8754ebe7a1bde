/**
 * What the HTTP API (and the CLI) can ask of a node. The node implements this in
 * `node/node.ts`; routes only validate, authorise and translate — no business logic here.
 * Every method that changes state takes the acting principal, for the audit log.
 */
import type { TreeService } from '../insight/tree/service.js';
import type { Insight } from '../insight/insight.js';
import type { AggregateJobOptions, JobKind, JobStatus, JobView } from '../jobs/store.js';
import type { ScoreSet } from '../scores/joint-scores.js';
import type { BudgetView } from '../privacy/budget-view.js';
import type { RunView } from '../session/runs.js';

export type { ScoreSet, BudgetView, RunView };

export type { JobKind, JobStatus, JobView } from '../jobs/store.js';

export type Role = 'admin' | 'operator' | 'compliance';

export interface Actor {
  /** e.g. `token:ops-1` or `cli:root` — never a secret. */
  id: string;
  role: Role | 'system';
  /** The organisation unit the principal is bound to (insight scope); absent: the whole organisation. */
  unit?: string;
}

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

export interface ProposeInput {
  peer: string;
  title: string;
  localDataset: string;
  peerDataset: string;
  idKind: string;
  operations: ('overlap' | 'enrich' | 'aggregate')[];
  /** Who receives the overlap count: the proposer (querier) always; add 'acceptor' to share it. */
  shareOverlapWithAcceptor?: boolean;
  minIntersection: number;
  /** Queries per party per rolling 24 hours; absent = no rate limit beyond the other checks. */
  maxQueriesPerDay?: number;
  expiresAt: string;
  enrichAttribute?: string;
  /** Name of the identifier column in the partner's dataset (default: the same as ours). */
  peerIdColumn?: string;
  /** Partner columns that enrich may deliver as labels. */
  labels?: { column: string; type: 'boolean' | 'number' | 'category'; maxBytes?: number }[];
  /** Days one OPRF key (and the partner's cached evaluated set) lasts; default 30. */
  oprfKeyEpochDays?: number;
  /** With 'aggregate' in operations: the aggregate section (version 3 terms, docs/agreements.md). */
  aggregate?: AggregateProposal;
  /** Release overlap counts without noise; the policy of both nodes must allow it. Default false. */
  exactCounts?: boolean;
  /** Propose terms below this node's policy floors anyway: audited, and signed into the terms. */
  overridePolicy?: boolean;
}

/** The aggregate section as proposed; `valueHolder` defaults to the acceptor (the partner). */
export interface AggregateProposal {
  columns: { column: string; min: number; max: number; scale?: number; buckets?: number[] }[];
  valueHolder?: 'proposer' | 'acceptor';
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  epsilonPerQuery: number;
  deltaPerQuery?: number;
  budget: { epsilon: number; delta?: number; periodDays: number };
  minGroupSize: number;
  minInputSize: number;
  maxGroups: number;
}

/** An agreement as shown to users (terms plus local state). */
export interface AgreementView {
  id: string;
  status: 'proposed' | 'pending' | 'accepted' | 'revoked';
  localParty: 'proposer' | 'acceptor';
  peerNodeId: string;
  peerName?: string;
  termsHash: string;
  terms: Record<string, unknown>;
  proposerSignature: { signer: string; signature: string; at: string };
  acceptorSignature?: { signer: string; signature: string; at: string };
  revokedBy?: string;
  revokedReason?: string;
  /** Whether the peer has been told of our acceptance or revocation (absent: nothing to tell). */
  delivery?: {
    action: 'accept' | 'revoke';
    state: 'pending' | 'delivered' | 'refused';
    attempts: number;
    nextAttemptAt: string | null;
    lastErrorCode: string | null;
    deliveredAt: string | null;
  };
  createdAt: string;
  updatedAt: string;
  /** The floors of this node's policy the terms fall below (empty: they meet it). */
  policyIssues: string[];
  /** What each side learns per operation, and warnings for weak terms (agreements/disclosure.ts). */
  disclosure: { operations: { operation: 'overlap' | 'enrich' | 'aggregate'; learns: string[] }[]; warnings: string[] };
}

export interface QueryInput {
  operation: 'overlap' | 'enrich';
  agreementId: string;
}

/** A joint query to queue as a job. */
export interface SubmitJobInput {
  kind: JobKind;
  /** One agreement for overlap and enrich; two or more (one per partner) for intersect. */
  agreementIds: string[];
  /** For intersect: the local attribute the combined audience is marked with. */
  attribute?: string;
  /** For aggregate and score: what to aggregate and how to group. */
  aggregate?: AggregateJobOptions;
}

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  signature: string;
}

export interface AuditVerifyView {
  ok: boolean;
  entries: number;
  head?: { seq: number; hash: string };
  firstBad?: { seq: number; reason: string };
  checked: string[];
}

export interface HealthView {
  status: 'ok';
  nodeId: string;
  name: string;
  version: string;
  uptimeSeconds: number;
  /** Each pinned peer and whether it answered a handshake just now (probed concurrently, short timeout). */
  peers: { name: string; nodeId: string; address: string; reachable: boolean; error?: string }[];
}

export interface NodeServices {
  /** Profiles, segments, layering and flows (node/insight). */
  readonly insight: Insight;
  /** Identity, uptime and peer reachability: for token holders only (it names every partner). */
  health(): Promise<HealthView>;
  listDatasets(): DatasetInfo[];
  importDataset(input: ImportInput, actor: Actor): Promise<ImportReport>;
  /** Where the API stages uploads: a 0700 directory inside the node's data directory, swept at start. */
  readonly uploadDir: string;
  listAgreements(filter: { status?: AgreementView['status'] }): AgreementView[];
  getAgreement(id: string): AgreementView;
  proposeAgreement(input: ProposeInput, actor: Actor): Promise<AgreementView>;
  /** `overridePolicy` accepts terms below this node's policy floors, audited. */
  acceptAgreement(id: string, actor: Actor, options?: { overridePolicy?: boolean }): Promise<AgreementView>;
  revokeAgreement(id: string, reason: string, actor: Actor): Promise<AgreementView>;
  /** Queues a query and waits for its job to end; long queries should use `submitJob`. */
  runQuery(input: QueryInput, actor: Actor): Promise<RunView>;
  /** Queues a joint query as a job and returns at once; the node's job runner executes it. */
  submitJob(input: SubmitJobInput, actor: Actor): JobView;
  getJob(id: string): JobView;
  listJobs(filter: { status?: JobStatus; limit?: number }): JobView[];
  /** A queued job is cancelled at once, a running one at its next batch (`cancelRequested`). */
  cancelJob(id: string, reason: string, actor: Actor): JobView;
  /** Stops a run this node takes part in, on either side, at its next batch. */
  cancelRun(id: string, actor: Actor): RunView;
  listRuns(filter: { limit?: number }): RunView[];
  getRun(id: string): RunView;
  /** Joint segment scores released by aggregate and score jobs, newest first. */
  listScoreSets(filter: { agreementId?: string; limit?: number }): ScoreSet[];
  getScoreSet(runId: string): ScoreSet;
  /** The agreement's privacy budget in the current period. */
  privacyBudget(agreementId: string): BudgetView;
  listAudit(filter: { afterSeq?: number; limit?: number; action?: string }): AuditEntryView[];
  verifyAudit(): Promise<AuditVerifyView>;
  exportAudit(format: 'jsonl' | 'csv', out: NodeJS.WritableStream, filter: { from?: string; to?: string; action?: string }): Promise<void>;
  /** Decision trees on profiles (node/insight/tree/service.ts). */
  readonly trees: TreeService;
}
