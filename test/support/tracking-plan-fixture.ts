/**
 * A real tracking plan service over a real SQLite file and a real signed audit log, with a clock
 * that ticks one second per call. Used by the tracking plan's service and API tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../node/audit/log.js';
import { openNodeDatabase } from '../../node/database.js';
import { trackingPlanService, type TrackingPlanApi } from '../../node/events/plan/service.js';
import { createIdentity } from '../../node/identity/create-identity.js';
import type { Identity } from '../../node/identity/identity.js';
import type { Db } from '../../node/store/db.js';

export interface TrackingPlanFixture {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  plan: TrackingPlanApi;
  /** Another service over the same file, as a second process (the CLI) would open it. */
  otherProcess(): { plan: TrackingPlanApi; close(): void };
  close(): void;
}

let identity: Promise<Identity> | null = null;
const identityDir = mkdtempSync(join(tmpdir(), 'mofang-plan-identity-'));
process.once('exit', () => rmSync(identityDir, { recursive: true, force: true }));

export async function trackingPlanFixture(): Promise<TrackingPlanFixture> {
  identity ??= createIdentity(join(identityDir, 'identity'), 'bank-a');
  const id = await identity;
  const dir = mkdtempSync(join(tmpdir(), 'mofang-plan-'));
  const file = join(dir, 'mofang.db');
  const headFile = join(dir, 'audit-head.json');
  let t = Date.parse('2026-03-01T08:00:00.000Z');
  const now = () => new Date((t += 1000));
  const open = () => {
    const db = openNodeDatabase(file);
    const audit = new AuditLog(db, id, { headFile, now });
    return { db, audit, plan: trackingPlanService({ db, audit, now }) };
  };
  const { db, audit, plan } = open();
  return {
    db,
    audit,
    now,
    plan,
    otherProcess() {
      const other = open();
      return { plan: other.plan, close: () => other.db.close() };
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
