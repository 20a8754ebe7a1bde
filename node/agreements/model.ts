/**
 * The terms of a collaboration agreement: what two nodes agreed to run together. The terms are
 * the thing both parties sign, so they are plain JSON with one canonical form (sorted keys, UTC
 * timestamps in `toISOString()` form, lowercase ids): the same terms always hash to the same bytes.
 *
 * Agreements never hold customer identifiers — only node ids, dataset and column names, and limits.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import { oneOfMessage } from '../validation/allowed-values.js';
import { lazyValidator } from '../validation/lazy-validator.js';
import { createHash, randomUUID } from 'node:crypto';
import { labelLength } from '../../protocols/psi/label-encoding.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import { type AggregateDraft, AggregateTermsSchema, aggregateSectionIssues } from './aggregate-terms.js';
import { CountNoiseSchema, countNoiseIssues } from './count-noise.js';
import { Name, NodeId, PartyRoleSchema, StringEnum, Timestamp } from './terms-types.js';

const OperationSchema = StringEnum(['overlap', 'enrich', 'aggregate']);
const IdKindSchema = StringEnum(['phone', 'email', 'national-id', 'raw']);
const LabelTypeSchema = StringEnum(['boolean', 'number', 'category']);

/**
 * The version `draftTerms` writes without an aggregate section; with one it writes
 * AGGREGATE_TERMS_VERSION. Version 1 terms (no labels, no key epoch) remain valid.
 */
const TERMS_VERSION = 2;
/** Terms with an `aggregate` section. */
const AGGREGATE_TERMS_VERSION = 3;
/** At most this many label columns per agreement. */
const MAX_LABELS = 32;
/** At most this many bytes per encoded label record (protocols/psi/label-encoding.ts). */
const MAX_LABEL_RECORD_BYTES = 1024;
/** What `draftTerms` fills in when the draft names no key epoch. */
const DEFAULT_OPRF_KEY_EPOCH_DAYS = 30;
const DAY_MS = 86_400_000;
/** checkTermsAgainstPolicy reports at most one issue per floor: far fewer than this. */
const MAX_POLICY_ISSUES = 32;
const PolicyIssue = Type.String({ minLength: 1, maxLength: 500, pattern: '^[^\\u0000-\\u001f]+$', 'x-hint': 'free of control characters' });

