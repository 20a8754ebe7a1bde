/**
 * Event commands while the node runs: it holds the event store, so `mofang events import`,
 * `analytics` and `metrics save|evaluate` go through its API with a token minted for the one
 * command — and print what they print when the node is stopped and they act on the store directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MofangNode } from '../node/node.js';
import { createNodes, mofang, peekDb, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const recent = new Date(Date.now() - 3_600_000).toISOString();
const event = (id: string, amount: unknown, channel = 'app') =>
  JSON.stringify({ eventId: id, customerId: `C-${id}`, name: 'card.paid', time: recent, properties: { amount, channel } });

/** As the operator alice: the minted token and the audit entries name her. */
const cli = (...args: string[]) => mofang(bank.config, '--as', 'alice', ...args);
/** The command's output without the time it took (the only thing that differs run to run). */
const untimed = (out: string) => out.replace(/ in \d+ ms/g, ' in … ms').replace(/"tookMs": \d+(\.\d+)?/g, '"tookMs": …');

beforeAll(async () => {
  cluster = await createNodes(['bank']);
  bank = cluster.nodes[0];
  const node = MofangNode.open(bank.config, { quietLogs: true, metrics: false });
  try {
    node.trackingPlan.apply(
      {
        undeclared: 'reject',
        events: { 'card.paid': { properties: { amount: { type: 'number', required: true }, channel: { type: 'string', maxLength: 16 } } } },
      },
      { id: 'cli:test', role: 'admin' },
    );
  } finally {
    node.close();
  }
}, 60_000);
afterAll(() => cluster?.cleanup());

describe('event commands while the node runs', () => {
  const analytics = ['analytics', 'event', '--event', 'card.paid', '--from', day(-2), '--to', day(0), '--params', '{"breakdowns":["channel"]}'];
  const running: Record<string, { code: number | null; out: string; err: string }> = {};

  it('import, analytics, metrics save and evaluate go through the running node, with a token that is gone afterwards', async () => {
    const file = join(cluster.dir, 'paid.jsonl');
    writeFileSync(file, [event('p1', 10), event('p2', 5, 'web'), event('p3', 'SECRET-AMOUNT'), event('p4', 2, 'web')].join('\n'));
    await bank.start();
    try {
      const imported = cli('events', 'import', file);
      expect(imported.err).not.toContain('EVENT_STORE_BUSY');
      expect(imported.code, imported.err).toBe(0);
      expect(imported.out).toContain(`${file}: 4 rows — 3 stored, 0 already stored, 0 quarantined, 0 paused, 1 rejected`);
      expect(imported.out).toContain('line 3: properties.amount: properties.amount must be a finite number');
      expect(imported.out + imported.err).not.toContain('SECRET-AMOUNT');

      // --atomic: refused by the node, shown as the CLI shows its own errors, naming the file as typed.
      const bad = join(cluster.dir, 'bad.jsonl');
      writeFileSync(bad, `${event('a1', 1)}\n{not json\n`);
      const refused = cli('events', 'import', bad, '--atomic');
      expect(refused.code).toBe(1);
      expect(refused.err.split('\n').at(-2)).toBe(`mofang: EVENT_BATCH_REJECTED: 1 of 2 rows of ${bad} were rejected; with --atomic nothing was stored`);

      running.table = cli(...analytics);
      running.json = cli('--json', ...analytics);
      running.unknown = cli('analytics', 'churn');
      running.saved = cli('metrics', 'save', 'paid', '--model', 'event', '--event', 'card.paid', '--scalar', 'total', '--through', 'today');
      running.evaluated = cli('metrics', 'evaluate', 'paid');
      running.evaluatedJson = cli('--json', 'metrics', 'evaluate', 'paid');
      running.changed = cli('--json', 'metrics', 'change', 'paid', '--model', 'event', '--event', 'card.paid', '--scalar', 'customers', '--through', 'today');
      for (const r of [running.table, running.json, running.saved, running.evaluated, running.changed]) expect(r.code, r.err).toBe(0);
      expect(running.table.out).toMatch(/app\s+1\s+1/);
      expect(running.table.out).toMatch(/web\s+2\s+2/);
      expect(JSON.parse(running.json.out).result.total.current).toMatchObject({ count: 3, customers: 3 });
      expect(running.evaluated.out).toContain(`paid v1 ${day(0)}…${day(0)}: 3`);
      expect(running.unknown.code).toBe(1);
      expect(running.unknown.err).toMatch(/^mofang: ANALYTICS_MODEL_UNKNOWN: /);

      // No token in any output; none left live in the token file; each one audited by alice.
      for (const r of [imported, refused, ...Object.values(running)]) expect(r.out + r.err).not.toMatch(/mfg_/);
      const tokens = JSON.parse(readFileSync(join(cluster.dir, 'bank', 'secrets', 'tokens.json'), 'utf8')).tokens as { id: string }[];
      expect(tokens.filter((t) => t.id.startsWith('cli.'))).toEqual([]);
      const minted = peekDb<{ n: number }>(bank, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'token.created' AND actor = 'cli:alice'");
      const revoked = peekDb<{ n: number }>(bank, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'token.revoked' AND actor = 'cli:alice'");
      expect(minted?.n).toBe(9);
      expect(revoked?.n).toBe(9);
      const imports = peekDb<{ actor: string }>(bank, "SELECT actor FROM audit_log WHERE action = 'events.imported'");
      expect(imports?.actor).toBe('cli:alice');
    } finally {
      await bank.kill('SIGTERM');
    }
  }, 120_000);

  it('prints the same when the node is stopped and the commands open the store themselves', () => {
    const table = cli(...analytics);
    expect(table.code, table.err).toBe(0);
    expect(untimed(table.out)).toBe(untimed(running.table.out));
    const json = cli('--json', ...analytics);
    expect(untimed(json.out)).toBe(untimed(running.json.out));
    expect(cli('analytics', 'churn').err).toBe(running.unknown.err);
    const evaluated = cli('metrics', 'evaluate', 'paid');
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.out).toBe(running.evaluated.out.replace('paid v1', 'paid v2'));
    expect(cli('--json', 'metrics', 'evaluate', 'paid').out).toBe(running.evaluatedJson.out.replace('"version": 1', '"version": 2'));
    const changed = cli('--json', 'metrics', 'change', 'paid', '--model', 'event', '--event', 'card.paid', '--scalar', 'customers', '--through', 'today');
    const unstamped = (out: string) => out.replace(/"version": \d+/, '"version": …').replace(/"(createdAt|updatedAt|savedAt)": "[^"]+"/g, '"$1": …');
    expect(unstamped(changed.out)).toBe(unstamped(running.changed.out));
    // What the node stored is in the store: a direct re-import finds every event already there.
    const again = cli('events', 'import', join(cluster.dir, 'paid.jsonl'));
    expect(again.out).toContain('4 rows — 0 stored, 3 already stored');
  }, 60_000);
});
