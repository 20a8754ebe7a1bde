/**
 * The dispatcher part of `npm run bench:reach`: N outbox rows written as the journey engine writes
 * them — each batch decided by the frequency gate (daily caps on, so each send is counted in the
 * ledger) and written through the engine's outbox writer in the same transaction — then drained by
 * the real dispatcher through the webhook adapter to the local HTTP server: claim with a lease,
 * consent re-read, contact looked up, rendered, rate-limited, sent, recorded.
 *
 * One difference from a node, said plainly: the contact is read from a plain table of the bench's
 * own (id → crm id, an index on the id) with the same chunked IN query the profile-table lookup
 * uses, not from a profile table built by a dataset import.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../node/config/load.js';
import { openNodeDatabase } from '../node/database.js';
import { outboxStore } from '../node/journeys/engine/outbox-store.js';
import { sendTimeConsent } from '../node/journeys/frequency/consent-refusal.js';
import { frequencyGate } from '../node/journeys/frequency/gate.js';
import { frequencyRules } from '../node/journeys/frequency/rules.js';
import { idempotencyKey } from '../node/journeys/outbox.js';
import { checkChannels, openChannel } from '../node/reach/channels.js';
import { reachDispatcher } from '../node/reach/dispatcher.js';

export interface DispatchBench {
  messages: number;
  /** Writing the rows through the gate and the outbox writer. */
  writeSeconds: number;
  /** Draining them: claimed to recorded. */
  drainSeconds: number;
  perSecond: number;
  /** The process's CPU per message while draining (dispatcher, SQLite and HTTP client). */
  cpuMicros: number;
  peakRssMiB: number;
}

/** @example await dispatchBench({ url, messages: 100_000, secretEnv: { MOFANG_BENCH_SECRET: secret } }) */
export async function dispatchBench(o: { url: string; messages: number; secret: string; batch: number; concurrency: number }): Promise<DispatchBench> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-bench-dispatch-'));
  const db = openNodeDatabase(join(dir, 'mofang.db'));
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const config = validateConfig({
      node: { name: 'bench', dataDir: dir },
      identity: { key: 'node.key', certificate: 'node.crt' },
      grpc: { listen: '127.0.0.1:1' },
      http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
      peers: [],
      journeys: { frequency: { caps: { total: { day: 5 } } } },
      reach: {
        channels: {
          webhook: {
            contactColumn: 'crm_id',
            endpoint: o.url,
            credentials: { env: 'MOFANG_BENCH_SECRET' },
            rate: 100_000,
            burst: 10_000,
            concurrency: o.concurrency,
          },
        },
        dispatch: { batch: o.batch, concurrency: o.concurrency, leaseMs: 600_000 },
      },
    });
    const rules = frequencyRules(config.journeys.frequency, 'UTC');
    const now = () => new Date();
    const outbox = outboxStore(db, now);
    const gate = frequencyGate({ db, rules });
    db.exec('CREATE TABLE bench_contacts (id_norm TEXT NOT NULL, crm_id TEXT)');
    const contact = db.prepare('INSERT INTO bench_contacts VALUES (?, ?)');
    const t0 = performance.now();
    const WRITE_BATCH = 500;
    for (let start = 0; start < o.messages; start += WRITE_BATCH) {
      db.transaction(() => {
        const at = new Date(Date.now() - 1000);
        const n = Math.min(WRITE_BATCH, o.messages - start);
        const attempts = Array.from({ length: n }, (_, j) => {
          const i = start + j;
          return {
            dataset: 'customers',
            customerId: `c${i}`,
            channel: 'webhook' as const,
            journeyId: 1,
            journeyVersion: 1,
            nodeId: 'hello',
            entryId: i + 1,
            priority: 5,
            transactional: false,
            at,
            onCap: 'skip' as const,
            onQuiet: 'postpone' as const,
          };
        });
        const decisions = gate.decide(attempts);
        attempts.forEach((a, j) => {
          contact.run(a.customerId, `crm-${start + j}`);
          const d = decisions[j];
          if (d.kind !== 'send') return;
          outbox.write({
            idempotencyKey: idempotencyKey(a),
            journeyId: a.journeyId,
            journeyVersion: a.journeyVersion,
            nodeId: a.nodeId,
            entryId: a.entryId,
            customer: { dataset: a.dataset, customerId: a.customerId },
            channel: 'webhook',
            template: { subject: 'A rate for {{profile.first_name}}', body: 'Dear {{profile.first_name}}, {{event.rate}} until {{journey.name}} ends.' },
            variables: { 'profile.first_name': 'Li', 'event.rate': '3.1%', 'journey.name': 'spring-offer' },
            scheduledAt: d.at.toISOString(),
            priority: a.priority,
            transactional: false,
            createdAt: at.toISOString(),
          });
        });
      })();
    }
    db.exec('CREATE INDEX bench_contacts_id ON bench_contacts (id_norm)');
    const writeSeconds = (performance.now() - t0) / 1000;
    // The dispatcher runs as on a node (start, stop); the metrics port says when every row has ended.
    let ended = 0;
    let drained = () => {};
    const all = new Promise<void>((resolve) => (drained = resolve));
    const select = new Map<number, ReturnType<typeof db.prepare<unknown[]>>>();
    const channels = checkChannels(config.reach.channels, { userAgent: 'mofang-bench', env: { MOFANG_BENCH_SECRET: o.secret } }).map(openChannel);
    const dispatcher = reachDispatcher({
      db,
      outbox,
      channels: new Map(channels.map((c) => [c.channel, c])),
      local: new Map(),
      consent: sendTimeConsent(db, rules),
      async contacts(_dataset, _column, ids) {
        const found = new Map<string, string>();
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          let s = select.get(chunk.length);
          if (!s)
            select.set(
              chunk.length,
              (s = db.prepare(`SELECT id_norm, crm_id FROM bench_contacts WHERE id_norm IN (${chunk.map(() => '?').join(', ')})`).raw()),
            );
          for (const [id, v] of s.all(...chunk) as [string, string][]) found.set(id, v);
        }
        return found;
      },
      nodeParams: () => ({}),
      metrics: {
        reachSent() {
          if (++ended === o.messages) drained();
        },
        reachRetried() {},
      },
      config: config.reach.dispatch,
      now,
      logger: { warn: (_o, m) => console.error(m), error: (_o, m) => console.error(m) },
    });
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    dispatcher.start();
    await all;
    const drainSeconds = (performance.now() - t1) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await dispatcher.stop();
    const sent = db.prepare("SELECT count(*) FROM journey_outbox WHERE status = 'sent'").pluck().get() as number;
    if (sent !== o.messages) throw new Error(`${sent} of ${o.messages} messages ended sent`);
    await Promise.all(channels.map((c) => c.adapter.close()));
    return {
      messages: o.messages,
      writeSeconds,
      drainSeconds,
      perSecond: o.messages / drainSeconds,
      cpuMicros: (cpu.user + cpu.system) / o.messages,
      peakRssMiB: peak / 2 ** 20,
    };
  } finally {
    clearInterval(sample);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