const PartyTermsSchema = Type.Object(
  {
    /** 'sha256:' + hex of the party's certificate DER (its pinned identity). */
    nodeId: NodeId,
    /** Display name, e.g. "Telco Ltd". */
    name: Name,
    /** The dataset this party contributes, by its local name. */
    dataset: Name,
    /**
     * What this party exposes: the id column first, then (acceptor, version 2) exactly the label
     * columns of `labels`, in the same order. The proposer exposes its id column only.
     */
    columns: Type.Array(Name, { minItems: 1, maxItems: 1 + MAX_LABELS, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/** One column of the acceptor's dataset that enrich may deliver to the querier as a label. */
const LabelTermSchema = Type.Object(
  {
    column: Name,
    /** boolean (1 byte), number (float64), category (a string of at most `maxBytes` UTF-8 bytes). */
    type: LabelTypeSchema,
    /** Category only, and required there: 1..255 bytes; every record is padded to it. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  },
  { additionalProperties: false },
);

const AgreementTermsSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', 'x-hint': 'a lowercase UUID' }),
    version: Type.Unsafe<1 | 2 | 3>({ type: 'integer', enum: [1, 2, 3] }),
    title: Name,
    createdAt: Timestamp,
    expiresAt: Timestamp,
    parties: Type.Object({ proposer: PartyTermsSchema, acceptor: PartyTermsSchema }, { additionalProperties: false }),
    operations: Type.Array(OperationSchema, { minItems: 1, uniqueItems: true }),
    /** Who receives each operation's output; the querier of an operation must be one of them. */
    outputs: Type.Object(
      {
        overlap: Type.Array(PartyRoleSchema, { uniqueItems: true }),
        enrich: Type.Array(PartyRoleSchema, { uniqueItems: true }),
        /** Version 3: who receives aggregates — exactly the party that is not the value holder. */
        aggregate: Type.Optional(Type.Array(PartyRoleSchema, { uniqueItems: true })),
      },
      { additionalProperties: false },
    ),
    /** Results (intersection sizes) below this are withheld from everyone. */
    minIntersection: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    /** Queries per party per rolling 24 hours; absent means no limit beyond the other checks. */
    maxQueriesPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /**
     * Local attribute enrich writes on the receiver's input records: `true` if matched, `false` if
     * not, e.g. `partner:telco:member`. New terms may not use `.` in it: it separates the attribute
     * from a label column (`labelAttribute`).
     */
    enrichAttribute: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_.:-]{0,127}$', 'x-hint': 'lowercase letters, digits and _ . : - (at most 128)' })),
    /** Kind of identifier both datasets are keyed by; both sides normalise it the same way. */
    idKind: IdKindSchema,
    /**
     * Version 2: acceptor columns enrich may deliver to the querier (labelled PSI). Absent or empty:
     * membership only.
     */
    labels: Type.Optional(Type.Array(LabelTermSchema, { maxItems: MAX_LABELS })),
    /**
     * Version 2, required there: days the responder's OPRF key (and its cached F(y)) lives. Epoch e
     * covers [createdAt + e·days, createdAt + (e+1)·days); a new epoch starts a new key.
     */
    oprfKeyEpochDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    /** Version 3, required exactly when 'aggregate' is allowed: see aggregate-terms.ts. */
    aggregate: Type.Optional(AggregateTermsSchema),
    /**
     * Whether overlap counts may be released without noise. New terms always say it (false unless
     * asked); each node's `policy.allowExactCounts` decides whether it proposes or accepts true.
     */
    exactCounts: Type.Optional(Type.Boolean()),
    /**
     * The noise and budget of overlap counts (count-noise.ts): required to run an overlap query
     * unless exactCounts is true; new proposals always carry it then.
     */
    countNoise: Type.Optional(CountNoiseSchema),
    /**
     * The floor issues the proposer's operator overrode against the proposer's own policy, signed
     * with the terms so the acceptor reviews them before accepting. Absent: no override.
     */
    proposerPolicyOverride: Type.Optional(Type.Array(PolicyIssue, { minItems: 1, maxItems: MAX_POLICY_ISSUES })),
  },
  { additionalProperties: false },
);

export type PartyRole = Static<typeof PartyRoleSchema>;
export type Operation = Static<typeof OperationSchema>;
export type AgreementTerms = Static<typeof AgreementTermsSchema>;
export type LabelTerm = Static<typeof LabelTermSchema>;
/**
 * What a proposer fills in; `draftTerms` adds the id, version and creation time, the default key
 * epoch when `oprfKeyEpochDays` is absent, and `exactCounts: false` when it is.
 */
export type TermsDraft = Omit<AgreementTerms, 'id' | 'version' | 'createdAt' | 'aggregate'> & { aggregate?: AggregateDraft };

const validateSchema = lazyValidator<AgreementTerms>(AgreementTermsSchema, { allErrors: true, verbose: true, strict: true }, (ajv) => ajv.addKeyword('x-hint'));

/**
 * Checks untrusted terms (from a peer, the API or the CLI) and returns a canonical copy.
 * Throws AGREEMENT_INVALID whose message names the first bad field; `details.issues` lists all.
 * `now` decides whether the terms have already expired.
 *
 * @example validateTerms(JSON.parse(body), new Date())
 */
export function validateTerms(input: unknown, now: Date = new Date()): AgreementTerms {
  let value: unknown;
  try {
    // A deep, canonical copy: drops `undefined` members, so what we validate is what we hash.
    value = JSON.parse(canonicalJson(input));
  } catch {
    throw invalid(['terms: must be plain JSON']);
  }
  if (!validateSchema(value)) throw invalid(describeSchemaErrors(validateSchema.errors ?? []));
  const issues = semanticIssues(value, now);
  if (issues.length > 0) throw invalid(issues);
  return value;
}

/**
 * Builds and validates new terms for a proposal.
 *
 * @example draftTerms({ title: 'Telco overlap', expiresAt, parties, operations: ['overlap'], ... })
 */
export function draftTerms(draft: TermsDraft, now: Date = new Date(), id: string = randomUUID()): AgreementTerms {
  const { labels, aggregate, outputs, ...rest } = draft;
  const { aggregate: aggregateReceivers, ...otherOutputs } = outputs;
  return validateTerms(
    {
      ...rest,
      // One signed form for "membership only": no `labels` member rather than an empty list.
      ...(labels !== undefined && labels.length > 0 ? { labels } : {}),
      // Version 2 forms carry no aggregate output at all, not an empty one.
      outputs: aggregate !== undefined || (aggregateReceivers?.length ?? 0) > 0 ? outputs : otherOutputs,
      ...(aggregate !== undefined ? { aggregate: { ...aggregate, valueHolder: aggregate.valueHolder ?? 'acceptor' } } : {}),
      oprfKeyEpochDays: draft.oprfKeyEpochDays ?? DEFAULT_OPRF_KEY_EPOCH_DAYS,
      exactCounts: draft.exactCounts ?? false,
      id,
      version: aggregate !== undefined ? AGGREGATE_TERMS_VERSION : TERMS_VERSION,
      createdAt: now.toISOString(),
    },
    now,
  );
}

/**
 * Days per OPRF key epoch, or null for version-1 terms: they name no epoch, and were signed when
 * the responder drew a fresh key for every run, so that is what they keep getting.
 */
export function oprfKeyEpochDays(terms: AgreementTerms): number | null {
  return terms.version === 1 ? null : (terms.oprfKeyEpochDays ?? DEFAULT_OPRF_KEY_EPOCH_DAYS);
}

/**
 * The responder's OPRF key epoch at `now`: ⌊(now − createdAt) / epoch length⌋ (0 before createdAt,
 * e.g. under clock skew), or null for version-1 terms (fresh key per run). Both nodes compute it
 * from the signed terms; the querier can compare it with the epoch the responder announces.
 *
 * @example oprfKeyEpochAt(agreement.terms, new Date()) // 0 during the first 30 days
 */
export function oprfKeyEpochAt(terms: AgreementTerms, now: Date): number | null {
  const days = oprfKeyEpochDays(terms);
  if (days === null) return null;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(terms.createdAt)) / (days * DAY_MS)));
}

