import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../audit/actor.js';
import { AuditLog } from '../../audit/log.js';
import { listAudit } from '../../audit/list.js';
import { openNodeDatabase } from '../../database.js';
import { MofangError } from '../../errors.js';
import { createIdentity } from '../../identity/create-identity.js';
import type { Identity } from '../../identity/identity.js';
import type { Db } from '../../store/db.js';
import { trackingPlanService, type TrackingPlanApi } from './service.js';
import { addPausedDrops, retentionByEvent } from './store.js';

const admin: Actor = { id: 'token:admin-1', role: 'admin' };
const paid = { properties: { amount: { type: 'number', required: true, min: 0 }, channel: { type: 'enum', values: ['app', 'web'] } } };

let root: string;
let identity: Identity;
let db: Db;
let plan: TrackingPlanApi;
let file: string;
let headFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mofang-plan-'));
  identity = await createIdentity(join(root, 'identity'), 'bank-a');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  db?.close();
  const dir = mkdtempSync(join(root, 'node-'));
  file = join(dir, 'mofang.db');
  headFile = join(dir, 'audit-head.json');
  db = openNodeDatabase(file);
  let t = Date.parse('2026-03-01T08:00:00.000Z');
  const now = () => new Date((t += 1000));
  plan = trackingPlanService({ db, audit: new AuditLog(db, identity, { headFile, now }), now });
});

const entries = (action: string) => listAudit(db, { action, limit: 100 });

function codeOf(fn: () => unknown): { code: string; field?: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MofangError);
    return { code: (err as MofangError).code, field: (err as MofangError).details?.field };
  }
  throw new Error('no error');
}

describe('tracking plan versions', () => {
  it('starts at version 0, the empty plan that refuses every event', () => {
    expect(plan.current()).toMatchObject({ version: 0, plan: { undeclared: 'reject', events: {} }, paused: [] });
    expect(plan.validator()('card.paid', {})).toMatchObject({ kind: 'reject', field: 'name' });
    expect(plan.history()).toEqual([]);
  });

  it('makes one version per change, keeps old versions readable, and records who and when', () => {
    expect(plan.putEvent('card.paid', paid, admin)).toEqual({ version: 1, changed: true });
    expect(plan.patchEvent('card.paid', { retentionDays: 30, properties: { channel: null } }, admin)).toEqual({ version: 2, changed: true });
    expect(plan.setPolicy('quarantine', { id: 'cli:alice', role: 'admin' })).toEqual({ version: 3, changed: true });
    expect(plan.removeEvent('card.paid', admin)).toEqual({ version: 4, changed: true });

    expect(plan.version(1).plan.events['card.paid'].properties).toHaveProperty('channel');
    expect(plan.version(2).plan.events['card.paid']).toEqual({ properties: { amount: { type: 'number', required: true, min: 0 } }, retentionDays: 30 });
    expect(plan.current()).toMatchObject({ version: 4, plan: { undeclared: 'quarantine', events: {} } });
    expect(plan.history().map((v) => [v.version, v.actor, v.change])).toEqual([
      [4, 'token:admin-1', { added: [], modified: [], removed: ['card.paid'] }],
      [3, 'cli:alice', { added: [], modified: [], removed: [], undeclared: { from: 'reject', to: 'quarantine' } }],
      [2, 'token:admin-1', { added: [], modified: ['card.paid'], removed: [] }],
      [1, 'token:admin-1', { added: ['card.paid'], modified: [], removed: [] }],
    ]);
    expect(plan.history()[0].createdAt).toMatch(/^2026-03-01T08:00:\d\d\.000Z$/);
    expect(codeOf(() => plan.version(5))).toEqual({ code: 'TRACKING_PLAN_VERSION_UNKNOWN', field: undefined });
  });

  it('makes no version when the content is the same, in whatever order or form it is written', () => {
    const file = { undeclared: 'reject', events: { 'card.paid': paid, 'app.opened': {} } };
    expect(plan.apply(file, admin)).toEqual({ version: 1, changed: true });
    const reordered = {
      events: { 'app.opened': { properties: {} }, 'card.paid': { properties: { channel: paid.properties.channel, amount: paid.properties.amount } } },
    };
    expect(plan.apply(reordered, admin)).toEqual({ version: 1, changed: false });
    expect(plan.putEvent('card.paid', paid, admin)).toEqual({ version: 1, changed: false });
    expect(entries('tracking_plan.changed')).toHaveLength(1);
  });

  it('refuses a change that would make the plan invalid, naming the field, and keeps the version', () => {
    plan.putEvent('card.paid', paid, admin);
    expect(codeOf(() => plan.patchEvent('card.paid', { properties: { amount: { type: 'string' } } }, admin))).toEqual({
      code: 'TRACKING_PLAN_INVALID',
      field: 'events.card.paid.properties.amount.min',
    });
    expect(codeOf(() => plan.putEvent('Card Paid', paid, admin))).toEqual({ code: 'TRACKING_PLAN_INVALID', field: 'event' });
    expect(codeOf(() => plan.apply({ events: { 'card.paid': { properties: { a: { type: 'list' } } } } }, admin))).toEqual({
      code: 'TRACKING_PLAN_INVALID',
      field: 'events.card.paid.properties.a.type',
    });
    expect(codeOf(() => plan.patchEvent('card.refunded', {}, admin))).toMatchObject({ code: 'TRACKING_PLAN_EVENT_UNKNOWN' });
    expect(codeOf(() => plan.removeEvent('card.refunded', admin))).toMatchObject({ code: 'TRACKING_PLAN_EVENT_UNKNOWN' });
    expect(plan.current().version).toBe(1);
    expect(entries('tracking_plan.changed')).toHaveLength(1);
  });

  it('audits each change with the version numbers and event names, never property definitions', () => {
    plan.putEvent('card.paid', paid, admin);
    plan.putEvent('app.opened', {}, admin);
    const [first, second] = entries('tracking_plan.changed');
    expect(first).toMatchObject({ actor: 'token:admin-1', subject: 'tracking-plan', details: { version: 1, previousVersion: 0, added: ['card.paid'] } });
    expect(second.details).toEqual({ version: 2, previousVersion: 1, added: ['app.opened'], modified: [], removed: [] });
    expect(JSON.stringify(first.details)).not.toContain('web');
  });

  it('gives the retention job days per declared event, with the default for the others', () => {
    plan.apply({ events: { 'card.paid': { ...paid, retentionDays: 30 }, 'app.opened': {} } }, admin);
    expect(retentionByEvent(db)).toEqual(
      new Map([
        ['app.opened', 400],
        ['card.paid', 30],
      ]),
    );
    expect(retentionByEvent(db, 90).get('app.opened')).toBe(90);
  });
});

