/**
 * The wire shapes of the HTTP API (TypeBox → JSON Schema). Requests are validated against them;
 * responses are serialised through them, so a field added to a view in the node is not
 * disclosed until it is added here on purpose. Compile-time checks at the bottom keep each
 * shape equal to its interface in `services.ts`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SOURCE_ENCODINGS } from '../../adapters/sources/decode.js';
import { ERRORS } from '../errors.js';
import { MAX_JOB_AGREEMENTS } from '../jobs/service.js';
import type * as S from './services.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

// --- Parameters -------------------------------------------------------------------------------
export const DatasetName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f/]+$', description: 'Dataset name.' });
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const AgreementId = Type.String({ pattern: UUID, description: 'Agreement id (lowercase UUID).' });
export const JobId = Type.String({ pattern: UUID, description: 'Job id (lowercase UUID).' });
export const RunId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'Run id.' });
const IdKind = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'Identifier kind, e.g. phone, email.' });
const Operation = Enum(['overlap', 'enrich'] as const);
const Role = Enum(['admin', 'operator', 'compliance', 'ingest', 'app'] as const);

// --- Errors -----------------------------------------------------------------------------------
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Enum(Object.keys(ERRORS) as (keyof typeof ERRORS)[], 'Stable code from the error catalogue (docs/errors.md).'),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Non-sensitive specifics: field names, limits.' })),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error, whatever the endpoint.' },
);

// --- Health -----------------------------------------------------------------------------------
export const HealthView = Type.Object({
  status: Type.Literal('ok'),
  nodeId: Type.String(),
  name: Type.String(),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  peers: Type.Array(
    Type.Object({
      name: Type.String(),
      nodeId: Type.String(),
      address: Type.String(),
      reachable: Type.Boolean(),
      error: Type.Optional(Type.String()),
    }),
  ),
});

/** Public readiness: only booleans, nothing about the node's identity or partners. */
export const ReadinessView = Type.Object({
  status: Enum(['ready', 'not_ready'] as const),
  checks: Type.Record(Type.String(), Type.Boolean()),
});
export const LivenessView = Type.Object({ status: Type.Literal('ok') });

// --- Datasets ---------------------------------------------------------------------------------
const DatasetColumn = Type.Object({ name: Type.String(), type: Enum(['number', 'string', 'boolean', 'date'] as const) });

export const DatasetInfo = Type.Object({
  name: Type.String(),
  idColumn: Type.String(),
  idKind: Type.String(),
  columns: Type.Array(DatasetColumn),
  rowCount: Type.Integer(),
  rejectedCount: Type.Integer(),
  generation: Type.Integer(),
  sourceSha256: Type.String(),
  importedAt: Timestamp,
});

export const ImportReport = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  rowsRead: Type.Integer(),
  imported: Type.Integer(),
  rejected: Type.Integer(),
  badRows: Type.Array(Type.Object({ line: Type.Integer(), column: Type.Optional(Type.String()), reason: Type.String() })),
  columns: Type.Array(DatasetColumn),
  sourceSha256: Type.String(),
  durationMs: Type.Number(),
});

/** JSON import: a file already on the node's filesystem. */
const ImportEncoding = Enum(
  SOURCE_ENCODINGS,
  "The file's text encoding; utf-8 by default. A byte-order mark (UTF-8, UTF-16) decides by itself. Invalid UTF-8 is refused with its line.",
);

export const ImportFromPath = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        "Absolute path on the node's filesystem, inside a directory listed in the node's imports.allowedDirs (none by default: path imports are refused).",
    }),
    idColumn: Type.String({ minLength: 1, maxLength: 200 }),
    idKind: IdKind,
    format: Type.Optional(Enum(['csv', 'jsonl'] as const)),
    encoding: Type.Optional(ImportEncoding),
    skipBad: Type.Optional(Type.Boolean({ description: 'Skip bad rows instead of rolling back.' })),
  },
  { additionalProperties: false },
);

export const ImportQuery = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[^:]+:[a-z][a-z0-9-]{0,31}$', description: 'For uploads: `<id column>:<id kind>`, e.g. `msisdn:phone`.' })),
    skipBad: Type.Optional(Type.Boolean({ description: 'For uploads: skip bad rows instead of rolling back.' })),
    encoding: Type.Optional(ImportEncoding),
  },
  { additionalProperties: false },
);

// --- Agreements -------------------------------------------------------------------------------
export const AgreementStatus = Enum(['proposed', 'pending', 'accepted', 'revoked'] as const);

