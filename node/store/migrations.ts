/** Ordered schema migrations; each domain contributes the SQL for the tables it owns. */
import { AUDIT_SCHEMA_V1 } from '../audit/schema.js';
import { DATASET_SCHEMA_V1, DATASET_SCHEMA_V3 } from '../datasets/schema.js';
import { AGREEMENT_SCHEMA_V1 } from '../agreements/schema.js';
import { RUN_SCHEMA_V1 } from '../session/schema.js';
import { JOB_SCHEMA_V2 } from '../jobs/schema.js';
import { INSIGHT_SCHEMA_V4 } from '../insight/schema.js';
import { SHARED_SETS_SCHEMA_V7 } from '../insight/shared/schema.js';

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: [AUDIT_SCHEMA_V1, DATASET_SCHEMA_V1, AGREEMENT_SCHEMA_V1, RUN_SCHEMA_V1].join('\n') },
  { version: 2, sql: JOB_SCHEMA_V2 },
  { version: 3, sql: DATASET_SCHEMA_V3 },
  { version: 4, sql: INSIGHT_SCHEMA_V4 },
  { version: 7, sql: SHARED_SETS_SCHEMA_V7 },
];
