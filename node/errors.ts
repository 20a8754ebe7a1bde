/**
 * The one error catalogue. Every error the node reports — over HTTP, over gRPC, or on the CLI —
 * has a stable code here, with its HTTP status; the gRPC status a peer receives with each code is in
 * peer/status.ts, so nothing outside peer/ loads gRPC. `docs/errors.md` lists every code with both
 * statuses; a test fails when one is missing there.
 */
import { type CHANNEL_ERROR_CODES, ChannelError } from '../adapters/channels/errors.js';
import { SourceError, type SOURCE_ERROR_CODES } from '../adapters/sources/errors.js';
import { type PROTOCOL_ERROR_CODES, ProtocolError } from '../protocols/errors.js';

interface ErrorSpec {
  /** HTTP status returned by the API. */
  http: number;
  /** One line saying what the code means; the message of each error adds the specifics. */
  summary: string;
}

export const ERRORS = {
  // Configuration and identity
  CONFIG_INVALID: { http: 500, summary: 'The node configuration does not match its schema.' },
  CONFIG_NOT_FOUND: { http: 500, summary: 'The configuration file does not exist.' },
  IDENTITY_EXISTS: { http: 409, summary: 'An identity already exists in this directory.' },
  IDENTITY_INVALID: { http: 500, summary: 'The node key or certificate is missing, unreadable or mismatched.' },
  SECRET_FILE_MODE: { http: 500, summary: 'A secret file is readable by other users (must be mode 0600).' },
  ADDRESS_IN_USE: { http: 500, summary: 'A listen address is already in use by another process.' },
  TLS_INVALID: { http: 500, summary: 'The HTTP API certificate, key or client CA is missing, unreadable or mismatched.' },

  // HTTP API
  AUTH_REQUIRED: { http: 401, summary: 'No valid bearer token was given.' },
  FORBIDDEN_ROLE: { http: 403, summary: "The token's role may not call this endpoint." },
  REQUEST_INVALID: { http: 400, summary: 'The request does not match the schema.' },
  NOT_FOUND: { http: 404, summary: 'The route or resource does not exist.' },
  INTERNAL: { http: 500, summary: 'An unexpected error; details are in the node log.' },
  MEDIA_TYPE_UNSUPPORTED: { http: 415, summary: 'The request Content-Type is not accepted by this endpoint.' },
  TOKEN_FILE_INVALID: { http: 500, summary: 'The API token file is missing, unreadable or malformed.' },
  TOKEN_FILE_LOCKED: { http: 503, summary: 'Another process is changing the API token file; retry.' },
  TOKEN_EXISTS: { http: 409, summary: 'An API token with this id already exists.' },

  // Data import
  IMPORT_BAD_ROW: { http: 422, summary: 'A row could not be imported; the import was rolled back.' },
  IMPORT_BAD_OPTION: { http: 400, summary: 'An import option (id column, kind, format) is invalid.' },
  IMPORT_FILE_UNREADABLE: { http: 400, summary: 'The input file cannot be read or parsed.' },
  IMPORT_ENCODING_INVALID: { http: 400, summary: 'The input file is not valid in its encoding (UTF-8 unless another is given); the error names the line.' },
  IMPORT_PATH_FORBIDDEN: { http: 403, summary: "A path import outside the directories listed in imports.allowedDirs, or inside the node's own directories." },
  IDENTIFIER_INVALID: { http: 422, summary: 'An identifier is not valid for its kind.' },
  DATASET_SUITE_MISMATCH: { http: 409, summary: 'The dataset was hashed under another group suite; re-import it.' },
  DATASET_NOT_FOUND: { http: 404, summary: 'The dataset does not exist on this node.' },

  // Peers
  PEER_UNKNOWN: { http: 404, summary: 'The peer is not listed in the configuration.' },
  PEER_NOT_PINNED: { http: 403, summary: "The peer's certificate does not match any pinned fingerprint." },
  PEER_UNREACHABLE: { http: 502, summary: 'The peer could not be reached or did not answer in time.' },
  PEER_VERSION_MISMATCH: { http: 409, summary: 'The peer speaks an incompatible protocol version.' },
  PEER_MESSAGE_INVALID: { http: 502, summary: 'A peer message is malformed, oversized or out of order.' },
  PEER_REFUSED: { http: 409, summary: 'The peer refused the request; its reason is included.' },
  PEER_SIGNATURE_INVALID: { http: 502, summary: "A peer's signature does not verify." },
  PEER_RATE_LIMITED: { http: 429, summary: 'Too many calls from one source (a peer certificate or, unpinned, a remote address); answered before any work.' },

  // Agreements
  AGREEMENT_NOT_FOUND: { http: 404, summary: 'No agreement with this id.' },
  AGREEMENT_INVALID: { http: 400, summary: 'The agreement proposal is malformed or inconsistent.' },
  AGREEMENT_NOT_ACCEPTED: { http: 409, summary: 'The agreement has not been accepted by both parties.' },
  AGREEMENT_EXPIRED: { http: 409, summary: 'The agreement has expired.' },
  AGREEMENT_REVOKED: { http: 409, summary: 'The agreement was revoked.' },
  AGREEMENT_STATE: { http: 409, summary: 'The agreement is not in a state that allows this action.' },
  AGREEMENT_CONFLICT: { http: 409, summary: 'An agreement with this id already exists with different terms.' },
  AGREEMENT_BELOW_POLICY: {
    http: 422,
    summary: "The terms are weaker than this node's policy floors (config `policy`); propose or accept them only with an explicit, audited override.",
  },
  OPERATION_NOT_ALLOWED: { http: 403, summary: 'The agreement does not allow this operation, dataset or output.' },

  // Queries
  RESULT_BELOW_MINIMUM: { http: 422, summary: "The result is below the agreement's minimum intersection size and is withheld." },
  QUERIER_REIMPORT_LIMIT: {
    http: 429,
    summary: "The querier re-imported its dataset more often on the data pair in 24 hours than the responder's policy.maxQuerierReimportsPerDay allows.",
  },
  QUERY_LIMIT_REACHED: {
    http: 429,
    summary: "The agreement's daily query limit (counted over every agreement on its data pair) or the node's cap per peer is reached.",
  },
  INPUT_BELOW_MINIMUM: { http: 422, summary: "An input set is smaller than the agreement's minimum." },
  LIMIT_EXCEEDED: { http: 413, summary: 'A size or count limit was exceeded.' },
  JOB_NOT_FOUND: { http: 404, summary: 'No job with this id.' },
  JOB_STATE: { http: 409, summary: 'The job is not in a state that allows this action.' },
  JOB_CANCELLED: { http: 409, summary: 'The job or run was cancelled, by this node or by the peer.' },
  RUN_NOT_FOUND: { http: 404, summary: 'No protocol run with this id.' },
  RUN_FAILED: { http: 500, summary: 'The protocol run failed; the reason is included.' },
  PRIVACY_BUDGET_EXHAUSTED: {
    http: 429,
    summary:
      "The query would overspend the agreement's privacy budget for the period, counting what every agreement over the same data pair spent; agreement, period, pair, spent, requested and total are named.",
  },
  QUERY_TOO_SIMILAR: {
    http: 422,
    summary:
      "A group's matched records differ, or may differ, from a group released earlier on the data pair in the budget period, from a union of such groups, or from another group of the query, by fewer records than the minimum group size.",
  },

  // Audit
  AUDIT_TAMPERED: { http: 409, summary: 'The audit log failed verification; the first bad entry is named.' },
  AUDIT_EXPORT_FORMAT: { http: 400, summary: 'Unknown audit export format.' },
  AUDIT_RAW_IDENTIFIER: {
    http: 422,
    summary: 'An audit subject or detail looks like a personal identifier (phone, email, ID or card number); nothing was written.',
  },

  // Protocol (raised by pure code in protocols/, mapped here)
  PSI_INPUT_INVALID: { http: 400, summary: 'A PSI input (element, length or count) is invalid.' },
  PSI_POINT_INVALID: { http: 502, summary: 'A group element received over the wire is not valid.' },
  PSI_STATE: { http: 500, summary: 'A PSI step was called out of order.' },
  DP_INPUT_INVALID: { http: 400, summary: 'A differential-privacy parameter (epsilon, delta, sensitivity, noise scale, bound or budget) is invalid.' },

  // Insight: profiles, segments, layering, flows
  RULE_INVALID: { http: 400, summary: 'A segment rule does not fit the attribute types; the rule path, attribute, operator and expected type are named.' },
  SEGMENT_CYCLE: { http: 400, summary: 'A segment rule refers to itself through segment membership; the cycle is named.' },
  INSIGHT_NOT_FOUND: { http: 404, summary: 'No segment, layering, flow, snapshot or profile with this name or id.' },
  INSIGHT_EXISTS: { http: 409, summary: 'A segment, layering or flow (or a snapshot of that period) with this name already exists.' },
  INSIGHT_INVALID: { http: 400, summary: 'A layering or flow definition is inconsistent; the field is named.' },
  HE_OVERFLOW: { http: 422, summary: 'A homomorphic sum could exceed the plain modulus; the run is refused rather than wrapping.' },
  HE_PARAMS_INVALID: { http: 400, summary: 'Homomorphic aggregation parameters (set size, columns, groups, plan) are invalid.' },
  HE_INPUT_INVALID: { http: 400, summary: 'A local input to a homomorphic step (value, mask, count, noise) is invalid.' },
  HE_MESSAGE_INVALID: { http: 502, summary: 'A homomorphic key, ciphertext or value message received from the peer is malformed or does not match the plan.' },
  HE_STATE: { http: 500, summary: 'A homomorphic step was called out of order or after dispose.' },

  // Decision trees (insight)
  TREE_INPUT_INVALID: {
    http: 422,
    summary: 'The training input cannot make a tree: target, attribute type, levels, rows or limits; the attribute or limit is named.',
  },
  TREE_MODEL_INVALID: { http: 422, summary: 'A serialised tree model is malformed or of an unsupported version.' },
  TREE_NOT_FOUND: { http: 404, summary: 'No tree model with this id.' },

  // Insight: organisation units, scoped access, shared segment sets
  UNIT_NOT_FOUND: { http: 404, summary: 'No organisation unit with this id; the field is named.' },
  UNIT_INVALID: {
    http: 400,
    summary:
      'A unit or unit attribute does not fit the unit tree or the dataset (duplicate id, second head office, unknown parent, attribute not a string column); the field is named.',
  },
  SCOPE_FORBIDDEN: {
    http: 403,
    summary: "The caller's unit may not act for, or publish to, the unit named; or a unit-scoped caller used a dataset without a unit attribute.",
  },
  // Events and analytics
  EVENT_STORE_BUSY: { http: 503, summary: 'The event store is open in another process (a running node); use its HTTP API or stop it.' },
  NODE_API_UNREACHABLE: {
    http: 503,
    summary: "The CLI could not finish a command through the running node's HTTP API (refused, reset, or a reply it cannot read); the address is named.",
  },
  EVENT_STORE_UNAVAILABLE: { http: 500, summary: 'The event store file could not be opened.' },
  EVENT_BATCH_TOO_LARGE: { http: 413, summary: 'A batch of events holds more than events.maxBatch events; the limit is named. Nothing was stored.' },
  EVENT_BATCH_REJECTED: {
    http: 422,
    summary: 'An atomic batch (or import) held rejected events: each is listed with its index (line), field and reason, and nothing was stored.',
  },
  EVENT_IMPORT_INVALID: { http: 400, summary: 'An event file cannot be read as events: unknown format, or a CSV header without a required column (named).' },
  EVENTS_ID_KIND_MISMATCH: {
    http: 409,
    summary: "A behaviour condition names events for a dataset whose identifier kind differs from the events' (events.identifierKind); both kinds are named.",
  },
  TRACKING_PLAN_INVALID: { http: 422, summary: 'The tracking plan or a change to it breaks a plan rule (name, type, limit, policy); the field is named.' },
  TRACKING_PLAN_EVENT_UNKNOWN: { http: 404, summary: 'The tracking plan declares no event of this name.' },
  TRACKING_PLAN_VERSION_UNKNOWN: { http: 404, summary: 'The tracking plan has no version with this number.' },
  ANALYTICS_MODEL_UNKNOWN: { http: 404, summary: 'No analysis model with this name; the known models are listed.' },
  ANALYTICS_PARAMS_INVALID: { http: 400, summary: "An analysis model's parameters are invalid (a property name, a date range, a limit); the field is named." },
  ANALYTICS_SEGMENT_MISMATCH: {
    http: 422,
    summary: "The segment's dataset uses another identifier kind than the events, so its members cannot restrict them.",
  },
  ANALYTICS_SEGMENT_WITHHELD: {
    http: 409,
    summary: 'The segment reads a joint attribute its agreement no longer allows; it cannot restrict a model until that changes.',
  },
  ANALYTICS_TIMEOUT: { http: 503, summary: 'An analysis query ran longer than the configured limit and was interrupted.' },
  METRIC_NOT_FOUND: { http: 404, summary: 'No saved metric with this name.' },
  METRIC_EXISTS: { http: 409, summary: 'A metric with this name is already saved; change it instead.' },
  METRIC_INVALID: {
    http: 400,
    summary: "A metric definition cannot be saved: name, model, parameters, window, or a scalar the model's result does not have; the field is named.",
  },
  ALERT_RULE_NOT_FOUND: { http: 404, summary: 'No alert rule with this id (on this metric).' },
  ALERT_RULE_INVALID: {
    http: 400,
    summary: 'An alert rule is inconsistent: kind, direction, value, schedule, cool-down or an unknown webhook; the field is named.',
  },
  WEBHOOK_SECRET_INVALID: { http: 500, summary: 'The alert webhook secret file cannot be read or is too short.' },

  // Journeys
  JOURNEY_INVALID: {
    http: 422,
    summary: 'A journey graph has problems; details.problems lists every one with its node, parameter and problem code (docs/journeys.md).',
  },
  JOURNEY_NOT_FOUND: { http: 404, summary: "No journey with this id or name (in the caller's unit scope)." },
  JOURNEY_EXISTS: { http: 409, summary: 'A journey with this name exists; save a new version of it instead.' },
  JOURNEY_VERSION_UNKNOWN: { http: 404, summary: 'The journey has no version with this number.' },
  JOURNEY_STATE_INVALID: {
    http: 409,
    summary: "The journey's state does not allow this change (publish, pause, resume, stop, or a new version of a stopped journey).",
  },

  // Campaign templates
  TEMPLATE_INVALID: {
    http: 422,
    summary: 'A campaign template has problems; details.problems lists every one with its node or parameter and problem code (docs/journeys.md).',
  },
  TEMPLATE_VALUES_INVALID: {
    http: 422,
    summary: "The values filling a template's parameters have problems; details.problems names each parameter (missing, unknown, wrong type, out of range).",
  },
  TEMPLATE_NOT_FOUND: { http: 404, summary: "No template with this id or name in the caller's scope or published to its unit." },
  TEMPLATE_EXISTS: { http: 409, summary: 'A template with this name exists; save a new version of it instead.' },
  TEMPLATE_VERSION_UNKNOWN: { http: 404, summary: 'The template has no version with this number, or that version was not published to the unit.' },
  // Frequency control and consent
  CONSENT_INVALID: {
    http: 422,
    summary:
      'A consent entry is invalid: an unknown channel or status, a customer id that is not valid for the dataset, or a bad source; the entry and field are named, never the id.',
  },
  CONSENT_BATCH_TOO_LARGE: {
    http: 413,
    summary: 'A consent batch holds more entries than journeys.frequency.maxConsentBatch; the limit is named. Nothing was stored.',
  },
  // Reach channels
  CHANNEL_CONFIG_INVALID: {
    http: 500,
    summary: 'A reach channel is configured in a way it cannot send (endpoint, sender, rate, retries); the channel and field are named.',
  },
  CHANNEL_CREDENTIAL_INVALID: {
    http: 500,
    summary:
      "A reach channel's credential cannot be resolved: its file is missing, unreadable, open to other users or empty, or its environment variable is unset; the channel and field are named, never the secret.",
  },
  CHANNEL_TEMPLATE_INVALID: { http: 422, summary: 'A message template cannot be rendered: unbalanced braces or something other than a variable inside {{ }}.' },
  CHANNEL_VARIABLE_MISSING: {
    http: 422,
    summary: 'A message template names a variable that has no value; nothing was sent, and every missing variable is named.',
  },
  // Reach feedback: unsubscribes, opens, clicks and provider receipts
  REACH_LINK_INVALID: {
    http: 400,
    summary: "An unsubscribe, open or click link's token was not signed by this node (forged or altered); nothing was recorded.",
  },
  REACH_CALLBACK_UNAUTHENTICATED: {
    http: 401,
    summary:
      "A provider callback's Mofang-Signature is missing, malformed, does not verify, or its timestamp is outside the tolerance (reach.feedback.signatureToleranceSeconds), or the channel has no callbackSecret; nothing was recorded.",
  },
  REACH_CALLBACK_REPLAYED: {
    http: 409,
    summary: 'A provider callback carries a signature the node has already accepted within the tolerance window (a replay); nothing was recorded again.',
  },
  REACH_RECEIPT_INVALID: {
    http: 400,
    summary: 'A receipt in a provider callback is malformed; the receipt and field are named (receipts[3].status). Nothing of the callback was recorded.',
  },
  REACH_RECEIPT_BATCH_TOO_LARGE: {
    http: 413,
    summary: 'A provider callback holds more receipts than reach.feedback.maxReceiptBatch; the limit is named. Nothing was recorded.',
  },
  REACH_RATE_LIMITED: {
    http: 429,
    summary:
      'Too many requests from one remote address to the public unsubscribe and tracking routes (reach.feedback.publicRatePerMinute); retry after the minute.',
  },
  JOURNEY_MIGRATION_INVALID: {
    http: 422,
    summary:
      'A publish migration does not map every node customers stand at to an existing node of the new version they can wait at; details.problems lists each.',
  },
  JOURNEY_ENTRY_UNAVAILABLE: { http: 409, summary: "The journey's live version has no entry of this kind (an API entry of this name)." },
  JOURNEY_ENTRY_NOT_FOUND: { http: 404, summary: 'The journey has no entry with this id.' },

  // Reach: the channels the node keeps itself (inbox, call lists, branch tasks)
  REACH_ITEM_NOT_FOUND: {
    http: 404,
    summary: "No inbox message, call or task with this id for this customer or in the caller's unit scope.",
  },
  REACH_ITEM_CONFLICT: {
    http: 409,
    summary: 'The call or task is not in a state that allows this change (claimed by another agent, already closed); the current state is named.',
  },
  REACH_OUTCOME_INVALID: {
    http: 422,
    summary:
      'A reach outcome is malformed: a key that is not an outbox key, an unknown outcome, a bad time, detail or value; the outcome and field are named, and nothing of the batch was recorded.',
  },
  REACH_REPORT_INVALID: {
    http: 422,
    summary: 'A campaign report request is invalid: an unknown attribution model, a bad date range or window; the parameter is named.',
  },
  EXPERIMENT_NOT_FOUND: { http: 404, summary: 'The journey has no A/B experiment (of this name).' },
  REACH_DEAD_LETTER_NOT_FOUND: { http: 404, summary: 'No dead message with this idempotency key: it was never written, or it is not dead.' },
  REACH_REDRIVE_INVALID: { http: 422, summary: 'A re-drive names no message, filter or `all`; nothing was re-driven.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class MofangError extends Error {
  readonly code: ErrorCode;
  /** Structured, non-sensitive specifics (field names, limits, line numbers). Never raw identifiers. */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'MofangError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Turns anything thrown into a catalogued error; unknown errors become INTERNAL. */
export function asMofangError(err: unknown): MofangError {
  if (err instanceof MofangError) return err;
  if (err instanceof ProtocolError) return new MofangError(err.code, err.message);
  // Normally mapped where datasets open a source (read-rows.ts), which also filters the file's text.
  if (err instanceof SourceError) return new MofangError(err.code, err.message, err.details);
  if (err instanceof ChannelError) return new MofangError(err.code, err.message, err.details);
  const message = err instanceof Error ? err.message : String(err);
  return new MofangError('INTERNAL', message);
}

// Every protocol code must have a catalogue entry (checked at compile time).
const _protocolCodesCovered: Record<(typeof PROTOCOL_ERROR_CODES)[number], ErrorSpec> = ERRORS;
void _protocolCodesCovered;
// And every data source code.
const _sourceCodesCovered: Record<(typeof SOURCE_ERROR_CODES)[number], ErrorSpec> = ERRORS;
void _sourceCodesCovered;
// And every channel code.
const _channelCodesCovered: Record<(typeof CHANNEL_ERROR_CODES)[number], ErrorSpec> = ERRORS;
void _channelCodesCovered;
