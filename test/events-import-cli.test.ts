/**
 * `mofang events import` as an operator runs it (the built dist/): rows named by line, re-runs
 * that store nothing twice, --atomic, and the message when another process holds the store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { bankWithCardPlan, type createNodes, mofang, mofangAsync, type NodeProcess } from './support/node-processes.js';

let cluster: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;

beforeAll(async () => {
  ({ cluster, bank } = await bankWithCardPlan());
}, 60_000);
afterAll(() => cluster?.cleanup());

async function storedIds(): Promise<string[]> {
  const store = await EventStore.open(join(bank.config, '..', 'data', 'events.duckdb'));
  try {
    return (await store.all(`SELECT event_id FROM ${EVENTS_TABLE} ORDER BY event_id`)).map((r) => String(r.event_id));
  } finally {
    store.close();
  }
}

const recent = new Date(Date.now() - 3_600_000).toISOString();

describe('mofang events import', () => {
  it('imports a CSV with prop.<name> columns, names rejected rows by line and field without their values, and a re-run stores nothing twice', async () => {
    const file = join(cluster.dir, 'events.csv');
    writeFileSync(
      file,
      [
        'eventId,customerId,name,time,prop.amount,prop.channel',
        `c1,C-1,card.paid,${recent},12.5,app`,
        `c2,C-2,card.paid,${Date.now() - 7_200_000},7,`,
        `c3,C-3,card.paid,${recent},SECRET-AMOUNT,web`,
        `c4,C-4,card.paid,2001-01-01T00:00:00Z,1,web`,
      ].join('\n'),
    );
    const first = mofang(bank.config, '--json', 'events', 'import', file);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toEqual({
      format: 'csv',
      rows: 4,
      accepted: 2,
      duplicates: 0,
      quarantined: 0,
      paused: 0,
      rejected: 2,
      firstRejected: [
        { line: 4, field: 'properties.amount', reason: 'properties.amount must be a finite number' },
        { line: 5, field: 'time', reason: 'time is more than 400 days in the past' },
      ],
    });
    expect(first.out + first.err).not.toContain('SECRET-AMOUNT');
    const again = mofang(bank.config, 'events', 'import', file, '--max-age-days', '36500');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('4 rows — 1 stored, 2 already stored, 0 quarantined, 0 paused, 1 rejected');
    expect(again.out).toContain('line 4: properties.amount: properties.amount must be a finite number');
    expect(await storedIds()).toEqual(['c1', 'c2', 'c4']);
  });

  it('with --atomic stores nothing from a JSONL file with a bad line, and everything once it is fixed', async () => {
    const file = join(cluster.dir, 'events.jsonl');
    const event = (id: string, amount: unknown) => JSON.stringify({ eventId: id, customerId: 'C-9', name: 'card.paid', time: recent, properties: { amount } });
    writeFileSync(file, `${event('j1', 1)}\n{not json\n${event('j2', 2)}\n`);
    const refused = mofang(bank.config, 'events', 'import', file, '--atomic');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('EVENT_BATCH_REJECTED');
    expect(await storedIds()).not.toContain('j1');
    writeFileSync(file, `${event('j1', 1)}\n${event('j2', 2)}\n`);
    const ok = mofang(bank.config, '--json', 'events', 'import', file, '--atomic');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ rows: 2, accepted: 2, rejected: 0 });
  });

  it('refuses a CSV without a required column, naming it', () => {
    const file = join(cluster.dir, 'no-time.csv');
    writeFileSync(file, 'eventId,customerId,name\ne1,C-1,card.paid\n');
    const r = mofang(bank.config, 'events', 'import', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('EVENT_IMPORT_INVALID');
    expect(r.err).toContain('no time column');
  });

  it('while another process holds the store and no node answers, says so (a running node takes the file instead: cli-via-node.test.ts)', async () => {
    const held = await EventStore.open(join(bank.config, '..', 'data', 'events.duckdb'));
    try {
      const file = join(cluster.dir, 'busy.jsonl');
      writeFileSync(file, `${JSON.stringify({ eventId: 'b1', customerId: 'C-1', name: 'card.paid', time: recent, properties: { amount: 1 } })}\n`);
      const r = await mofangAsync(bank.config, 'events', 'import', file);
      expect(r.code).toBe(1);
      expect(r.err).toContain('EVENT_STORE_BUSY');
      expect(r.err).toContain(`no node answers at ${bank.httpUrl}`);
    } finally {
      held.close();
    }
    expect(await storedIds()).not.toContain('b1');
  }, 60_000);
});
