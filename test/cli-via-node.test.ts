/**
 * Event commands while the node runs: it holds the event store, so `mofang events import`,
 * `analytics` and `metrics save|evaluate` go through its API with a token minted for the one
 * command — and print what they print when the node is stopped and they act on the store directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../node/api/tokens.js';
import { bankWithCardPlan, type createNodes, mofangAsync, peekDb, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** An hour ago, but today (UTC): the metric below counts today only, and a run just after midnight must still see the events. */
const recent = new Date(Math.max(Date.now() - 3_600_000, Date.parse(day(0)))).toISOString();
const event = (id: string, amount: unknown, channel = 'app') =>
  JSON.stringify({ eventId: id, customerId: `C-${id}`, name: 'card.paid', time: recent, properties: { amount, channel } });

const tokensFile = () => join(cluster.dir, 'bank', 'secrets', 'tokens.json');
/** As the operator alice (the minted token and the audit entries name her); without blocking this process. */
const cli = (...args: string[]) => mofangAsync(bank.config, '--as', 'alice', ...args);
/** The command's output without the time it took (the only thing that differs run to run). */
const untimed = (out: string) => out.replace(/ in \d+ ms/g, ' in … ms').replace(/"tookMs": \d+(\.\d+)?/g, '"tookMs": …');

beforeAll(async () => {
  ({ cluster, bank } = await bankWithCardPlan());
}, 60_000);
afterAll(() => cluster?.cleanup());

type Output = Awaited<ReturnType<typeof cli>>;
const analytics = ['analytics', 'event', '--event', 'card.paid', '--from', day(-2), '--to', day(0), '--params', '{"breakdowns":["channel"]}'];
const metric = ['--model', 'event', '--event', 'card.paid', '--through', 'today'];
/** What the commands printed while the node ran, to compare with what they print when it is stopped. */
const running: Record<string, Output> = {};