/** Shapes only; the node checks the rules (ranges, buckets, ε units) and names the field (docs/agreements.md). */
const AggregateProposal = Type.Object(
  {
    columns: Type.Array(
      Type.Object(
        {
          column: Type.String({ minLength: 1, maxLength: 200 }),
          min: Type.Number(),
          max: Type.Number(),
          scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
          buckets: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 32 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 16 },
    ),
    valueHolder: Type.Optional(Enum(['proposer', 'acceptor'] as const, 'Whose dataset holds the columns; default acceptor.')),
    mechanism: Enum(['discrete-laplace', 'discrete-gaussian'] as const),
    epsilonPerQuery: Type.Number({ exclusiveMinimum: 0, maximum: 10 }),
    deltaPerQuery: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    budget: Type.Object(
      {
        epsilon: Type.Number({ exclusiveMinimum: 0 }),
        delta: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        periodDays: Type.Integer({ minimum: 1, maximum: 366 }),
      },
      { additionalProperties: false },
    ),
    minGroupSize: Type.Integer({ minimum: 1 }),
    minInputSize: Type.Integer({ minimum: 1 }),
    maxGroups: Type.Integer({ minimum: 1, maximum: 64 }),
  },
  { additionalProperties: false, description: 'Version 3 terms: what may be aggregated, the noise and the privacy budget.' },
);

export const ProposeInput = Type.Object(
  {
    peer: Type.String({ minLength: 1, maxLength: 64, description: 'Peer name from the node configuration.' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    localDataset: DatasetName,
    peerDataset: DatasetName,
    idKind: IdKind,
    operations: Type.Array(Enum(['overlap', 'enrich', 'aggregate'] as const), { minItems: 1, uniqueItems: true }),
    shareOverlapWithAcceptor: Type.Optional(Type.Boolean()),
    minIntersection: Type.Integer({ minimum: 1 }),
    maxQueriesPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Queries per party per rolling 24 hours (rate limit).' })),
    expiresAt: Timestamp,
    enrichAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    aggregate: Type.Optional(AggregateProposal),
    exactCounts: Type.Optional(
      Type.Boolean({ description: "Release overlap counts without noise; refused unless both nodes' policy.allowExactCounts. Default false." }),
    ),
    countNoise: Type.Optional(
      Type.Object(
        {
          epsilonPerQuery: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
          budget: Type.Optional(
            Type.Object(
              {
                epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
                periodDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Noise and budget of overlap counts when they are not exact; what is not named comes from this node's policy limits (docs/privacy.md, Counts).",
        },
      ),
    ),
    overridePolicy: Type.Optional(
      Type.Boolean({
        description:
          "Propose terms below this node's policy floors anyway; audited (agreement.policy_overridden) and signed into the terms for the acceptor to see.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const AcceptInput = Type.Object(
  {
    overridePolicy: Type.Optional(Type.Boolean({ description: "Accept terms below this node's policy floors anyway; audited (agreement.policy_overridden)." })),
  },
  { additionalProperties: false },
);

const Signature = Type.Object({ signer: Type.String(), signature: Type.String(), at: Timestamp });

const DataPair = Type.Object(
  { peerNodeId: Type.String(), localDataset: Type.String(), peerDataset: Type.String() },
  { description: "The data pair seen from this node: the peer, this node's dataset, the peer's dataset (docs/privacy.md, The pair ledger)." },
);
const PairLoss = Type.Object({ epsilon: Type.String(), delta: Type.String() });
const PairSummary = Type.Object(
  {
    pair: DataPair,
    others: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), status: AgreementStatus, createdAt: Timestamp })),
    budget: Nullable(Type.Object({ periodStart: Timestamp, periodEnd: Timestamp, spent: PairLoss, total: PairLoss })),
    querierReimports: Type.Optional(
      Type.Object(
        { since: Timestamp, agreement: Type.Integer(), pair: Type.Integer(), limit: Type.Integer() },
        {
          description:
            "Re-imports of the querier's dataset this node saw as responder in the last 24 hours, on this agreement and on its data pair, and this node's cap (policy.maxQuerierReimportsPerDay; docs/privacy.md, Re-imports and probing).",
        },
      ),
    ),
  },
  { description: "The other agreements over the same data pair and the pair's spend in the current period (GET /v1/agreements/:id only)." },
);

export const AgreementView = Type.Object({
  id: Type.String(),
  status: AgreementStatus,
  localParty: Enum(['proposer', 'acceptor'] as const),
  peerNodeId: Type.String(),
  peerName: Type.Optional(Type.String()),
  termsHash: Type.String(),
  // Terms are signed by both parties and shown to both; nothing in them is secret.
  terms: Type.Record(Type.String(), Type.Unknown()),
  proposerSignature: Signature,
  acceptorSignature: Type.Optional(Signature),
  revokedBy: Type.Optional(Type.String()),
  revokedReason: Type.Optional(Type.String()),
  acceptorPolicyOverride: Type.Optional(
    Type.Array(Type.String(), { description: "The floors of its own policy the acceptor overrode to accept (on the proposer: as the acceptor's node said)." }),
  ),
  delivery: Type.Optional(
    Type.Object(
      {
        action: Enum(['accept', 'revoke'] as const),
        state: Enum(['pending', 'delivered', 'refused'] as const),
        attempts: Type.Integer(),
        nextAttemptAt: Nullable(Timestamp),
        lastErrorCode: Nullable(Type.String()),
        deliveredAt: Nullable(Timestamp),
      },
      { description: 'Whether the peer has been told of our acceptance or revocation; absent when there is nothing to tell.' },
    ),
  ),
  pair: Type.Optional(PairSummary),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  policyIssues: Type.Array(Type.String(), { description: "The floors of this node's policy the terms fall below; empty when they meet it." }),
  disclosure: Type.Object(
    {
      operations: Type.Array(Type.Object({ operation: Enum(['overlap', 'enrich', 'aggregate'] as const), learns: Type.Array(Type.String()) })),
      warnings: Type.Array(Type.String()),
    },
    { description: 'What each side learns per allowed operation, and what weak terms let a querier infer (docs/privacy.md).' },
  ),
});

export const RevokeInput = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Why; recorded in the audit log.' }) },
  { additionalProperties: false },
);

// --- Queries and runs -------------------------------------------------------------------------
/**
 * POST /v1/queries names what to run as POST /v1/jobs does: `kind` and `agreementIds` (one). The
 * first version's `operation` and `agreementId` stay accepted as deprecated aliases; the route
 * resolves them (resolveQueryRequest), so exactly one name of each pair must be given.
 */
export const QueryRequest = Type.Object(
  {
    kind: Type.Optional({ ...Operation, description: 'overlap or enrich (as kind in POST /v1/jobs).' }),
    agreementIds: Type.Optional(
      Type.Array(AgreementId, { minItems: 1, maxItems: 1, description: 'Exactly one agreement (as agreementIds in POST /v1/jobs).' }),
    ),
    operation: Type.Optional({ ...Operation, deprecated: true, description: 'Deprecated alias of kind.' }),
    agreementId: Type.Optional({ ...AgreementId, deprecated: true, description: 'Deprecated alias of agreementIds: [id].' }),
  },
  { additionalProperties: false },
);

const Count = Nullable(Type.Integer());
/** A released overlap count: noisy (with ε, noise scale and 95 % interval) or exact (docs/privacy.md, Counts). */
const CountRelease = Type.Object(
  {
    value: Type.Integer(),
    exact: Type.Boolean(),
    epsilon: Type.Optional(Type.Number()),
    noiseScale: Type.Optional(
      Type.Object({
        mechanism: Enum(['discrete-laplace', 'discrete-gaussian'] as const),
        parameter: Enum(['scale', 'sigma'] as const),
        value: Type.Number(),
        standardDeviation: Type.Number(),
      }),
    ),
    margin95: Type.Optional(Type.Integer({ description: 'The ± of "noisy count N (±x at 95 %)".' })),
    ci95: Type.Optional(Type.Object({ low: Type.Number(), high: Type.Number() })),
  },
  { description: 'Overlap runs with a released count: noisy unless the agreement allows exact counts.' },
);
export const RunView = Type.Object({
  id: Type.String(),
  agreementId: Type.String(),
  operation: Enum(['overlap', 'enrich', 'aggregate'] as const),
  role: Enum(['querier', 'responder'] as const),
  peerNodeId: Type.String(),
  status: Enum(['running', 'succeeded', 'failed'] as const),
  dataset: Type.String(),
  localSize: Count,
  peerSize: Count,
  resultCount: Count,
  count: Type.Optional(CountRelease),
  attribute: Nullable(Type.String()),
  messagesSent: Type.Integer(),
  messagesReceived: Type.Integer(),
  bytesSent: Type.Integer(),
  bytesReceived: Type.Integer(),
  transcriptHash: Nullable(Type.String()),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

// --- Jobs -------------------------------------------------------------------------------------
const JobKind = Enum(['overlap', 'enrich', 'intersect', 'aggregate', 'score'] as const);
const JobStatus = Enum(['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const);
/**
 * The per-kind rules (one agreement for overlap and enrich, at least two for intersect;
 * `attribute` for intersect only) are checked by the jobs service (node/jobs/service.ts), so its errors can say why.
 */
const ColumnName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });

/** Aggregate and score jobs: what to release, and how the querier's records are grouped. */
const AggregateJobOptions = Type.Object(
  {
    columns: Type.Array(ColumnName, { minItems: 1, maxItems: 16, uniqueItems: true, description: "Agreed aggregate columns of the partner's dataset." }),
    histogram: Type.Optional(Type.Boolean({ description: "Also release each column's agreed histogram." })),
    groupBy: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A categorical attribute of our dataset: one group per value.' })),
    segments: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 64,
        uniqueItems: true,
        description: 'Named segments of our dataset, one group each.',
      }),
    ),
    score: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Score jobs: size-x-mean:<column> or weighted:<column>=<weight>,…' })),
  },
  { additionalProperties: false },
);

export const SubmitJobInput = Type.Object(
  {
    kind: JobKind,
    agreementIds: Type.Array(AgreementId, {
      minItems: 1,
      maxItems: MAX_JOB_AGREEMENTS,
      uniqueItems: true,
      description: `Exactly one for overlap and enrich; 2 to ${MAX_JOB_AGREEMENTS} (one per partner, same local dataset) for intersect.`,
    }),
    attribute: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '\\S',
        description: 'Intersect only: the local attribute the combined audience is marked with. Default joint:<job id>.',
      }),
    ),
    aggregate: Type.Optional(AggregateJobOptions),
  },
  { additionalProperties: false },
);

export const JobView = Type.Object({
  id: Type.String(),
  kind: JobKind,
  agreementIds: Type.Array(Type.String()),
  options: Type.Object({ attribute: Type.Optional(Type.String()), aggregate: Type.Optional(AggregateJobOptions) }),
  status: JobStatus,
  attempt: Type.Integer({ description: 'Attempts so far; a job is retried while its peer is unreachable.' }),
  phase: Nullable(Type.String({ description: 'What the job is doing now, e.g. "partner 1/2: matching".' })),
  progress: Type.Object(
    {
      done: Type.Integer(),
      total: Type.Integer(),
      rate: Nullable(Type.Number({ description: 'Items per second in the current phase.' })),
      etaSeconds: Nullable(Type.Number({ description: 'Estimated seconds left in the current phase.' })),
    },
    { description: 'Progress of the current phase; null rate and ETA until there is enough to estimate them.' },
  ),
  result: Nullable(
    Type.Object(
      {
        count: Count,
        release: Type.Optional(CountRelease),
        attribute: Nullable(Type.String()),
        scores: Type.Optional(Type.String({ description: 'Aggregate and score jobs: the run id of the released joint segment scores (GET /v1/scores/:id).' })),
      },
      { description: 'Set when the job succeeded. count is null where this node receives no count.' },
    ),
  ),
  runIds: Type.Array(Type.String(), { description: "The job's protocol runs, oldest first (GET /v1/runs/:id)." }),
  error: Nullable(Type.Object({ code: Type.String({ description: 'A catalogue code (docs/errors.md).' }), message: Type.String() })),
  cancelRequested: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(JobStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const CancelJobInput = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'Why; recorded in the audit log and as the job error.' }) },
  { additionalProperties: false },
);