/**
 * The key epoch a run uses, or null when the responder must draw a fresh OPRF key for this run:
 *   - version-1 terms (no epoch agreed);
 *   - an overlap (cardinality) run whose querier may not receive enrich output. With one key across
 *     runs, the querier could run overlap on ≈ log2|X| chosen subsets of X, see which of its F(x)
 *     values recur in which run, and so learn F(x) for each x: membership, which those terms do not
 *     grant it. A querier that may run enrich learns membership anyway, so the epoch key costs
 *     nothing extra there (docs/protocol-psi.md, "Key epochs");
 *   - an aggregate run whose querier may not receive enrich output, for the same reason (its
 *     shuffled per-group PSI is an overlap run per group).
 *
 * @example oprfKeyEpochForRun(agreement.terms, 'enrich', 'proposer', now) // 0, 1, … or null
 */
export function oprfKeyEpochForRun(terms: AgreementTerms, operation: Operation, querier: PartyRole, now: Date): number | null {
  if ((operation === 'overlap' || operation === 'aggregate') && !terms.outputs.enrich.includes(querier)) return null;
  return oprfKeyEpochAt(terms, now);
}

/** Names of joint attributes on the querier's records (node/datasets `writeJointAttribute`). */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The local attribute under which the querier stores label `column` of its matched records:
 * `<enrichAttribute>.<column>`, e.g. `partner:telco:member.plan`. Validation of new terms
 * guarantees it is a valid attribute name for every agreed label, that it is never another
 * agreement's membership flag (no `.` in enrichAttribute), and that it does not repeat the
 * attribute's last part (`partner:telco:active.active`). Terms signed before these rules keep
 * their names, so the values already stored stay readable.
 */
