/**
 * Frequency-control benchmark: how fast the gate decides a journey's send attempts, against the
 * raw SQLite write rate of the same ledger rows measured in the same run.
 *
 * The journey target (issue 13): 10⁶ customers through a 6-node journey in ≤ 60 s with frequency
 * control on. The gate's share is the decisions of its reach nodes; this measures them alone.
 *
 * Workload: `--customers` customers (default 500,000) in the node's default zone
 * (Asia/Shanghai), each attempted on SMS at 10:00 local, on push at 11:00 — or at 22:00, in quiet
 * hours, for one in five — and one in ten again on SMS at 12:00 (over the daily SMS cap of 1).
 * Caps: SMS 1 a day, 3 a week in total; quiet hours 21:00–08:00; email opt-in (not attempted);
 * 1 % of customers opted out of push. Attempts come in batches of `--batch` (default 1000), one
 * transaction each, in random customer order, as the engine would hand them over.
 *
 * Baseline, measured in the same run: the rows the gate wrote — one ledger upsert per send, one
 * record per suppression or wait — written raw into a fresh node database by one prepared
 * statement each, in transactions of the same size: the write the gate cannot avoid.
 *
 * Usage (after the builds; `npm run bench:frequency` does both):
 *   node dist/bench/frequency.js [--customers 500000] [--batch 1000] [--dir DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../node/config/load.js';
import { openNodeDatabase } from '../node/database.js';
import { frequencyRules } from '../node/journeys/frequency/rules.js';
import { writeConsent } from '../node/journeys/frequency/consent-store.js';
import { frequencyGate, type GateDecision, type SendAttempt } from '../node/journeys/frequency/gate.js';
import { thousands } from './format.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const CUSTOMERS = Number(arg('customers') ?? 500_000);
const BATCH = Number(arg('batch') ?? 1000);

/** Deterministic pseudo-random numbers (xorshift32). */
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

const dir = arg('dir') ?? mkdtempSync(join(tmpdir(), 'mofang-bench-frequency-'));
const db = openNodeDatabase(join(dir, 'mofang.db'));
try {
  const config = validateConfig({
    node: { name: 'bank', dataDir: dir },
    identity: { key: 'node.key', certificate: 'node.crt' },
    grpc: { listen: '127.0.0.1:1' },
    http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
    peers: [],
    journeys: {
      frequency: {
        timeZone: 'Asia/Shanghai',
        caps: { total: { week: 3 }, channels: { sms: { day: 1 } } },
        quietHours: { from: '21:00', to: '08:00' },
        consent: { email: 'opt_in' },
      },
    },
  });
  const gate = frequencyGate({ db, rules: frequencyRules(config.journeys.frequency, config.events.timeZone) });
  const id = (i: number) => `+86138${String(i).padStart(8, '0')}`;
  const optOuts = Array.from({ length: Math.floor(CUSTOMERS / 100) }, (_, k) => ({
    customerId: id(k * 100),
    channel: 'push' as const,
    status: 'opted_out' as const,
    source: 'bench',
  }));
  db.transaction(() => writeConsent(db, 'customers', optOuts, 'bench', new Date().toISOString()))();

  // 10:00, 11:00, 12:00 and 22:00 on Tuesday 8 December 2026 in Shanghai (UTC+8).
  const at = (hour: number) => new Date(Date.UTC(2026, 11, 8, hour - 8));
  const order = Array.from({ length: CUSTOMERS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const attempts: SendAttempt[] = [];
  const base = { dataset: 'customers', journeyVersion: 1, priority: 5, transactional: false, onCap: 'skip', onQuiet: 'postpone' } as const;
  for (const i of order) {
    const customerId = id(i);
    attempts.push({ ...base, customerId, channel: 'sms', journeyId: 1, nodeId: 'sms', entryId: i, at: at(10) });
    attempts.push({ ...base, customerId, channel: 'push', journeyId: 1, nodeId: 'push', entryId: i, at: at(rnd() < 0.2 ? 22 : 11) });
    if (rnd() < 0.1) attempts.push({ ...base, customerId, channel: 'sms', journeyId: 2, nodeId: 'again', entryId: i, at: at(12) });
  }

  let started = performance.now();
  const decisions: GateDecision[] = [];
  for (let i = 0; i < attempts.length; i += BATCH) {
    const batch = attempts.slice(i, i + BATCH);
    for (const d of db.transaction(() => gate.decide(batch))()) decisions.push(d);
  }
  const gateMs = performance.now() - started;
  const outcomes = new Map<string, number>();
  for (const d of decisions) {
    const key = d.kind === 'send' ? 'send' : `${d.kind} ${d.reason}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }

  // The baseline: the rows the gate wrote — a ledger upsert per send, a record per suppression or
  // wait — written raw, by one prepared statement each, into a fresh node database.
  const raw = openNodeDatabase(join(dir, 'raw.db'));
  const upsert = raw.prepare(
    'INSERT INTO frequency_ledger (dataset, customer_id, channel, day, sends) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET sends = sends + 1',
  );
  const record = raw.prepare(
    'INSERT INTO frequency_suppressions (journey_id, journey_version, node_id, entry_id, channel, outcome, reason, detail, at, until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const a = attempts[i];
      const d = decisions[i];
      if (d.kind === 'send') upsert.run(a.dataset, a.customerId, a.channel, Math.floor((a.at.getTime() + 8 * 3_600_000) / 86_400_000));
      else record.run(a.journeyId, a.journeyVersion, a.nodeId, a.entryId, a.channel, d.kind, d.reason, d.detail, a.at.toISOString(), null);
    }
  });
  started = performance.now();
  for (let i = 0; i < attempts.length; i += BATCH) write(i, Math.min(i + BATCH, attempts.length));
  const rawMs = performance.now() - started;
  raw.close();

  const perSecond = (ms: number) => (attempts.length / ms) * 1000;
  console.log(
    `frequency gate: ${thousands(attempts.length)} attempts of ${thousands(CUSTOMERS)} customers, batches of ${BATCH}, load ${loadavg()[0].toFixed(1)}`,
  );
  console.log(`  outcomes: ${[...outcomes].map(([k, n]) => `${k} ${thousands(n)}`).join(', ')}`);
  console.log(`  gate:     ${thousands(perSecond(gateMs))} decisions/s (${(gateMs / 1000).toFixed(2)} s)`);
  console.log(`  raw:      ${thousands(perSecond(rawMs))} rows/s, the same ledger upserts and records written raw (${(rawMs / 1000).toFixed(2)} s)`);
  console.log(`  ratio:    gate ÷ raw = ${(rawMs / gateMs).toFixed(2)}`);
  console.log(`  10⁶ decisions take ${(1e6 / perSecond(gateMs)).toFixed(1)} s at this rate`);
} finally {
  db.close();
  if (!arg('dir')) rmSync(dir, { recursive: true, force: true });
}
