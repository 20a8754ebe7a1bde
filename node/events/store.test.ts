import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from './schema.js';
import { EventStore, type EventStoreLimits } from './store.js';

const opened: EventStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

async function openStore(file: string, limits?: EventStoreLimits): Promise<EventStore> {
  const store = await EventStore.open(file, limits);
  opened.push(store);
  return store;
}

describe('the event store', () => {
  it('creates an owner-only file with the events table, and keeps rows across a reopen', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mofang-events-')), 'data', 'events.duckdb');
    const store = await openStore(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.connection.run(
      `INSERT INTO ${EVENTS_TABLE} VALUES ('e1', 'c1', 'login', TIMESTAMP '2026-01-02 03:04:05', TIMESTAMP '2026-01-02 03:04:06', '{"amount": 12.5}')`,
    );
    opened.pop()?.close();
    const again = await openStore(file);
    expect(await again.all(`SELECT event_id, customer_id, name, time, properties->>$1 AS amount FROM ${EVENTS_TABLE}`, ['amount'])).toEqual([
      { event_id: 'e1', customer_id: 'c1', name: 'login', time: '2026-01-02T03:04:05.000Z', amount: '12.5' },
    ]);
  });

  it('returns integers as numbers and binds positional parameters', async () => {
    const store = await openStore(':memory:');
    expect(await store.all('SELECT count(*) AS n, $1::INTEGER + 1 AS m FROM range(5)', [41])).toEqual([{ n: 5, m: 42 }]);
  });

  it('holds to the memory and thread limits it is opened with', async () => {
    const store = await openStore(':memory:', { memoryLimitMb: 300, threads: 1 });
    expect(await store.all(`SELECT current_setting('memory_limit') AS memory, current_setting('threads') AS threads`)).toEqual([
      { memory: '286.1 MiB', threads: 1 },
    ]);
  });

  it('refuses, with EVENT_STORE_BUSY, a file another process holds open', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mofang-events-')), 'events.duckdb');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(file)}).then(async (i) => { await (await i.connect()).run('SELECT 1'); console.log('open'); setInterval(() => {}, 1000); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      await expect(EventStore.open(file)).rejects.toMatchObject({ code: 'EVENT_STORE_BUSY', details: { file } });
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
