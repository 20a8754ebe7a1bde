import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangAsync, mofangJson } from './support/node-processes.js';
import { webhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'the-bank-and-its-pager-share-this-secret';

// `mofang metrics …` and `mofang alerts …` as an operator runs them, against the built dist/, a
// real node directory with events in its store, and a real webhook receiver.
describe('mofang metrics and alerts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-alerts-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  let receiver: WebhookReceiver;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    receiver = await webhookReceiver(SECRET);
    const init = mofang(
      null,
      'init',
      '--name',
      'bank',
      '--dir',
      join(dir, 'bank'),
      '--template',
      join(packageRoot(), 'config', 'bank.yaml'),
      '--grpc',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
    );
    expect(init.code, init.err).toBe(0);
    writeFileSync(join(dir, 'bank', 'pager.secret'), SECRET, { mode: 0o600 });
    const doc = parseDocument(readFileSync(cfg, 'utf8'));
    doc.setIn(['alerts', 'webhook'], { url: receiver.url, secretFile: './pager.secret', retries: 0 });
    writeFileSync(cfg, doc.toString());
    const store = await EventStore.open(join(dir, 'bank', 'data', 'events.duckdb'));
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    for (let i = 0; i < 4; i++) {
      await store.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, 'signup', $3::TIMESTAMP, $3::TIMESTAMP, '{}')`, [`e${i}`, `c${i}`, now]);
    }
    store.close();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves a metric, adds a rule, evaluates it (posting a signed alert) and shows the history', async () => {
    const saved = mofangJson(cfg, 'metrics', 'save', 'signups', '--model', 'event', '--event', 'signup', '--scalar', 'total', '--through', 'today');
    expect(saved).toMatchObject({ name: 'signups', version: 1, params: { event: 'signup' }, window: { days: 1, through: 'today' } });
    const rule = mofangJson(cfg, 'alerts', 'add', 'signups', '--kind', 'threshold', '--direction', 'above', '--value', '3', '--cooldown', '30');
    expect(rule).toMatchObject({ metric: 'signups', kind: 'threshold', value: 3, cooldownMinutes: 30, enabled: true });
    // Not spawnSync: the receiver in this process must answer while the command waits for it.
    const run = await mofangAsync(cfg, '--json', 'metrics', 'evaluate', 'signups');
    expect(run.code, run.err).toBe(0);
    const evaluated = JSON.parse(run.out);
    expect(evaluated).toMatchObject({ value: 4, period: { from: today, to: today }, rules: [{ rule: rule.id, holds: true, transition: 'fire' }] });
    expect(receiver.received.map((r) => [r.verified, JSON.parse(r.body).status])).toEqual([[true, 'fired']]);
    const history = mofangJson(cfg, 'alerts', 'history', '--metric', 'signups');
    expect(history).toEqual([expect.objectContaining({ kind: 'fired', value: 4, delivery: 'delivered' })]);
    const human = mofang(cfg, 'metrics', 'show', 'signups');
    expect(human.out).toContain('signups');
    expect(human.out).toContain('threshold above 3');
    expect(mofang(cfg, 'alerts', 'disable', String(rule.id)).code).toBe(0);
    expect(mofangJson(cfg, 'alerts', 'list')).toEqual([expect.objectContaining({ id: rule.id, enabled: false })]);
    expect(mofang(cfg, 'alerts', 'remove', String(rule.id)).code).toBe(0);
    expect(mofang(cfg, 'metrics', 'delete', 'signups').code).toBe(0);
    expect(mofangJson(cfg, 'metrics', 'list')).toEqual([]);
  });

  it('names the field of bad input', () => {
    const scalar = mofang(cfg, 'metrics', 'save', 'x', '--model', 'event', '--event', 'signup', '--scalar', 'revenue');
    expect(scalar.code).toBe(1);
    expect(scalar.err).toMatch(/METRIC_INVALID: scalar: the event result has no scalar "revenue"/);
    mofangJson(cfg, 'metrics', 'save', 'y', '--model', 'event', '--event', 'signup', '--scalar', 'total');
    const threshold = mofang(cfg, 'alerts', 'add', 'y', '--kind', 'threshold', '--direction', 'above', '--value', 'lots');
    expect(threshold.err).toMatch(/--value: expected a number/);
    const change = mofang(cfg, 'alerts', 'add', 'y', '--kind', 'change', '--direction', 'above', '--value', '-5');
    expect(change.err).toMatch(/ALERT_RULE_INVALID: value:/);
  });

  it('refuses a webhook that is neither https nor loopback, naming the config key', () => {
    const original = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, original.replace(receiver.url, 'http://alerts.example.com/hook'));
    try {
      const r = mofang(cfg, 'metrics', 'list');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/CONFIG_INVALID: alerts\.webhook\.url: must be an https URL/);
    } finally {
      writeFileSync(cfg, original);
    }
  });
});