// --- Joint segment scores and privacy budget ---------------------------------------------------
const NoiseScale = Type.Object({
  mechanism: Enum(['discrete-laplace', 'discrete-gaussian'] as const),
  parameter: Enum(['scale', 'sigma'] as const),
  value: Type.Number(),
  standardDeviation: Type.Number(),
});
const Interval = Type.Object({ low: Type.Number(), high: Type.Number() }, { description: '95 % confidence interval of the exact value.' });
const ReleasedNumber = Type.Object({ value: Type.Number(), noiseScale: NoiseScale, ci95: Interval });
const ReleasedMean = Type.Object({ value: Type.Number(), noiseScale: Type.Object({ sum: NoiseScale, count: NoiseScale }), ci95: Interval });

export const ScoreSet = Type.Object({
  id: Type.String(),
  runId: Type.String(),
  agreementId: Type.String(),
  jobId: Nullable(Type.String()),
  dataset: Type.String(),
  grouping: Type.String({ description: "'all', 'group-by:<attribute>' or 'segments:<names>'." }),
  columns: Type.Array(Type.String()),
  histogram: Type.Boolean(),
  formula: Nullable(Type.String()),
  mechanism: Type.String(),
  epsilon: Type.String({ description: 'ε the run spent (exact decimal).' }),
  delta: Type.String(),
  membership: Type.Boolean({ description: 'Whether the run told this node which of its records matched.' }),
  createdAt: Timestamp,
  groups: Type.Array(
    Type.Object({
      index: Type.Integer(),
      label: Type.String(),
      inputSize: Type.Integer({ description: 'Our own records in the group (not a joint number).' }),
      suppressed: Type.Boolean({ description: 'Noisy count below the agreed minimum group size: nothing else is released.' }),
      count: Nullable(ReleasedNumber),
      columns: Type.Array(
        Type.Object({
          column: Type.String(),
          sum: ReleasedNumber,
          mean: ReleasedMean,
          histogram: Type.Optional(Type.Object({ edges: Type.Array(Type.Number()), counts: Type.Array(ReleasedNumber) })),
        }),
      ),
      score: Nullable(Type.Number()),
      rank: Nullable(Type.Integer()),
    }),
  ),
});

