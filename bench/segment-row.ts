/**
 * The analytics benchmark's segment row: a node database with one profile per possible customer
 * of the generated events (`c0` … `c<customers−1>`, raw identifiers like the events'), and a
 * segment whose rule mixes a profile condition with a behaviour condition, materialised by the
 * node's own Insight service against the generated event store.
 */
import { join } from 'node:path';
import { AuditLog } from '../node/audit/log.js';
import { openNodeDatabase } from '../node/database.js';
import type { EventReader } from '../node/events/store.js';
import { createIdentity } from '../node/identity/create-identity.js';
import { Insight } from '../node/insight/insight.js';
import { period, type EventDataOptions } from './event-data.js';
import { writeProfiles } from './profiles.js';

const TIERS = ['basic', 'bronze', 'silver', 'gold', 'platinum'];

/** Profile condition: a fifth of the customers; behaviour: at least two purchases in the last 30 days. */
export const MIXED_RULE = {
  all: [{ attr: 'tier', op: 'in', values: ['gold', 'platinum'] }, { event: { name: 'purchase', times: { atLeast: 2 }, within: { days: 30 } } }],
};

export interface SegmentBench {
  /** Profiles written and their typed table built, ms (setup, not timed against a target). */
  setupMs: number;
  /** Creates (and so materialises) one more segment with `MIXED_RULE`; its member count. */
  createMixed(): Promise<number>;
  close(): void;
}

/** Deterministic attributes from the customer number (no state, so any row can be drawn alone). */
function profileOf(k: number): Record<string, unknown> {
  const h = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return { tier: TIERS[h % 5], assets: (h >>> 3) % 2_000_000, age: 18 + ((h >>> 7) % 70) };
}

/** @example const bench = await segmentBench(dir, o, () => store); */
export async function segmentBench(dir: string, o: EventDataOptions, reader: () => Promise<EventReader>): Promise<SegmentBench> {
  const started = performance.now();
  const db = openNodeDatabase(join(dir, 'segment-node.db'));
  const identity = await createIdentity(join(dir, 'segment-identity'), 'bench');
  const audit = new AuditLog(db, identity, { headFile: join(dir, 'segment-audit-head.json') });
  // "Now" is the end of the generated period, so "the last 30 days" are its last 30 days.
  const now = new Date(period(o).to);
  const insight = new Insight({ db, audit, now: () => now, events: { reader, identifierKind: 'raw', timeZone: 'UTC' } });
  const actor = { id: 'bench' };
  writeProfiles(db, {
    dataset: 'customers',
    rows: o.customers,
    idColumn: 'customer',
    idKind: 'raw',
    idOf: (k) => `c${k}`,
    columns: [
      ['tier', 'string'],
      ['assets', 'number'],
      ['age', 'number'],
    ],
    profileOf,
  });
  await insight.buildProfiles('customers', actor);
  const setupMs = performance.now() - started;
  let made = 0;
  return {
    setupMs,
    async createMixed() {
      const segment = await insight.createSegment({ name: `mixed-${++made}`, dataset: 'customers', rule: MIXED_RULE }, actor);
      return segment.latest?.size ?? 0;
    },
    close: () => db.close(),
  };
}
