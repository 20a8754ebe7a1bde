/** Ordered schema migrations; each domain contributes the SQL for the tables it owns. */
import { AUDIT_SCHEMA_V1 } from '../audit/schema.js';
import { DATASET_SCHEMA_V1, DATASET_SCHEMA_V3 } from '../datasets/schema.js';
import { AGREEMENT_OUTBOX_SCHEMA_V9, AGREEMENT_SCHEMA_V1 } from '../agreements/schema.js';
import { INSIGHT_SCHEMA_V4 } from '../insight/schema.js';
import { TREE_SCHEMA_V6 } from '../insight/tree/schema.js';
import { RUN_SCHEMA_V1, RUN_SCHEMA_V5 } from '../session/schema.js';
import { JOB_SCHEMA_V2, JOB_SCHEMA_V5 } from '../jobs/schema.js';
import { PRIVACY_SCHEMA_V5 } from '../privacy/schema.js';
import { JOINT_SCORES_SCHEMA_V5 } from '../scores/schema.js';
import { SHARED_SETS_SCHEMA_V7 } from '../insight/shared/schema.js';
import { FLOW_SCHEDULE_SCHEMA_V8 } from '../insight/flows/schedule.js';

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: [AUDIT_SCHEMA_V1, DATASET_SCHEMA_V1, AGREEMENT_SCHEMA_V1, RUN_SCHEMA_V1].join('\n') },
  { version: 2, sql: JOB_SCHEMA_V2 },
  { version: 3, sql: DATASET_SCHEMA_V3 },
  { version: 4, sql: INSIGHT_SCHEMA_V4 },
  // Version 5: aggregate runs and jobs, the privacy ledger and differencing guard, joint segment scores.
  { version: 5, sql: [RUN_SCHEMA_V5, JOB_SCHEMA_V5, PRIVACY_SCHEMA_V5, JOINT_SCORES_SCHEMA_V5].join('\n') },
  { version: 6, sql: TREE_SCHEMA_V6 },
  { version: 7, sql: SHARED_SETS_SCHEMA_V7 },
  { version: 8, sql: FLOW_SCHEDULE_SCHEMA_V8 },
  { version: 9, sql: AGREEMENT_OUTBOX_SCHEMA_V9 },
];
