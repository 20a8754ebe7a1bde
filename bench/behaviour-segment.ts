/**
 * Behaviour-segment benchmark, against its target: a segment mixing a profile rule and a behaviour
 * rule materialised in ≤ 10 s (at 10⁷ customers / 10⁸ events). Reports each segment's time as a
 * ratio to one full scan of the event table in the same run (the physical floor of a behaviour
 * condition), and splits it into the event-store part and the SQLite part.
 *
 * Usage (after the builds; `npm run bench:behaviour` does both):
 *   node dist/bench/behaviour-segment.js [--customers 1000000] [--events 10000000] [--dir DIR] [--keep] [--json FILE]
 *
 * Data: customers c00000000… with a tier (5 values) written straight into a dataset generation
 * (as bench/insight.ts does); events generated inside DuckDB with range()/random(): 50 names,
 * uniform over 90 days, a numeric `amount` and a string `channel`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../node/audit/log.js';
import { openNodeDatabase } from '../node/database.js';
import { beginGeneration, publishGeneration } from '../node/datasets/generations.js';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { createIdentity } from '../node/identity/create-identity.js';
import type { BehaviourEvents } from '../node/insight/behaviour/evaluate.js';
import { Insight } from '../node/insight/insight.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const CUSTOMERS = Number(arg('customers') ?? 1e6);
const EVENTS = Number(arg('events') ?? 1e7);
const TARGET_S = 10;
const NOW = new Date('2026-03-01T00:00:00Z');
const TIERS = ['basic', 'bronze', 'silver', 'gold', 'platinum'];
const id = (n: number) => `c${String(n).padStart(8, '0')}`;

const seconds = (ms: number) => Math.round(ms) / 1000;
/** Wall time; and the process's CPU time (all threads), which a loaded machine inflates less. */
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number, number]> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const r = await fn();
  const used = process.cpuUsage(cpu);
  return [r, performance.now() - t, (used.user + used.system) / 1000];
}

async function main(): Promise<void> {
  const dir = arg('dir') ?? mkdtempSync(join(tmpdir(), 'mofang-bench-behaviour-'));
  const db = openNodeDatabase(join(dir, 'node.db'));
  db.pragma('cache_size = -262144');
  const store = await EventStore.open(join(dir, 'events.duckdb'));
  const identity = await createIdentity(join(dir, 'identity'), 'bench');
  const audit = new AuditLog(db, identity, { headFile: join(dir, 'audit-head.json') });
  const events: BehaviourEvents = { reader: async () => store, identifierKind: 'raw', timeZone: 'UTC' };
  const insight = new Insight({ db, audit, now: () => NOW, events });
  const actor = { id: 'bench' };
  const results: Record<string, number> = {};
  try {
    console.log(`behaviour-segment bench: ${CUSTOMERS.toLocaleString()} customers, ${EVENTS.toLocaleString()} events in ${dir}`);
    const [, writeMs] = await timed(() => {
      const generation = beginGeneration(db, 'customers');
      const insert = db.prepare('INSERT INTO records (generation, row, id_norm, point, attrs) VALUES (?, ?, ?, zeroblob(32), ?)');
      const batch = db.transaction((from: number, to: number) => {
        for (let r = from; r < to; r++) insert.run(generation, r + 2, id(r), JSON.stringify({ tier: TIERS[r % TIERS.length], age: 18 + (r % 70) }));
      });
      for (let from = 0; from < CUSTOMERS; from += 100_000) batch(from, Math.min(CUSTOMERS, from + 100_000));
      publishGeneration(db, generation, {
        name: 'customers',
        idColumn: 'id',
        idKind: 'raw',
        idOptions: '{}',
        columns: JSON.stringify([
          { name: 'tier', type: 'string' },
          { name: 'age', type: 'number' },
        ]),
        rowCount: CUSTOMERS,
        rejectedCount: 0,
        sourceSha256: '0'.repeat(64),
        groupSuite: 'bench',
      });
    });
    const [, buildMs] = await timed(() => insight.buildProfiles('customers', actor));
    console.log(`  setup: records ${seconds(writeMs)} s, typed profile table ${seconds(buildMs)} s`);
    const [, eventsMs] = await timed(() =>
      store.connection.run(
        `INSERT INTO ${EVENTS_TABLE}
         SELECT 'e' || i, 'c' || lpad(CAST(CAST(floor(random() * ${CUSTOMERS}) AS BIGINT) AS VARCHAR), 8, '0'), 'ev' || (i % 50),
                TIMESTAMP '2025-12-01' + to_seconds(CAST(floor(random() * 90 * 86400) AS BIGINT)), TIMESTAMP '2026-03-01',
                json_object('amount', round(random() * 1000, 2), 'channel', ['app', 'web', 'branch'][1 + CAST(i % 3 AS INTEGER)])
         FROM range(${EVENTS}) t(i)`,
      ),
    );
    await store.connection.run('CHECKPOINT');
    console.log(`  setup: events generated in DuckDB ${seconds(eventsMs)} s`);

    const [, scanMs, scanCpu] = await timed(() => store.all(`SELECT count(*) AS n, count(DISTINCT customer_id) AS c FROM ${EVENTS_TABLE}`));
    results.fullScanS = seconds(scanMs);
    console.log(`  one full scan (count, distinct customers)            ${seconds(scanMs)} s (cpu ${seconds(scanCpu)} s)`);

    const gold = { attr: 'tier', op: 'in', values: ['gold', 'platinum'] };
    const cases: [string, unknown][] = [
      ['profile AND did ev1 ≥ 2 times in 30 days', { all: [gold, { event: { name: 'ev1', within: { days: 30 }, times: { atLeast: 2 } } }] }],
      [
        'profile AND sum(amount) ≥ 1000 of ev2, channel app',
        {
          all: [
            gold,
            {
              event: {
                name: 'ev2',
                where: [{ property: 'channel', op: 'eq', value: 'app' }],
                aggregate: { fn: 'sum', property: 'amount', op: 'gte', value: 1000 },
              },
            },
          ],
        },
      ],
      ['profile AND did not ev3 in 60 days', { all: [gold, { event: { name: 'ev3', did: false, within: { days: 60 } } }] }],
    ];
    for (const [k, [label, rule]] of cases.entries()) {
      const [segment, ms, cpu] = await timed(() => insight.createSegment({ name: `b${k}`, dataset: 'customers', rule }, actor));
      results[`segment${k}S`] = seconds(ms);
      results[`segment${k}CpuS`] = seconds(cpu);
      const verdict = ms / 1000 <= TARGET_S ? 'met' : 'MISSED';
      console.log(
        `  ${label.padEnd(52)} ${seconds(ms)} s (cpu ${seconds(cpu)} s) = ${(ms / scanMs).toFixed(2)} × scan  (${segment.latest?.size.toLocaleString()} members; target ≤ ${TARGET_S} s: ${verdict})`,
      );
    }
    const report = {
      customers: CUSTOMERS,
      events: EVENTS,
      results,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load: loadavg() },
    };
    const out = arg('json');
    if (out) writeFileSync(out, JSON.stringify(report, null, 2));
  } finally {
    store.close();
    db.close();
    if (!args.includes('--keep') && !arg('dir')) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
