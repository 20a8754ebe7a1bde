import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../node/audit/log.js';
import { listAudit } from '../node/audit/list.js';
import { loadConfig } from '../node/config/load.js';
import { openNodeDatabase } from '../node/database.js';
import { loadIdentity } from '../node/identity/identity.js';
import { packageRoot } from '../node/paths.js';
import type { LocalChannelName } from '../node/reach/local-channel.js';
import { localChannels } from '../node/reach/local-channels.js';
import { mofang, mofangAsync, mofangJson } from './support/node-processes.js';

// `mofang calls …` and `mofang tasks …` as an operator runs them, against the built dist/ and a
// real node directory; the test delivers the calls and tasks itself, as the dispatcher would.
describe('mofang calls and mofang tasks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-local-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const init = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
    expect(init.code, init.err).toBe(0);
    writeFileSync(join(dir, 'customers.csv'), 'id,segment\nc1,a\nc2,b\n');
    const r = await mofangAsync(cfg, 'import', join(dir, 'customers.csv'), '--dataset', 'customers', '--id', 'id:raw');
    expect(r.code, r.err).toBe(0);
    const config = loadConfig(cfg);
    const db = openNodeDatabase(join(config.node.dataDir, 'mofang.db'));
    try {
      const audit = new AuditLog(db, loadIdentity(config.identity.key, config.identity.certificate), {
        headFile: join(config.node.dataDir, 'audit-head.json'),
      });
      const local = localChannels({ db, audit, now: () => new Date('2026-03-01T09:00:00Z') });
      const deliver = (channel: LocalChannelName, customerId: string, entry: number, params: Record<string, unknown> = {}) => {
        const r = db.transaction(() =>
          local.channels.get(channel)!.deliver({
            key: `j3.v1.nring.e${entry}`,
            channel,
            customer: { dataset: 'customers', customerId },
            journey: { id: 3, version: 1, node: 'ring' },
            text: `Call ${customerId} about the card, "gold" tier`,
            params,
            at: new Date('2026-03-01T09:00:00Z'),
          }),
        )();
        ids[`${channel}:${customerId}`] = Number((r as { providerId: string }).providerId.split(':')[1]);
      };
      deliver('call', 'c1', 1);
      deliver('call', 'c2', 2, { priority: 8 });
      deliver('branch_task', 'c1', 3, { dueDays: 1 });
    } finally {
      db.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('calls: lists, claims, records an outcome, and exports the list to an owner-only file, audited', async () => {
    expect(mofangJson(cfg, 'calls', 'lists')).toEqual({ lists: [{ list: 'j3.nring', open: 2, claimed: 0, done: 0 }] });
    const claimed = mofangJson(cfg, 'calls', 'claim', 'j3.nring', '--agent', 'agent-1', '--limit', '1');
    expect(claimed.calls).toMatchObject([{ id: ids['call:c2'], status: 'claimed', claimedBy: 'agent-1', phone: null }]);
    const done = mofang(cfg, 'calls', 'outcome', String(ids['call:c2']), 'interested', '--agent', 'agent-1', '--value', '250');
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(/done {4}p8 {2}customers\/c2 {2}- {2}interested/);

    const file = join(dir, 'calls.csv');
    const exported = mofang(cfg, 'calls', 'export', 'j3.nring', '--out', file);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toBe(`${file}: 2 calls\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const csv = readFileSync(file, 'utf8').split('\r\n');
    expect(csv[0]).toBe('call_id,list,dataset,customer_id,priority,status,attempts,outcome,subject,script,created_at');
    expect(csv[1]).toBe(`${ids['call:c2']},j3.nring,customers,c2,8,done,1,interested,,"Call c2 about the card, ""gold"" tier",2026-03-01T09:00:00.000Z`);

    const config = loadConfig(cfg);
    const db = openNodeDatabase(join(config.node.dataDir, 'mofang.db'));
    try {
      const all = listAudit(db, { limit: 100 });
      // The outcome also reached the feedback ledger, which audits its own batches (counts only).
      expect(all.some((e) => e.action === 'reach.outcomes_recorded')).toBe(true);
      const entries = all.filter((e) => e.action.startsWith('reach.') && e.action !== 'reach.outcomes_recorded');
      expect(entries.map((e) => [e.action, e.subject])).toEqual([
        ['reach.calls.claimed', 'j3.nring'],
        ['reach.call.outcome', String(ids['call:c2'])],
        ['reach.calls.exported', 'j3.nring'],
      ]);
      expect(entries.every((e) => e.actor.startsWith('cli:'))).toBe(true);
      expect(JSON.stringify(entries)).not.toMatch(/"c[12]"/);
    } finally {
      db.close();
    }
  });

  it('calls: bad input fails naming the field, and changes nothing', () => {
    const r = mofang(cfg, 'calls', 'outcome', String(ids['call:c1']), 'reached', '--agent', 'agent-1', '--value', 'lots');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('--value: expected a number');
    const unclaimed = mofang(cfg, 'calls', 'outcome', String(ids['call:c1']), 'reached', '--agent', 'agent-1');
    expect(unclaimed.code).not.toBe(0);
    expect(unclaimed.err).toContain('REACH_ITEM_CONFLICT');
    expect(mofangJson(cfg, 'calls', 'list', 'j3.nring', '--status', 'open').calls.map((c: { id: number }) => c.id)).toEqual([ids['call:c1']]);
  });

  it('tasks: lists (the head office fallback marked), takes and closes a task with an outcome', () => {
    const listed = mofang(cfg, 'tasks', 'list');
    expect(listed.code, listed.err).toBe(0);
    // No units are defined on this node: the task belongs to the whole organisation.
    expect(listed.out).toMatch(new RegExp(`^ +${ids['branch_task:c1']} {2}open +due 2026-03-02( OVERDUE)? {2}\\(organisation\\)\\* {2}-`, 'm'));
    expect(mofangJson(cfg, 'tasks', 'update', String(ids['branch_task:c1']), '--status', 'in_progress', '--assignee', 'rm-wang')).toMatchObject({
      status: 'in_progress',
      assignee: 'rm-wang',
    });
    expect(mofangJson(cfg, 'tasks', 'outcome', String(ids['branch_task:c1']), 'sold', '--value', '9000')).toMatchObject({
      status: 'done',
      outcome: 'sold',
      value: 9000,
    });
    const again = mofang(cfg, 'tasks', 'update', String(ids['branch_task:c1']), '--status', 'open');
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('REACH_ITEM_CONFLICT');
  });
});
