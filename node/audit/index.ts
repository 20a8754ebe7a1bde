export { verifyAudit } from './verify.js';
export { exportAudit } from './export.js';
export { listAudit, countAuditByAction } from './list.js';
