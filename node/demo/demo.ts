/**
 * `mofang demo`: a bank node and a telco node on loopback, each with its own directory,
 * identity, SQLite file and synthetic customers; they pin each other, agree, and run an overlap
 * and an enrich query over gRPC with mutual TLS; the bank saves two candidate segments and scores
 * them with the telco's monthly spend (homomorphic sums with differential-privacy noise). The bank's
 * app then sends customer events through the event SDK, and the bank analyses them (events.ts).
 * Then each node's audit trail is summarised and verified.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '../api/services.js';
import { addPeer } from '../config/add-peer.js';
import { fmtBytes } from '../text/format-units.js';
import { describeCount } from '../text/count-wording.js';
import { progressReporter } from '../datasets/progress.js';
import { MofangError, type ErrorCode } from '../errors.js';
import { initNode } from '../init.js';
import { MofangNode } from '../node.js';
import { freePort } from '../net/free-port.js';
import { packageRoot } from '../paths.js';
import { startNode, type RunningNode } from '../runtime.js';
import { type DemoEventsResult, runDemoEvents } from './events.js';
import { syntheticBankPhone, writeSyntheticPair } from './synthetic.js';

export interface DemoOptions {
  dir: string;
  bankRows: number;
  partnerRows: number;
  overlap: number;
  seed?: number;
  /** Where to print; tests pass a collector. */
  print?: (line: string) => void;
}

export interface DemoResult {
  expectedOverlap: number;
  /** The released overlap count: noisy (the agreement does not allow exact counts), with its 95 % interval. */
  overlapCount: number | null;
  overlapInterval: { low: number; high: number } | null;
  enrichCount: number | null;
  /** Ranked joint segment scores: label, noisy count and mean spend (null when suppressed). */
  scores: { label: string; rank: number | null; count: number | null; meanSpend: number | null }[];
  events: DemoEventsResult;
  auditOk: { bank: boolean; partner: boolean };
}

/** Written into every directory the demo creates; only such a directory may be wiped by a rerun. */
export const DEMO_MARKER = '.mofang-demo';

/**
 * The demo agreements' thresholds. Both apply to the bank's inputs: PSI refuses sets and results
 * below minIntersection, and the score step refuses a segment below minInputSize.
 */
const MIN_INTERSECTION = 100;
const MIN_INPUT_SIZE = 100;
/** The demo's rate limit: a few queries, well under the default policy's maxQueriesPerDay. */
const QUERIES_PER_DAY = 10;
/**
 * The score agreement's minIntersection: every scored segment's matched customers must reach it
 * (not only their union), and the smaller age segment holds about a third of the overlap.
 */
const SCORE_MIN_INTERSECTION = 20;
/** Customers the demo's app sends events for: a few thousand events, a few seconds. */
const EVENT_CUSTOMERS = 1000;
/** The bank's zone: its marketing team's days and weeks are Beijing time. */
const BANK_TIME_ZONE = 'Asia/Shanghai';
/**
 * Smallest bank file whose two age segments (under 40: 22 of the 68 synthetic ages, ≈ 32 %) both
 * reach MIN_INPUT_SIZE: at 500 rows the smaller expects ≈ 162 customers, 6 standard deviations
 * above 100.
 */
export const DEMO_MIN_BANK_ROWS = 500;

/** Refuses sizes the demo's agreements would refuse half-way, naming the minimum. */
function checkDemoSizes(opts: Pick<DemoOptions, 'bankRows' | 'partnerRows' | 'overlap'>): void {
  const minimums = [
    ['bank-rows', opts.bankRows, DEMO_MIN_BANK_ROWS, `each of the two age segments the demo scores needs ${MIN_INPUT_SIZE} customers (aggregate.minInputSize)`],
    ['partner-rows', opts.partnerRows, MIN_INTERSECTION, `the agreement's minIntersection is ${MIN_INTERSECTION}`],
    ['overlap', opts.overlap, MIN_INTERSECTION, `a result below the agreement's minIntersection of ${MIN_INTERSECTION} is withheld`],
  ] as const;
  for (const [flag, value, minimum, why] of minimums) {
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new MofangError('REQUEST_INVALID', `--${flag} ${value}: the demo needs at least ${minimum} (${why})`, { field: flag, minimum });
    }
  }
  if (opts.overlap > Math.min(opts.bankRows, opts.partnerRows)) {
    throw new MofangError('REQUEST_INVALID', `--overlap ${opts.overlap}: cannot exceed --bank-rows or --partner-rows`, { field: 'overlap' });
  }
}