describe('event commands while the node runs', () => {
  beforeAll(() => bank.start(), 60_000);
  afterAll(() => bank.kill('SIGTERM'));

  it('events import sends the file to the node, and reports as on the store itself', async () => {
    const file = join(cluster.dir, 'paid.jsonl');
    writeFileSync(file, [event('p1', 10), event('p2', 5, 'web'), event('p3', 'SECRET-AMOUNT'), event('p4', 2, 'web')].join('\n'));
    const imported = (running.imported = await cli('events', 'import', file));
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toContain(`${file}: 4 rows — 3 stored, 0 already stored, 0 quarantined, 0 paused, 1 rejected`);
    expect(imported.out).toContain('line 3: properties.amount: properties.amount must be a finite number');
    expect(imported.out + imported.err).not.toContain('SECRET-AMOUNT');

    // --atomic: refused by the node, shown as the CLI shows its own errors, naming the file as typed.
    const bad = join(cluster.dir, 'bad.jsonl');
    writeFileSync(bad, `${event('a1', 1)}\n{not json\n`);
    const refused = (running.refused = await cli('events', 'import', bad, '--atomic'));
    expect(refused.code).toBe(1);
    expect(refused.err.split('\n').at(-2)).toBe(`mofang: EVENT_BATCH_REJECTED: 1 of 2 rows of ${bad} were rejected; with --atomic nothing was stored`);
  }, 60_000);

  it('analytics runs the model on the node, as a table and as JSON; an unknown model is the usual error', async () => {
    running.table = await cli(...analytics);
    running.json = await cli('--json', ...analytics);
    running.unknown = await cli('analytics', 'churn');
    running.badParams = await cli(...analytics, '--granularity', 'fortnight');
    for (const r of [running.table, running.json]) expect(r.code, r.err).toBe(0);
    expect(running.table.out).toMatch(/app\s+1\s+1/);
    expect(running.table.out).toMatch(/web\s+2\s+2/);
    expect(JSON.parse(running.json.out).result.total.current).toMatchObject({ count: 3, customers: 3 });
    expect(running.unknown.code).toBe(1);
    expect(running.unknown.err).toMatch(/^mofang: ANALYTICS_MODEL_UNKNOWN: /);
    expect(running.badParams.code).toBe(1);
    expect(running.badParams.err).toMatch(/^mofang: ANALYTICS_PARAMS_INVALID: params: .*granularity/);
  }, 60_000);

  it('metrics save, evaluate and change run the model on the node', async () => {
    // What a killed command leaves (expired, with its actor), and a person's token of the same shape without one.
    const hourAgo = new Date(Date.now() - 3_600_000);
    createToken(tokensFile(), {
      id: 'cli.alice.0123456789ab',
      role: 'operator',
      actor: 'cli:alice',
      now: hourAgo,
      expiresAt: new Date(hourAgo.getTime() + 120_000).toISOString(),
    });
    createToken(tokensFile(), { id: 'cli.bob.0123456789ab', role: 'operator' });
    revokeToken(tokensFile(), 'cli.bob.0123456789ab');
    running.saved = await cli('metrics', 'save', 'paid', ...metric, '--scalar', 'total');
    running.evaluated = await cli('metrics', 'evaluate', 'paid');
    running.evaluatedJson = await cli('--json', 'metrics', 'evaluate', 'paid');
    running.changed = await cli('--json', 'metrics', 'change', 'paid', ...metric, '--scalar', 'customers');
    for (const r of [running.saved, running.evaluated, running.evaluatedJson, running.changed]) expect(r.code, r.err).toBe(0);
    expect(running.evaluated.out).toContain(`paid v1 ${day(0)}…${day(0)}: 3`);
    expect(JSON.parse(running.changed.out)).toMatchObject({ version: 2, scalar: 'customers', createdBy: 'cli:alice', updatedBy: 'cli:alice' });
  }, 60_000);

  it('no token in any output, none left in the token file, each audited by the operator, who is the actor of what the node did', () => {
    for (const r of Object.values(running)) expect(r.out + r.err).not.toMatch(/mfg_/);
    const tokens = JSON.parse(readFileSync(tokensFile(), 'utf8')).tokens as { id: string }[];
    // The left-over minted token went with the next command; the person's revoked one stays.
    expect(tokens.filter((t) => t.id.startsWith('cli.')).map((t) => t.id)).toEqual(['cli.bob.0123456789ab']);
    const count = (action: string) => peekDb<{ n: number }>(bank, 'SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND actor = ?', action, 'cli:alice')?.n;
    // One per command that reached the node; the unknown model and the bad parameter were refused before.
    const reached = Object.keys(running).length - 2;
    expect(count('token.created')).toBe(reached);
    expect(count('token.revoked')).toBe(reached);
    expect(count('events.imported')).toBe(1);
    expect(count('metric.saved')).toBe(1);
  });
});

describe('the same commands when the node is stopped', () => {
  it('analytics and metrics open the store themselves and print the same', async () => {
    const table = await cli(...analytics);
    expect(table.code, table.err).toBe(0);
    expect(untimed(table.out)).toBe(untimed(running.table.out));
    expect(untimed((await cli('--json', ...analytics)).out)).toBe(untimed(running.json.out));
    expect((await cli('analytics', 'churn')).err).toBe(running.unknown.err);
    expect((await cli(...analytics, '--granularity', 'fortnight')).err).toBe(running.badParams.err);
    const evaluated = await cli('metrics', 'evaluate', 'paid');
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.out).toBe(running.evaluated.out.replace('paid v1', 'paid v2'));
    expect((await cli('--json', 'metrics', 'evaluate', 'paid')).out).toBe(running.evaluatedJson.out.replace('"version": 1', '"version": 2'));
    const changed = await cli('--json', 'metrics', 'change', 'paid', ...metric, '--scalar', 'customers');
    const unstamped = (out: string) => out.replace(/"version": \d+/, '"version": …').replace(/"(createdAt|updatedAt)": "[^"]+"/g, '"$1": …');
    expect(unstamped(changed.out)).toBe(unstamped(running.changed.out));
  }, 60_000);

  it('events import finds in the store what the node stored', async () => {
    const again = await cli('events', 'import', join(cluster.dir, 'paid.jsonl'));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('4 rows — 0 stored, 3 already stored');
    const refused = await cli('events', 'import', join(cluster.dir, 'bad.jsonl'), '--atomic');
    expect(refused.err.split('\n').at(-2)).toBe(running.refused.err.split('\n').at(-2));
  }, 60_000);
});
