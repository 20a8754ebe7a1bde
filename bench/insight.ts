/**
 * Insight benchmark (targets, on N synthetic profiles with 20 attributes):
 * - materialise a 3-condition segment: < 10 s at 10⁷;
 * - a two-level 5 × 5 layering with one metric: < 20 s at 10⁷;
 * - the flow matrix between two snapshots of 10 segments: < 20 s at 10⁷ (snapshots timed apart).
 * Setup (not targets, reported): writing the records, building the typed profile table.
 *
 * Usage (after the builds; `npm run bench:insight` does both):
 *   node dist/bench/insight.js [--rows 1000000] [--dir DIR] [--keep] [--json FILE]
 *
 * Records are written straight into a new generation (no CSV, no hash-to-group pass: the points
 * are irrelevant here) and published like an import.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../node/audit/log.js';
import { createIdentity } from '../node/identity/create-identity.js';
import { Insight } from '../node/insight/insight.js';
import { openNodeDatabase } from '../node/database.js';
import { writeProfiles } from './profiles.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? 1e6);
const TARGETS = { segmentS: 10, layeringS: 20, matrixS: 20 };
const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T00:00:00Z');

/** Deterministic pseudo-random numbers (xorshift32). */
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
const REGIONS = Array.from({ length: 30 }, (_, i) => `region-${i}`);
const TIERS = ['basic', 'bronze', 'silver', 'gold', 'platinum'];
const CHANNELS = ['branch', 'app', 'web', 'phone'];
const CODES = Array.from({ length: 50 }, (_, i) => `c${i}`);
const COLUMNS = [
  ['age', 'number'],
  ['income', 'number'],
  ['assets', 'number'],
  ['balance', 'number'],
  ['tenure_months', 'number'],
  ['txn_30d', 'number'],
  ['score', 'number'],
  ['products', 'number'],
  ['region', 'string'],
  ['tier', 'string'],
  ['channel', 'string'],
  ['gender', 'string'],
  ['code', 'string'],
  ['is_active', 'boolean'],
  ['has_loan', 'boolean'],
  ['has_card', 'boolean'],
  ['churned', 'boolean'],
  ['opened', 'date'],
  ['last_txn', 'date'],
  ['birthday', 'date'],
] as const;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function profile(): Record<string, unknown> {
  const age = 18 + Math.floor(rnd() * 70);
  return {
    age,
    income: Math.round(rnd() * 200_000),
    assets: Math.round(rnd() ** 2 * 2_000_000),
    balance: Math.round(rnd() * 100_000),
    tenure_months: Math.floor(rnd() * 240),
    txn_30d: Math.floor(rnd() * 60),
    score: Math.round(rnd() * 1000) / 10,
    products: Math.floor(rnd() * 6),
    region: pick(REGIONS),
    tier: pick(TIERS),
    channel: pick(CHANNELS),
    gender: rnd() < 0.5 ? 'f' : 'm',
    code: pick(CODES),
    is_active: rnd() < 0.7,
    has_loan: rnd() < 0.3,
    has_card: rnd() < 0.6,
    churned: rnd() < 0.1,
    opened: isoDay(NOW - Math.floor(rnd() * 3650) * DAY),
    last_txn: rnd() < 0.05 ? null : isoDay(NOW - Math.floor(rnd() * 120) * DAY),
    birthday: isoDay(NOW - age * 365 * DAY - Math.floor(rnd() * 365) * DAY),
  };
}