export function labelAttribute(terms: AgreementTerms, column: string): string {
  return `${terms.enrichAttribute}.${column}`;
}

/** The label columns of the terms ([] for membership only). */
export function labelTerms(terms: AgreementTerms): LabelTerm[] {
  return terms.labels ?? [];
}

/**
 * Problems with delivering the agreed labels from a dataset with these attribute columns (name,
 * type as in node/datasets: number, string, boolean, date). A category is read from a string or
 * date column. Messages start with the field, as validation messages do.
 *
 * @example labelColumnIssues(terms.labels ?? [], getDataset(db, terms.parties.acceptor.dataset).columns)
 */
export function labelColumnIssues(labels: readonly LabelTerm[], datasetColumns: readonly { name: string; type: string }[]): string[] {
  const compatible: Record<LabelTerm['type'], string[]> = { boolean: ['boolean'], number: ['number'], category: ['string', 'date'] };
  return labels.flatMap((label, i) => {
    const column = datasetColumns.find((c) => c.name === label.column);
    if (!column) return [`labels[${i}].column: the dataset has no column '${label.column}'`];
    if (!compatible[label.type].includes(column.type)) {
      return [`labels[${i}].type: dataset column '${label.column}' is ${column.type}; a ${label.type} label needs ${compatible[label.type].join(' or ')}`];
    }
    return [];
  });
}

/** sha256 hex of the canonical JSON of the terms: what both parties sign and audit entries cite. */
export function agreementHash(terms: AgreementTerms): string {
  return createHash('sha256').update(canonicalJson(terms), 'utf8').digest('hex');
}

/** The other side of an agreement. */
export function otherParty(party: PartyRole): PartyRole {
  return party === 'proposer' ? 'acceptor' : 'proposer';
}

/** Which side `nodeId` is on, or undefined if it is not a party. */
export function partyOf(terms: AgreementTerms, nodeId: string): PartyRole | undefined {
  if (terms.parties.proposer.nodeId === nodeId) return 'proposer';
  if (terms.parties.acceptor.nodeId === nodeId) return 'acceptor';
  return undefined;
}

