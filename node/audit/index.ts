export { AUDIT_SCHEMA_V1 } from './schema.js';
export { AuditLog, type AppendInput, type AuditLogOptions } from './log.js';
export { GENESIS_HASH, type AuditEntry, type AuditRow } from './chain.js';
export type { AuditCheckpoint } from './checkpoint.js';
export { verifyAudit, type VerifyOptions, type VerifyReport } from './verify.js';
export { exportAudit, type AuditExportFormat, type AuditFilter } from './export.js';
export { listAudit, peerCheckpointsOf, LIST_LIMIT_MAX, type ListAuditOptions, countAuditByAction } from './list.js';
export { assertNoRawIdentifiers } from './privacy-guard.js';