/**
 * Empties `dir` for a new demo run, refusing a directory with content the demo did not create:
 * `--dir ~` must not wipe a home directory. The marker is written first, so a run that dies
 * half-way leaves a directory the next run may clean.
 */
export function prepareDemoDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new MofangError('REQUEST_INVALID', `--dir ${dir}: exists and is not a directory`, { field: 'dir' });
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
      throw new MofangError(
        'REQUEST_INVALID',
        `--dir ${dir}: the directory is not empty and was not created by mofang demo (no ${DEMO_MARKER} file); nothing was deleted — choose an empty or new directory`,
        { field: 'dir' },
      );
    }
    for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), 'Created by `mofang demo`; the next demo run with this --dir deletes everything here.\n');
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const t0 = Date.now();
  const step = (text: string) => print(`\n[${((Date.now() - t0) / 1000).toFixed(1)}s] ${text}`);
  checkDemoSizes(opts);
  prepareDemoDir(opts.dir);
  const seed = opts.seed ?? 20261125;
  const admin: Actor = { id: 'demo:admin', role: 'admin' };
  const operator: Actor = { id: 'demo:operator', role: 'operator' };

  step('Creating two nodes: "bank" and "telco" (identity, certificate, config, SQLite)');
  const [bankGrpc, bankHttp, telcoGrpc, telcoHttp] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const configDir = join(packageRoot(), 'config');
  const bankInit = await initNode({
    dir: join(opts.dir, 'bank'),
    name: 'bank',
    template: join(configDir, 'bank.yaml'),
    grpcListen: `127.0.0.1:${bankGrpc}`,
    httpListen: `127.0.0.1:${bankHttp}`,
    // Events name customers by phone number, like the customers dataset, so the two join.
    events: { identifierKind: 'phone', timeZone: BANK_TIME_ZONE },
  });
  const telcoInit = await initNode({
    dir: join(opts.dir, 'telco'),
    name: 'telco',
    template: join(configDir, 'partner.yaml'),
    grpcListen: `127.0.0.1:${telcoGrpc}`,
    httpListen: `127.0.0.1:${telcoHttp}`,
  });
  print(`  bank  ${bankInit.nodeId}\n  telco ${telcoInit.nodeId}`);
  // Each administrator pins the other's certificate and fingerprint, received out of band.
  addPeer(bankInit.configFile, { name: 'telco', address: `127.0.0.1:${telcoGrpc}`, certificateFile: telcoInit.certificateFile, fingerprint: telcoInit.nodeId });
  addPeer(telcoInit.configFile, { name: 'bank', address: `127.0.0.1:${bankGrpc}`, certificateFile: bankInit.certificateFile, fingerprint: bankInit.nodeId });

  step(`Generating synthetic customers: bank ${opts.bankRows}, telco ${opts.partnerRows}, ${opts.overlap} in common`);
  const data = writeSyntheticPair({
    dir: join(opts.dir, 'data'),
    bankRows: opts.bankRows,
    partnerRows: opts.partnerRows,
    overlap: opts.overlap,
    seed,
  });

  const bank = MofangNode.open(bankInit.configFile, { quietLogs: true });
  const telco = MofangNode.open(telcoInit.configFile, { quietLogs: true });
  const running: RunningNode[] = [];
  try {
    step('Importing (identifiers normalised and hashed to the group once, at import)');
    for (const [node, file, dataset] of [
      [bank, data.bankFile, 'customers'],
      [telco, data.partnerFile, 'subscribers'],
    ] as const) {
      const progress = progressReporter();
      const r = await node.datasets.import({ file, origin: 'operator', dataset, idColumn: 'phone', idKind: 'phone' }, admin, progress.update);
      progress.done();
      print(`  ${node.config.node.name.padEnd(5)} ${dataset}: ${r.imported} imported, ${r.rejected} rejected in ${(r.durationMs / 1000).toFixed(1)} s`);
    }

    step('Starting both nodes (gRPC with mutual TLS and pinned certificates, HTTP API)');
    running.push(await startNode(bank), await startNode(telco));
    print(`  bank  gRPC :${running[0].grpcPort}  HTTP ${running[0].httpUrl}\n  telco gRPC :${running[1].grpcPort}  HTTP ${running[1].httpUrl}`);

    step('The bank proposes an agreement; the telco reviews and accepts it');
    const proposed = await bank.agreements.propose(
      {
        peer: 'telco',
        title: 'joint-audience-q4',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap', 'enrich'],
        shareOverlapWithAcceptor: true,
        minIntersection: MIN_INTERSECTION,
        maxQueriesPerDay: QUERIES_PER_DAY,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        enrichAttribute: 'partner:telco:member',
      },
      admin,
    );
    print(`  proposed ${proposed.id} (status on bank: ${proposed.status}, on telco: ${telco.agreements.get(proposed.id).status})`);
    const accepted = await telco.agreements.accept(proposed.id, admin);
    print(`  accepted (telco: ${accepted.status}, bank: ${bank.agreements.get(proposed.id).status}); both hold both signatures`);

    step('Overlap query: how many bank customers are telco subscribers? (a noisy count, charged to the privacy budget)');
    const overlap = await bank.jobs.runQuery({ operation: 'overlap', agreementId: proposed.id }, operator);
    const released = overlap.count ? describeCount(overlap.count) : `${overlap.resultCount}`;
    const interval = overlap.count?.ci95 ? `, 95 % interval ${overlap.count.ci95.low}…${overlap.count.ci95.high}` : '';
    print(
      `  overlap: ${released}${interval} (planted: ${data.expectedOverlap}); ${overlap.messagesSent + overlap.messagesReceived} messages, ${fmtBytes(overlap.bytesSent)} sent, ${fmtBytes(overlap.bytesReceived)} received`,
    );

    const telcoRun = telco.runs.get(overlap.id);
    const telcoCount = telcoRun.count ? describeCount(telcoRun.count) : `${telcoRun.resultCount}`;

    step('Enrich query: which bank customers are telco subscribers? (bank only; stored as a local attribute)');
    const enrich = await bank.jobs.runQuery({ operation: 'enrich', agreementId: proposed.id }, operator);
    print(
      `  ${enrich.resultCount} customers marked ${enrich.attribute} = true, ${bank.datasets.countJointAttribute('customers', enrich.attribute!, 'false')} = false`,
    );
    print(`  the telco learned: bank set size ${telco.runs.get(enrich.id).peerSize}, membership nothing; overlap: ${telcoCount} (shared by the agreement)`);

    step('Insight: the bank saves two candidate segments of its own customers (rules compiled to SQL)');
    for (const [name, op] of [
      ['under-40', 'lt'],
      ['age-40-plus', 'gte'],
    ] as const) {
      const segment = await bank.insight.createSegment({ name, dataset: 'customers', rule: { attr: 'age', op, value: 40 } }, operator);
      const size = segment.latest?.size ?? 0;
      print(`  ${name.padEnd(12)} age ${op === 'lt' ? '<' : '≥'} 40: ${size} customers`);
      // checkDemoSizes makes this all but impossible; say what to change rather than fail in the job.
      if (size < MIN_INPUT_SIZE) {
        throw new MofangError(
          'REQUEST_INVALID',
          `segment ${name} has ${size} customers; the score agreement needs at least ${MIN_INPUT_SIZE} per segment: raise --bank-rows`,
          { field: 'bank-rows', minimum: MIN_INPUT_SIZE },
        );
      }
    }

    step("Joint segment scores: the telco's monthly spend summed per segment, encrypted (BGV), with noise");
    const spend = await bank.agreements.propose(
      {
        peer: 'telco',
        title: 'segment-scores-q4',
        localDataset: 'customers',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap', 'aggregate'],
        minIntersection: SCORE_MIN_INTERSECTION,
        maxQueriesPerDay: QUERIES_PER_DAY,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        aggregate: {
          columns: [{ column: 'monthly_spend', min: 0, max: 500, scale: 2 }],
          mechanism: 'discrete-laplace',
          epsilonPerQuery: 1,
          budget: { epsilon: 4, periodDays: 30 },
          minGroupSize: 20,
          minInputSize: MIN_INPUT_SIZE,
          maxGroups: 8,
        },
      },
      admin,
    );
    await telco.agreements.accept(spend.id, admin);
    const job = await bank.jobs.wait(
      bank.jobs.submit(
        {
          kind: 'score',
          agreementIds: [spend.id],
          aggregate: { columns: ['monthly_spend'], segments: ['under-40', 'age-40-plus'], score: 'size-x-mean:monthly_spend' },
        },
        operator,
      ).id,
    );
    // Keep the job's own code: wrapped in a plain Error the CLI could only say INTERNAL.
    if (job.status !== 'succeeded')
      throw new MofangError((job.error?.code ?? 'RUN_FAILED') as ErrorCode, `the score job ${job.status}: ${job.error?.message ?? ''}`, { jobId: job.id });
    const set = bank.scores.get(job.result!.scores!);
    const scores = set.groups.map((g) => ({
      label: g.label,
      rank: g.rank ?? null,
      count: g.suppressed ? null : g.count!.value,
      meanSpend: g.suppressed ? null : g.columns[0].mean.value,
    }));
    for (const g of [...set.groups].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))) {
      if (g.suppressed) {
        print(`  ${g.label.padEnd(11)} suppressed (fewer than 20 matched)`);
        continue;
      }
      const mean = g.columns[0].mean;
      print(
        `  #${g.rank} ${g.label.padEnd(11)} matched ≈ ${g.count!.value} [${g.count!.ci95.low}, ${g.count!.ci95.high}], mean spend ≈ ${mean.value.toFixed(2)} [${mean.ci95.low.toFixed(2)}, ${mean.ci95.high.toFixed(2)}] (95 %)`,
      );
    }
    const budget = bank.privacy.budget(spend.id);
    print(`  privacy budget of the agreement: ε ${budget.spent.epsilon} of ${budget.total.epsilon} spent this period; the telco decrypted only blinded totals`);

    step("Events: the bank's app sends what customers do; marketing reads funnels, campaigns and retention");
    const phone = syntheticBankPhone(seed);
    const events = await runDemoEvents({
      httpUrl: running[0].httpUrl,
      tokens: bankInit.tokens,
      customerIds: Array.from({ length: Math.min(opts.bankRows, EVENT_CUSTOMERS) }, (_, i) => phone(i)),
      timeZone: BANK_TIME_ZONE,
      seed,
      print,
    });

    step('Audit trail on both nodes');
    const auditOk = { bank: false, partner: false };
    for (const [label, node] of [
      ['bank', bank],
      ['telco', telco],
    ] as const) {
      const byAction = Object.entries(node.audit.countByAction());
      const total = byAction.reduce((sum, [, n]) => sum + n, 0);
      const report = await node.audit.verify({ withPeers: true });
      auditOk[label === 'bank' ? 'bank' : 'partner'] = report.ok;
      print(`  ${label}: ${total} entries — ${byAction.map(([a, n]) => `${a}×${n}`).join(', ')}`);
      print(
        `  ${label}: verify ${report.ok ? `OK — chain, hashes, signatures, head anchor and ${report.checked.filter((c) => c.includes('from peer')).length} peer-held checkpoint(s)` : `FAILED at ${report.firstBad?.seq}: ${report.firstBad?.reason}`}`,
      );
    }
    step(`Done. Node directories are in ${opts.dir}; try: bin/mofang --config ${join(opts.dir, 'bank', 'mofang.yaml')} audit verify`);
    return {
      expectedOverlap: data.expectedOverlap,
      overlapCount: overlap.resultCount,
      overlapInterval: overlap.count?.ci95 ?? null,
      enrichCount: enrich.resultCount,
      scores,
      events,
      auditOk,
    };
  } finally {
    for (const r of running) await r.stop();
    bank.close();
    telco.close();
  }
}
