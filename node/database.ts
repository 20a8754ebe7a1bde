/**
 * The node's database: the store opened with every domain's migration steps, in the order that
 * gives each shipped version its exact SQL (version 1: audit, datasets, agreements, runs;
 * version 2: runs, jobs; version 5: runs, jobs, privacy, joint scores; version 12: the tracking plan; 13: alerts; 14: alert deliveries; 15: journeys; 16: the journey engine; 17: frequency control and consent; 18: campaign templates; 19: the reach dispatcher; 20: the reach feedback ledger; 21: the node-kept reach channels; 22: the outbox's provider-id index for receipts). Add a domain's steps here, never a version twice.
 */
import { join } from 'node:path';
import { AGREEMENT_MIGRATIONS } from './agreements/schema.js';
import { ALERT_MIGRATIONS } from './alerts/schema.js';
import { AUDIT_MIGRATIONS } from './audit/schema.js';
import { DATASET_MIGRATIONS } from './datasets/schema.js';
import { TRACKING_PLAN_MIGRATIONS } from './events/plan/schema.js';
import { INSIGHT_MIGRATIONS } from './insight/schema.js';
import { JOB_MIGRATIONS } from './jobs/schema.js';
import { OUTBOX_LOOKUP_MIGRATIONS } from './journeys/engine/outbox-lookup.js';
import { ENGINE_MIGRATIONS } from './journeys/engine/schema.js';
import { FREQUENCY_MIGRATIONS } from './journeys/frequency/schema.js';
import { JOURNEY_MIGRATIONS } from './journeys/schema.js';
import { TEMPLATE_MIGRATIONS } from './journeys/templates/schema.js';
import { PRIVACY_MIGRATIONS } from './privacy/schema.js';
import { LOCAL_CHANNEL_MIGRATIONS } from './reach/local-schema.js';
import { REACH_FEEDBACK_MIGRATIONS } from './reach/feedback-schema.js';
import { REACH_MIGRATIONS } from './reach/schema.js';
import { JOINT_SCORES_MIGRATIONS } from './scores/schema.js';
import { RUN_MIGRATIONS } from './session/schema.js';
import { loadConfig } from './config/load.js';
import { listDatasets } from './datasets/store.js';
import type { DatasetInfo } from './datasets/service.js';
import { openDatabase, type Db } from './store/db.js';
import { combineMigrations } from './store/migrations.js';

export const NODE_MIGRATIONS = combineMigrations(
  AUDIT_MIGRATIONS,
  DATASET_MIGRATIONS,
  AGREEMENT_MIGRATIONS,
  RUN_MIGRATIONS,
  JOB_MIGRATIONS,
  PRIVACY_MIGRATIONS,
  JOINT_SCORES_MIGRATIONS,
  INSIGHT_MIGRATIONS,
  TRACKING_PLAN_MIGRATIONS,
  ALERT_MIGRATIONS,
  JOURNEY_MIGRATIONS,
  ENGINE_MIGRATIONS,
  FREQUENCY_MIGRATIONS,
  TEMPLATE_MIGRATIONS,
  REACH_MIGRATIONS,
  REACH_FEEDBACK_MIGRATIONS,
  LOCAL_CHANNEL_MIGRATIONS,
  OUTBOX_LOOKUP_MIGRATIONS,
);

/** @example const db = openNodeDatabase(join(config.node.dataDir, 'mofang.db')); */
export function openNodeDatabase(file: string): Db {
  return openDatabase(file, NODE_MIGRATIONS);
}

/**
 * The datasets of the node configured in `configFile`, read without building its services (the
 * CLI's `mofang datasets`, which would otherwise pay for loading them).
 */
export function datasetsOf(configFile: string): DatasetInfo[] {
  const db = openNodeDatabase(join(loadConfig(configFile).node.dataDir, 'mofang.db'));
  try {
    return listDatasets(db);
  } finally {
    db.close();
  }
}