describe('pause and resume', () => {
  beforeEach(() => {
    plan.putEvent('card.paid', paid, admin);
  });

  it('pauses without a new version, answers paused in the validator, and audits both ways once', () => {
    expect(plan.validator()('card.paid', { amount: 1 })).toMatchObject({ kind: 'accept' });
    expect(plan.pause('card.paid', admin)).toEqual({ event: 'card.paid', paused: true, changed: true });
    expect(plan.pause('card.paid', admin)).toEqual({ event: 'card.paid', paused: true, changed: false });
    expect(plan.current()).toMatchObject({ version: 1, paused: ['card.paid'] });
    expect(plan.validator()('card.paid', { amount: 1 })).toEqual({ kind: 'paused' });
    expect(plan.resume('card.paid', admin)).toEqual({ event: 'card.paid', paused: false, changed: true });
    expect(plan.validator()('card.paid', { amount: 1 })).toMatchObject({ kind: 'accept' });
    expect(entries('tracking_plan.event_paused').map((e) => [e.subject, e.details])).toEqual([['card.paid', { event: 'card.paid', version: 1 }]]);
    expect(entries('tracking_plan.event_resumed')).toHaveLength(1);
  });

  it('refuses to pause an event the plan does not declare', () => {
    expect(codeOf(() => plan.pause('card.refunded', admin))).toEqual({ code: 'TRACKING_PLAN_EVENT_UNKNOWN', field: 'event' });
    expect(entries('tracking_plan.event_paused')).toEqual([]);
  });

  it('sees a pause made by another process (the CLI) on the next validator call', () => {
    expect(plan.validator()('card.paid', { amount: 1 })).toMatchObject({ kind: 'accept' });
    const cli = openNodeDatabase(file);
    const other = trackingPlanService({ db: cli, audit: new AuditLog(cli, identity, { headFile }), now: () => new Date() });
    other.pause('card.paid', { id: 'cli:alice', role: 'admin' });
    cli.close();
    expect(plan.validator()('card.paid', { amount: 1 })).toEqual({ kind: 'paused' });
  });

  it('keeps durable drop counts per event, across pause and resume', () => {
    plan.pause('card.paid', admin);
    plan.countPaused(new Map([['card.paid', 3]]));
    addPausedDrops(db, new Map([['card.paid', 2]]));
    plan.resume('card.paid', admin);
    expect(plan.pausedCounts()).toEqual([{ event: 'card.paid', paused: false, pausedAt: null, pausedBy: null, dropped: 5 }]);
    plan.pause('card.paid', admin);
    expect(plan.pausedCounts()).toEqual([{ event: 'card.paid', paused: true, pausedAt: expect.any(String), pausedBy: 'token:admin-1', dropped: 5 }]);
  });

  it('drops the pause of an event the plan removes, so declaring it again starts it running', () => {
    plan.pause('card.paid', admin);
    plan.removeEvent('card.paid', admin);
    plan.putEvent('card.paid', paid, admin);
    expect(plan.current().paused).toEqual([]);
    expect(plan.validator()('card.paid', { amount: 1 })).toMatchObject({ kind: 'accept' });
  });
});