/** Rules that relate fields to each other or to the clock; JSON Schema cannot say them. */
function semanticIssues(t: AgreementTerms, now: Date): string[] {
  const issues: string[] = [];
  for (const field of ['createdAt', 'expiresAt'] as const) {
    // The pattern admits 2026-02-31; a real date round-trips through toISOString unchanged.
    const ms = Date.parse(t[field]);
    if (Number.isNaN(ms) || new Date(ms).toISOString() !== t[field]) issues.push(`${field}: is not a real date`);
  }
  if (issues.length > 0) return issues;
  if (Date.parse(t.expiresAt) <= Date.parse(t.createdAt)) issues.push('expiresAt: must be after createdAt');
  if (Date.parse(t.expiresAt) <= now.getTime()) issues.push('expiresAt: must be in the future');

  // Two distinct institutions: an agreement with oneself would let a node grant itself outputs.
  if (t.parties.acceptor.nodeId === t.parties.proposer.nodeId) {
    issues.push('parties.acceptor.nodeId: must differ from proposer');
  }

  for (const op of ['overlap', 'enrich'] as const) {
    const allowed = t.operations.includes(op);
    if (allowed && t.outputs[op].length === 0) issues.push(`outputs.${op}: must name a receiver because '${op}' is allowed`);
    if (!allowed && t.outputs[op].length > 0) issues.push(`outputs.${op}: must be empty because '${op}' is not allowed`);
  }
  // Enrich reveals which records matched; only the party holding those records' ids may learn it
  // (mission: "enrich reveals membership of matched records to the receiver only"). Both parties
  // receiving membership would be a two-way disclosure of the intersection.
  if (t.outputs.enrich.length > 1) issues.push('outputs.enrich: only the querying party can receive membership');

  const enrich = t.operations.includes('enrich');
  if (enrich && t.enrichAttribute === undefined) issues.push("enrichAttribute: is required when 'enrich' is allowed");
  if (!enrich && t.enrichAttribute !== undefined) issues.push("enrichAttribute: must be absent because 'enrich' is not allowed");
  // `.` separates a label column from the attribute; in the attribute itself it would let one
  // agreement's membership flag and another's label share a name, and overwrite each other.
  if (t.enrichAttribute?.includes('.'))
    issues.push(`enrichAttribute: '${t.enrichAttribute}' must not contain '.', which separates the attribute from a label column (<enrichAttribute>.<column>)`);

  if (t.parties.proposer.columns.length !== 1) {
    issues.push('parties.proposer.columns: must list exactly one column, the id column (labels come from the acceptor)');
  }
  if (t.version === 1) {
    // Version 1 terms were signed before labels and key epochs existed; they cannot carry either.
    if (t.labels !== undefined) issues.push('labels: needs terms version 2');
    if (t.oprfKeyEpochDays !== undefined) issues.push('oprfKeyEpochDays: needs terms version 2');
    if (t.parties.acceptor.columns.length !== 1) issues.push('parties.acceptor.columns: version 1 terms list exactly one column, the id column');
  } else {
    if (t.oprfKeyEpochDays === undefined) issues.push(`oprfKeyEpochDays: is required in version ${t.version} terms (1 to 365 days)`);
    issues.push(...labelIssues(t));
  }
  issues.push(...aggregateIssues(t));
  issues.push(...countNoiseIssues(t));
  return issues;
}

/** Version 3: the aggregate section agrees with the operations, the outputs and the version. */
function aggregateIssues(t: AgreementTerms): string[] {
  const allowed = t.operations.includes('aggregate');
  const receivers = t.outputs.aggregate;
  if (t.version !== AGGREGATE_TERMS_VERSION) {
    return [
      ...(t.aggregate !== undefined ? [`aggregate: needs terms version ${AGGREGATE_TERMS_VERSION}`] : []),
      ...(allowed ? [`operations: 'aggregate' needs terms version ${AGGREGATE_TERMS_VERSION}`] : []),
      ...(receivers !== undefined ? [`outputs.aggregate: needs terms version ${AGGREGATE_TERMS_VERSION}`] : []),
    ];
  }
  const issues: string[] = [];
  if (t.aggregate === undefined) return [`aggregate: is required in version ${AGGREGATE_TERMS_VERSION} terms`];
  if (!allowed) issues.push("operations: must include 'aggregate' because the terms have an aggregate section");
  // The value holder decrypts only blinded totals and learns no result; the other party, which
  // holds the groups, is the querier and the only receiver.
  const querier = otherParty(t.aggregate.valueHolder);
  if (receivers === undefined || receivers.length !== 1 || receivers[0] !== querier) {
    issues.push(`outputs.aggregate: must be ['${querier}'] (the party that is not the value holder receives aggregates)`);
  }
  const holder = t.parties[t.aggregate.valueHolder];
  issues.push(...aggregateSectionIssues(t.aggregate, holder.columns[0]));
  return issues;
}

