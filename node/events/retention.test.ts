import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendInput } from '../audit/log.js';
import { retentionJob } from './retention.js';
import { EVENTS_TABLE } from './schema.js';
import { EventStore } from './store.js';

const NOW = new Date('2026-03-01T00:00:00Z');
let store: EventStore | null = null;
afterEach(() => {
  store?.close();
  store = null;
});

async function seeded(): Promise<EventStore> {
  store = await EventStore.open(join(mkdtempSync(join(tmpdir(), 'mofang-retention-')), 'events.duckdb'));
  // Per name: one event 5 days old, one 40 days old, one 500 days old.
  for (const name of ['login', 'card.paid', 'legacy.click']) {
    for (const days of [5, 40, 500]) {
      const time = new Date(NOW.getTime() - days * 86_400_000).toISOString();
      await store.all(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, 'c1', $2, $3::TIMESTAMP, $3::TIMESTAMP, '{}')`, [`${name}-${days}`, name, time]);
    }
  }
  return store;
}

describe('event retention', () => {
  it("deletes each name's events older than its retention (undeclared names: 400 days) in one run, audited with counts per name", async () => {
    const s = await seeded();
    const audit: AppendInput[] = [];
    const job = retentionJob({
      store: async () => s,
      retentionByEvent: () =>
        new Map([
          ['login', 30],
          ['card.paid', 3650],
        ]),
      audit: { append: (e) => audit.push(e) },
      now: () => NOW,
      everyMs: 60_000,
      onError: (err) => {
        throw err;
      },
    });
    expect(await job.runOnce()).toEqual({ login: 2, 'legacy.click': 1 });
    expect((await s.all(`SELECT event_id FROM ${EVENTS_TABLE} ORDER BY event_id`)).map((r) => r.event_id)).toEqual([
      'card.paid-40',
      'card.paid-5',
      'card.paid-500',
      'legacy.click-40',
      'legacy.click-5',
      'login-5',
    ]);
    expect(audit).toEqual([
      { actor: 'system', action: 'events.retention_applied', subject: null, details: { deleted: { login: 2, 'legacy.click': 1 }, total: 3 } },
    ]);
    // Nothing more is due: no deletion, no entry.
    expect(await job.runOnce()).toEqual({});
    expect(audit).toHaveLength(1);
  });
});