export const ScoreSetQuery = Type.Object(
  { agreementId: Type.Optional(AgreementId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })) },
  { additionalProperties: false },
);

const Loss = Type.Object({ epsilon: Type.String(), delta: Type.String() });
export const BudgetView = Type.Object({
  agreementId: Type.String(),
  pair: DataPair,
  period: Type.Integer(),
  periodStart: Timestamp,
  periodEnd: Timestamp,
  spent: Loss,
  agreementSpent: Loss,
  total: Loss,
  perQuery: Loss,
  queriesLeft: Type.Number(),
});

// --- Audit ------------------------------------------------------------------------------------
const AuditAction = Type.String({ pattern: '^[a-z][a-z0-9_.:-]{0,63}$', description: 'Audit action, e.g. agreement.accept.' });

export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Timestamp,
  actor: Type.String(),
  action: Type.String(),
  subject: Nullable(Type.String()),
  // Audit details are written by the node to be shown to compliance; never raw identifiers.
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
  signature: Type.String(),
});

export const AuditVerifyView = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  head: Type.Optional(Type.Object({ seq: Type.Integer(), hash: Type.String() })),
  firstBad: Type.Optional(Type.Object({ seq: Type.Integer(), reason: Type.String() })),
  checked: Type.Array(Type.String()),
});

