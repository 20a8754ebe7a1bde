/**
 * Carrying catalogued errors across gRPC: the status code comes from the catalogue and the
 * details start with our stable code (`AGREEMENT_REVOKED: …`), so the calling node can report
 * the peer's reason with the same code.
 *
 * What a peer says about why it stopped is its text, not ours: a coded reason goes through
 * `fromPeerCode` (wire/peer-code.ts), any other text through `untrustedText`, before it can be
 * stored as a run's error, served by the API or quoted in an audit entry.
 */
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { MofangError, asMofangError, type ErrorCode } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import { fromPeerCode } from '../wire/peer-code.js';
import { GrpcStatus } from './grpc-status.js';

/** The gRPC status a peer receives with each code of the catalogue (node/errors.ts). */
export const GRPC_STATUS = {
  // Configuration and identity
  CONFIG_INVALID: GrpcStatus.INTERNAL,
  CONFIG_NOT_FOUND: GrpcStatus.INTERNAL,
  IDENTITY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  IDENTITY_INVALID: GrpcStatus.INTERNAL,
  SECRET_FILE_MODE: GrpcStatus.INTERNAL,
  ADDRESS_IN_USE: GrpcStatus.INTERNAL,
  TLS_INVALID: GrpcStatus.INTERNAL,

  // HTTP API
  AUTH_REQUIRED: GrpcStatus.UNAUTHENTICATED,
  FORBIDDEN_ROLE: GrpcStatus.PERMISSION_DENIED,
  REQUEST_INVALID: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  INTERNAL: GrpcStatus.INTERNAL,
  MEDIA_TYPE_UNSUPPORTED: GrpcStatus.INVALID_ARGUMENT,
  TOKEN_FILE_INVALID: GrpcStatus.INTERNAL,
  TOKEN_FILE_LOCKED: GrpcStatus.UNAVAILABLE,
  TOKEN_EXISTS: GrpcStatus.ALREADY_EXISTS,

  // Data import
  IMPORT_BAD_ROW: GrpcStatus.INVALID_ARGUMENT,
  IMPORT_BAD_OPTION: GrpcStatus.INVALID_ARGUMENT,
  IMPORT_FILE_UNREADABLE: GrpcStatus.INVALID_ARGUMENT,
  IMPORT_ENCODING_INVALID: GrpcStatus.INVALID_ARGUMENT,
  IMPORT_PATH_FORBIDDEN: GrpcStatus.PERMISSION_DENIED,
  IDENTIFIER_INVALID: GrpcStatus.INVALID_ARGUMENT,
  DATASET_SUITE_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  DATASET_NOT_FOUND: GrpcStatus.NOT_FOUND,

  // Peers
  PEER_UNKNOWN: GrpcStatus.NOT_FOUND,
  PEER_NOT_PINNED: GrpcStatus.PERMISSION_DENIED,
  PEER_UNREACHABLE: GrpcStatus.UNAVAILABLE,
  PEER_VERSION_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  PEER_MESSAGE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  PEER_REFUSED: GrpcStatus.FAILED_PRECONDITION,
  PEER_SIGNATURE_INVALID: GrpcStatus.UNAUTHENTICATED,
  PEER_RATE_LIMITED: GrpcStatus.RESOURCE_EXHAUSTED,

  // Agreements
  AGREEMENT_NOT_FOUND: GrpcStatus.NOT_FOUND,
  AGREEMENT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  AGREEMENT_NOT_ACCEPTED: GrpcStatus.FAILED_PRECONDITION,
  AGREEMENT_EXPIRED: GrpcStatus.FAILED_PRECONDITION,
  AGREEMENT_REVOKED: GrpcStatus.FAILED_PRECONDITION,
  AGREEMENT_STATE: GrpcStatus.FAILED_PRECONDITION,
  AGREEMENT_CONFLICT: GrpcStatus.ALREADY_EXISTS,
  AGREEMENT_BELOW_POLICY: GrpcStatus.FAILED_PRECONDITION,
  OPERATION_NOT_ALLOWED: GrpcStatus.PERMISSION_DENIED,

  // Queries
  RESULT_BELOW_MINIMUM: GrpcStatus.FAILED_PRECONDITION,
  QUERIER_REIMPORT_LIMIT: GrpcStatus.RESOURCE_EXHAUSTED,
  QUERY_LIMIT_REACHED: GrpcStatus.RESOURCE_EXHAUSTED,
  INPUT_BELOW_MINIMUM: GrpcStatus.FAILED_PRECONDITION,
  LIMIT_EXCEEDED: GrpcStatus.RESOURCE_EXHAUSTED,
  JOB_NOT_FOUND: GrpcStatus.NOT_FOUND,
  JOB_STATE: GrpcStatus.FAILED_PRECONDITION,
  JOB_CANCELLED: GrpcStatus.CANCELLED,
  RUN_NOT_FOUND: GrpcStatus.NOT_FOUND,
  RUN_FAILED: GrpcStatus.ABORTED,
  PRIVACY_BUDGET_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  QUERY_TOO_SIMILAR: GrpcStatus.FAILED_PRECONDITION,

  // Audit
  AUDIT_TAMPERED: GrpcStatus.DATA_LOSS,
  AUDIT_EXPORT_FORMAT: GrpcStatus.INVALID_ARGUMENT,
  AUDIT_RAW_IDENTIFIER: GrpcStatus.INVALID_ARGUMENT,

  // Protocol (raised by pure code in protocols/, mapped here)
  PSI_INPUT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  PSI_POINT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  PSI_STATE: GrpcStatus.FAILED_PRECONDITION,
  DP_INPUT_INVALID: GrpcStatus.INVALID_ARGUMENT,

  // Insight: profiles, segments, layering, flows
  RULE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  SEGMENT_CYCLE: GrpcStatus.INVALID_ARGUMENT,
  INSIGHT_NOT_FOUND: GrpcStatus.NOT_FOUND,
  INSIGHT_EXISTS: GrpcStatus.ALREADY_EXISTS,
  INSIGHT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  HE_OVERFLOW: GrpcStatus.FAILED_PRECONDITION,
  HE_PARAMS_INVALID: GrpcStatus.INVALID_ARGUMENT,
  HE_INPUT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  HE_MESSAGE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  HE_STATE: GrpcStatus.FAILED_PRECONDITION,

  // Decision trees (insight)
  TREE_INPUT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  TREE_MODEL_INVALID: GrpcStatus.INVALID_ARGUMENT,
  TREE_NOT_FOUND: GrpcStatus.NOT_FOUND,

  // Insight: organisation units, scoped access, shared segment sets
  UNIT_NOT_FOUND: GrpcStatus.NOT_FOUND,
  UNIT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  SCOPE_FORBIDDEN: GrpcStatus.PERMISSION_DENIED,
  EVENT_STORE_BUSY: GrpcStatus.UNAVAILABLE,
  NODE_API_UNREACHABLE: GrpcStatus.UNAVAILABLE,
  EVENT_STORE_UNAVAILABLE: GrpcStatus.INTERNAL,
  EVENT_BATCH_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  EVENT_BATCH_REJECTED: GrpcStatus.INVALID_ARGUMENT,
  EVENT_IMPORT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  EVENTS_ID_KIND_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  TRACKING_PLAN_INVALID: GrpcStatus.INVALID_ARGUMENT,
  TRACKING_PLAN_EVENT_UNKNOWN: GrpcStatus.NOT_FOUND,
  TRACKING_PLAN_VERSION_UNKNOWN: GrpcStatus.NOT_FOUND,
  ANALYTICS_MODEL_UNKNOWN: GrpcStatus.NOT_FOUND,
  ANALYTICS_PARAMS_INVALID: GrpcStatus.INVALID_ARGUMENT,
  ANALYTICS_SEGMENT_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  ANALYTICS_SEGMENT_WITHHELD: GrpcStatus.FAILED_PRECONDITION,
  ANALYTICS_TIMEOUT: GrpcStatus.DEADLINE_EXCEEDED,
  METRIC_NOT_FOUND: GrpcStatus.NOT_FOUND,
  METRIC_EXISTS: GrpcStatus.ALREADY_EXISTS,
  METRIC_INVALID: GrpcStatus.INVALID_ARGUMENT,
  ALERT_RULE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALERT_RULE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  WEBHOOK_SECRET_INVALID: GrpcStatus.INTERNAL,
  JOURNEY_INVALID: GrpcStatus.INVALID_ARGUMENT,
  JOURNEY_NOT_FOUND: GrpcStatus.NOT_FOUND,
  JOURNEY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  JOURNEY_VERSION_UNKNOWN: GrpcStatus.NOT_FOUND,
  JOURNEY_STATE_INVALID: GrpcStatus.FAILED_PRECONDITION,
  TEMPLATE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  TEMPLATE_VALUES_INVALID: GrpcStatus.INVALID_ARGUMENT,
  TEMPLATE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  TEMPLATE_EXISTS: GrpcStatus.ALREADY_EXISTS,
  TEMPLATE_VERSION_UNKNOWN: GrpcStatus.NOT_FOUND,
  CONSENT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  CONSENT_BATCH_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  CHANNEL_CONFIG_INVALID: GrpcStatus.INTERNAL,
  CHANNEL_CREDENTIAL_INVALID: GrpcStatus.INTERNAL,
  CHANNEL_TEMPLATE_INVALID: GrpcStatus.INVALID_ARGUMENT,
  CHANNEL_VARIABLE_MISSING: GrpcStatus.INVALID_ARGUMENT,
  REACH_LINK_INVALID: GrpcStatus.INVALID_ARGUMENT,
  REACH_CALLBACK_UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  REACH_CALLBACK_REPLAYED: GrpcStatus.ALREADY_EXISTS,
  REACH_RECEIPT_INVALID: GrpcStatus.INVALID_ARGUMENT,
  REACH_RECEIPT_BATCH_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  REACH_RATE_LIMITED: GrpcStatus.RESOURCE_EXHAUSTED,
  JOURNEY_MIGRATION_INVALID: GrpcStatus.INVALID_ARGUMENT,
  JOURNEY_ENTRY_UNAVAILABLE: GrpcStatus.FAILED_PRECONDITION,
  JOURNEY_ENTRY_NOT_FOUND: GrpcStatus.NOT_FOUND,
} as const satisfies Record<ErrorCode, GrpcStatus>;

export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const e = asMofangError(err);
  return { code: GRPC_STATUS[e.code], details: `${e.code}: ${e.message}` };
}

export function fromGrpcError(peerName: string, err: ServiceError | Error): MofangError {
  const se = err as ServiceError;
  const text = se.details ?? err.message;
  const coded = /^([A-Z][A-Z_]+): (.*)$/s.exec(text);
  if (coded) return fromPeerCode(peerName, coded[1], coded[2]);
  const said = untrustedText(text);
  if (se.code === GrpcStatus.UNAVAILABLE || se.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new MofangError('PEER_UNREACHABLE', `peer ${peerName}: ${said}`, { peer: peerName });
  }
  if (se.code === GrpcStatus.RESOURCE_EXHAUSTED) return new MofangError('LIMIT_EXCEEDED', `peer ${peerName}: ${said}`, { peer: peerName });
  return new MofangError('PEER_REFUSED', `peer ${peerName}: ${said}`, { peer: peerName });
}