const seconds = (ms: number) => Math.round(ms) / 1000;
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function main(): Promise<void> {
  const dir = arg('dir') ?? mkdtempSync(join(tmpdir(), 'mofang-bench-insight-'));
  const db = openNodeDatabase(join(dir, 'node.db'));
  db.pragma('cache_size = -262144');
  const identity = await createIdentity(join(dir, 'identity'), 'bench');
  const audit = new AuditLog(db, identity, { headFile: join(dir, 'audit-head.json') });
  let now = new Date(NOW);
  const insight = new Insight({ db, audit, now: () => now });
  const actor = { id: 'bench' };
  const results: Record<string, number> = {};
  try {
    console.log(`insight bench: ${ROWS.toLocaleString()} profiles × ${COLUMNS.length} attributes in ${dir}`);
    const [, writeMs] = await timed(() =>
      writeProfiles(db, {
        dataset: 'customers',
        rows: ROWS,
        idColumn: 'phone',
        idKind: 'phone',
        idOf: (r) => `+86139${String(r).padStart(8, '0')}`,
        columns: COLUMNS,
        profileOf: profile,
      }),
    );
    results.writeRecordsS = seconds(writeMs);
    console.log(`  setup: records written            ${seconds(writeMs)} s`);
    const [, buildMs] = await timed(() => insight.buildProfiles('customers', actor));
    results.buildProfilesS = seconds(buildMs);
    console.log(`  setup: typed profile table built  ${seconds(buildMs)} s`);

    const rule = {
      all: [
        { attr: 'tier', op: 'in', values: ['gold', 'platinum'] },
        { attr: 'assets', op: 'gte', value: 500_000 },
        { attr: 'last_txn', op: 'withinLast', days: 30 },
      ],
    };
    const [segment, segmentMs] = await timed(() => insight.createSegment({ name: 'affluent-active', dataset: 'customers', rule }, actor));
    results.segmentS = seconds(segmentMs);
    console.log(
      `  materialise 3-condition segment   ${seconds(segmentMs)} s  (${segment.latest?.size.toLocaleString()} members; target < ${TARGETS.segmentS} s at 10⁷)`,
    );

    const spec = {
      root: { split: { attr: 'tier', by: 'values' as const }, each: { split: { attr: 'age', by: 'bands' as const, edges: [30, 40, 50, 60] } } },
      metrics: [{ fn: 'mean' as const, attr: 'assets' }],
    };
    const [layering, layeringMs] = await timed(() => insight.computeLayering('customers', spec));
    results.layeringS = seconds(layeringMs);
    console.log(`  layering 5 × 5, one metric        ${seconds(layeringMs)} s  (${layering.leaves} leaf cells; target < ${TARGETS.layeringS} s at 10⁷)`);

    const segRules = [
      { attr: 'tier', op: 'eq', value: 'platinum' },
      { attr: 'tier', op: 'eq', value: 'gold' },
      { attr: 'assets', op: 'gte', value: 1_000_000 },
      { attr: 'last_txn', op: 'withinLast', days: 7 },
      { attr: 'last_txn', op: 'withinLast', days: 30 },
      { attr: 'has_loan', op: 'eq', value: true },
      { attr: 'txn_30d', op: 'gte', value: 30 },
      { attr: 'channel', op: 'eq', value: 'app' },
      { attr: 'age', op: 'lt', value: 30 },
      { attr: 'is_active', op: 'eq', value: true },
    ];
    const [, segmentsMs] = await timed(async () => {
      for (const [k, r] of segRules.entries()) await insight.createSegment({ name: `s${k}`, dataset: 'customers', rule: r }, actor);
    });
    console.log(`  setup: 10 flow segments saved     ${seconds(segmentsMs)} s`);
    insight.createFlow({ name: 'ten', dataset: 'customers', source: { segments: segRules.map((_, k) => `s${k}`) } }, actor);
    const [, snapAMs] = await timed(() => insight.takeSnapshot('ten', '2026-03', actor));
    now = new Date(NOW + 31 * DAY); // relative-date segments move customers
    const [, snapBMs] = await timed(() => insight.takeSnapshot('ten', '2026-04', actor));
    results.snapshotS = seconds(Math.max(snapAMs, snapBMs));
    console.log(`  snapshot of 10 segments           ${seconds(snapAMs)} s, ${seconds(snapBMs)} s`);
    const [matrix, matrixMs] = await timed(() => insight.transitionMatrix('ten', '2026-03', '2026-04'));
    results.matrixS = seconds(matrixMs);
    results.matrixWithSnapshotsS = seconds(matrixMs + snapAMs + snapBMs);
    console.log(
      `  transition matrix 11 × 11         ${seconds(matrixMs)} s  (with both snapshots ${results.matrixWithSnapshotsS} s; target < ${TARGETS.matrixS} s at 10⁷)`,
    );
    const moved = matrix.counts.reduce((s, row, i) => s + row.reduce((t, c, j) => t + (i === j ? 0 : c), 0), 0);
    console.log(`    ${moved.toLocaleString()} customers changed category`);
    const report = {
      rows: ROWS,
      attributes: COLUMNS.length,
      results,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load: loadavg() },
    };
    const out = arg('json');
    if (out) writeFileSync(out, JSON.stringify(report, null, 2));
  } finally {
    db.close();
    if (!args.includes('--keep') && !arg('dir')) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