/** What the audit list and export filter on (node/audit/export.ts AuditFilter). */
const AuditFilterFields = {
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  action: Type.Optional(AuditAction),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Entries by this actor, e.g. token:ops-1.' })),
  agreement: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'Entries about this agreement id (its subject, or the agreementId of a run or job entry).' }),
  ),
};

export const AuditQuery = Type.Object(
  {
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    ...AuditFilterFields,
  },
  { additionalProperties: false },
);

export const AuditExportQuery = Type.Object(
  {
    format: Type.Optional(Enum(['jsonl', 'csv'] as const, 'Default jsonl.')),
    ...AuditFilterFields,
  },
  { additionalProperties: false },
);

export const ListLimit = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false });

// --- Drift checks: a compile error here means a schema no longer matches services.ts ---------
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift: {
  health: Same<Static<typeof HealthView>, S.HealthView>;
  dataset: Same<Static<typeof DatasetInfo>, S.DatasetInfo>;
  report: Same<Static<typeof ImportReport>, S.ImportReport>;
  propose: Same<Static<typeof ProposeInput>, S.ProposeInput>;
  agreement: Same<Static<typeof AgreementView>, S.AgreementView>;
  run: Same<Static<typeof RunView>, S.RunView>;
  audit: Same<Static<typeof AuditEntryView>, S.AuditEntryView>;
  verify: Same<Static<typeof AuditVerifyView>, S.AuditVerifyView>;
  role: Same<Static<typeof Role>, S.Role>;
  job: Same<Static<typeof JobView>, S.JobView>;
  jobKind: Same<Static<typeof JobKind>, S.JobKind>;
  jobStatus: Same<Static<typeof JobStatus>, S.JobStatus>;
  submitJob: Same<Static<typeof SubmitJobInput>, S.SubmitJobInput>;
  scoreSet: Same<Static<typeof ScoreSet>, S.ScoreSet>;
  budget: Same<Static<typeof BudgetView>, S.BudgetView>;
} = {
  health: true,
  dataset: true,
  report: true,
  propose: true,
  agreement: true,
  run: true,
  audit: true,
  verify: true,
  role: true,
  job: true,
  jobKind: true,
  jobStatus: true,
  submitJob: true,
  scoreSet: true,
  budget: true,
};
void drift;
