/**
 * The terms of a collaboration agreement: what two nodes agreed to run together. The terms are
 * the thing both parties sign, so they are plain JSON with one canonical form (sorted keys, UTC
 * timestamps in `toISOString()` form, lowercase ids): the same terms always hash to the same bytes.
 *
 * Agreements never hold customer identifiers — only node ids, dataset and column names, and limits.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';

/** A string enum that Ajv reports as "must be one of …" (a Union of Literals reports per branch). */
const StringEnum = <T extends string[]>(values: [...T]) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: values });

// `x-hint` says in words what a pattern means; it replaces the regex in error messages.
const NodeId = Type.String({ pattern: '^sha256:[0-9a-f]{64}$', 'x-hint': "'sha256:' and 64 lowercase hex digits" });
const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  'x-hint': 'a UTC timestamp like 2026-01-31T00:00:00.000Z',
});
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$', 'x-hint': 'free of control characters' });

export const PartyRoleSchema = StringEnum(['proposer', 'acceptor']);
export const OperationSchema = StringEnum(['overlap', 'enrich']);
export const IdKindSchema = StringEnum(['phone', 'email', 'national-id', 'raw']);

export const PartyTermsSchema = Type.Object(
  {
    /** 'sha256:' + hex of the party's certificate DER (its pinned identity). */
    nodeId: NodeId,
    /** Display name, e.g. "Telco Ltd". */
    name: Name,
    /** The dataset this party contributes, by its local name. */
    dataset: Name,
    // Version 1 exposes the id column only; labels come with a later version of the terms, so an
    // agreement cannot promise columns that no operation would honour.
    columns: Type.Array(Name, { minItems: 1, maxItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const AgreementTermsSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', 'x-hint': 'a lowercase UUID' }),
    version: Type.Literal(1),
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
      },
      { additionalProperties: false },
    ),
    /** Results (intersection sizes) below this are withheld from everyone. */
    minIntersection: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    /** Queries per party per rolling 24 hours; absent means no limit beyond the other checks. */
    maxQueriesPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Local attribute written on the enrich receiver's matched records, e.g. `partner:telco:active`. */
    enrichAttribute: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9_.:-]{0,127}$', 'x-hint': 'lowercase letters, digits and _ . : - (at most 128)' }),
    ),
    /** Kind of identifier both datasets are keyed by; both sides normalise it the same way. */
    idKind: IdKindSchema,
  },
  { additionalProperties: false },
);

export type PartyRole = Static<typeof PartyRoleSchema>;
export type Operation = Static<typeof OperationSchema>;
export type PartyTerms = Static<typeof PartyTermsSchema>;
export type AgreementTerms = Static<typeof AgreementTermsSchema>;
/** What a proposer fills in; `draftTerms` adds the id, version and creation time. */
export type TermsDraft = Omit<AgreementTerms, 'id' | 'version' | 'createdAt'>;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
ajv.addKeyword('x-hint');
const validateSchema = ajv.compile<AgreementTerms>(AgreementTermsSchema);

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
  if (!validateSchema(value)) throw invalid((validateSchema.errors ?? []).map(describeSchemaError));
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
  return validateTerms({ ...draft, id, version: 1, createdAt: now.toISOString() }, now);
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

function describeSchemaError(e: ErrorObject): string {
  const schema = e.parentSchema as (TSchema & { 'x-hint'?: string }) | undefined;
  switch (e.keyword) {
    case 'required':
      return `${fieldOf(e.instancePath, e.params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${fieldOf(e.instancePath, e.params.additionalProperty)}: is not a known field`;
    case 'enum':
      return `${fieldOf(e.instancePath)}: must be one of ${(e.params.allowedValues as string[]).map((v) => `'${v}'`).join(', ')}`;
    case 'pattern':
      return `${fieldOf(e.instancePath)}: must be ${schema?.['x-hint'] ?? `match ${e.params.pattern}`}`;
    default:
      return `${fieldOf(e.instancePath)}: ${e.message ?? 'is invalid'}`;
  }
}