/** Version 2: labels are consistent with the acceptor's columns, the operations and the outputs. */
function labelIssues(t: AgreementTerms): string[] {
  const issues: string[] = [];
  const labels = t.labels ?? [];
  const columns = t.parties.acceptor.columns;
  const idColumn = columns[0];
  const seen = new Set<string>();
  labels.forEach((label, i) => {
    if (label.type === 'category' && label.maxBytes === undefined) issues.push(`labels[${i}].maxBytes: is required for a category column (1 to 255 bytes)`);
    if (label.type !== 'category' && label.maxBytes !== undefined)
      issues.push(`labels[${i}].maxBytes: only a category column has maxBytes ('${label.column}' is ${label.type})`);
    if (seen.has(label.column)) issues.push(`labels[${i}].column: '${label.column}' is listed twice`);
    seen.add(label.column);
    if (label.column === idColumn) issues.push(`labels[${i}].column: '${label.column}' is the id column; it cannot be a label`);
    else if (!columns.includes(label.column)) issues.push(`labels[${i}].column: '${label.column}' is not listed in parties.acceptor.columns`);
  });
  columns.slice(1).forEach((column, k) => {
    if (!seen.has(column)) {
      issues.push(`parties.acceptor.columns[${k + 1}]: '${column}' is not a label column; after the id column, list exactly the columns of labels`);
    }
  });
  if (issues.length === 0 && labels.some((label, i) => columns[i + 1] !== label.column)) {
    issues.push('parties.acceptor.columns: must list the label columns in the order of labels, after the id column');
  }
  if (labels.length === 0) return issues;

  // Labels travel with enrich only, from the acceptor's records to the party holding the matched
  // ids. The acceptor querying its own labels back would be meaningless; the proposer is the querier.
  if (!t.operations.includes('enrich')) issues.push("labels: need 'enrich' in operations (labels are delivered by enrich)");
  else if (t.outputs.enrich.length !== 1 || t.outputs.enrich[0] !== 'proposer') {
    issues.push("outputs.enrich: must be ['proposer'] when labels are agreed (labels are the acceptor's columns, delivered to the querier)");
  }
  if (t.enrichAttribute !== undefined) {
    const lastPart = t.enrichAttribute.split(':').pop();
    labels.forEach((label, i) => {
      const attribute = labelAttribute(t, label.column);
      if (!ATTRIBUTE_NAME.test(attribute)) {
        issues.push(
          `labels[${i}].column: '${label.column}' cannot name the querier's attribute '${attribute}': use letters, digits and _ . : - (at most 128 characters with enrichAttribute)`,
        );
      } else if (label.column === lastPart) {
        // The flag means "matched"; a label of the same name would read as the same thing.
        issues.push(
          `labels[${i}].column: '${label.column}' repeats the last part of enrichAttribute '${t.enrichAttribute}' (the label would be stored as '${attribute}'): name the membership attribute for membership, e.g. 'partner:<peer>:member'`,
        );
      }
    });
  }
  if (issues.length === 0) {
    const bytes = labelLength(labels);
    if (bytes > MAX_LABEL_RECORD_BYTES) issues.push(`labels: a label record would be ${bytes} bytes; at most ${MAX_LABEL_RECORD_BYTES}`);
  }
  return issues;
}

function invalid(issues: string[]): MofangError {
  return new MofangError('AGREEMENT_INVALID', issues[0] ?? 'terms: invalid', { issues });
}

/** "/parties/acceptor/nodeId" → "parties.acceptor.nodeId"; "/operations/0" → "operations[0]". */
function fieldOf(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (child !== undefined) parts.push(child);
  const path = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  return path || 'terms';
}

/** One message per failing field: a failed union of constants becomes one "must be one of" line. */
function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const texts = errors.map((e) => {
    const oneOf = oneOfMessage(errors, e);
    return oneOf ? `${fieldOf(e.instancePath)}: ${oneOf}` : describeSchemaError(e);
  });
  return [...new Set(texts)];
}

function describeSchemaError(e: ErrorObject): string {
  const schema = e.parentSchema as (TSchema & { 'x-hint'?: string }) | undefined;
  switch (e.keyword) {
    case 'required':
      return `${fieldOf(e.instancePath, e.params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${fieldOf(e.instancePath, e.params.additionalProperty)}: is not a known field`;
    case 'enum':
      return `${fieldOf(e.instancePath)}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`;
    case 'pattern':
      return `${fieldOf(e.instancePath)}: must be ${schema?.['x-hint'] ?? `match ${e.params.pattern}`}`;
    default:
      return `${fieldOf(e.instancePath)}: ${e.message ?? 'is invalid'}`;
  }
}
