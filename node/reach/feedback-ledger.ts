/**
 * The reach feedback ledger behind `ReachFeedback` (feedback.ts): outcomes are checked whole,
 * then recorded in one SQLite transaction with the outbox receipts they advance and one audit
 * entry of counts; the events `mofang.reach.<outcome>` follow in the event store. The two stores
 * commit apart, so a row stays `event_written = 0` until its event is stored: `redrive()` (at
 * start, and before each batch's own events) writes those again. An event's id comes from the key
 * and outcome and its time is the ledger's `at`, so writing it twice stores it once.
 */
import { createHash } from 'node:crypto';
import type { AppendInput } from '../audit/log.js';
import { MofangError } from '../errors.js';
import type { OwnEvent } from '../events/ingest/service.js';
import type { OutboxOrigin } from '../journeys/engine/outbox-origin.js';
import type { Db } from '../store/db.js';
import type { ReachFeedback, ReachOutcome, ReachOutcomeName } from './feedback.js';

const REACH_OUTCOMES: readonly ReachOutcomeName[] = [
  'sent',
  'suppressed',
  'failed',
  'dead',
  'delivered',
  'bounced',
  'opened',
  'clicked',
  'replied',
  'unsubscribed',
  'task_outcome',
];
const RECEIPTS = new Set<ReachOutcomeName>(['delivered', 'opened', 'clicked']);
/** What the channel or the customer answered after a send: each is timed from the send (the receipt-lag metric). */
const ANSWERS = new Set<ReachOutcomeName>(['delivered', 'bounced', 'opened', 'clicked', 'replied']);
const DETAIL = /^[a-z0-9_.:-]{1,64}$/;
const KEY = /^j\d+\.v\d+\.n.+\.e\d+$/;
/** Unwritten rows one re-drive pass writes: bounds its memory; passes repeat until none is left. */
const REDRIVE_BATCH = 5000;

export interface FeedbackLedgerPorts {
  db: Db;
  audit: { append(input: AppendInput): unknown };
  /** The outbox row of a key (journeys/engine/outbox-origin.ts). */
  origin: (key: string) => OutboxOrigin | null;
  /** Advances the outbox row's furthest receipt (journeys/engine/outbox-store.ts). */
  receipt: (key: string, result: 'delivered' | 'opened' | 'clicked', at: Date) => void;
  /** The event store's path for the node's own events (events/ingest/service.ts `storeOwn`). */
  storeEvents: (events: readonly OwnEvent[]) => Promise<unknown>;
  now: () => Date;
  /** Who records: the dispatcher, a receipt callback, staff; audited. */
  actor?: string;
  /** Told when the events could not be written after the ledger committed: the rows wait for the next re-drive. */
  onError?: (err: unknown) => void;
  /** Told, once the batch committed, of each new answer (`ANSWERS`) to a sent message: seconds from the send to the answer's time. */
  receiptLag?: (channel: string, receipt: ReachOutcomeName, seconds: number) => void;
}

export interface FeedbackLedger extends ReachFeedback {
  /** Writes the event of every row whose event is not yet stored; resolves with how many rows it wrote. */
  redrive(): Promise<number>;
  /** Outcomes refused so far because no outbox row has their key. */
  unknownKeys(): number;
}

interface UnwrittenRow {
  key: string;
  outcome: ReachOutcomeName;
  journey: number;
  version: number;
  node: string;
  channel: string;
  at: string;
  detail: string | null;
  value: number | null;
}

/** @example const feedback = feedbackLedger({ db, audit, origin: outboxOrigin(db), receipt: outbox.receipt, storeEvents: ingest.storeOwn, now }); */
export function feedbackLedger(ports: FeedbackLedgerPorts): FeedbackLedger {
  const { db } = ports;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO reach_outcomes (key, outcome, journey, version, node, entry, channel, at, detail, value, recorded_at)
     VALUES (@key, @outcome, @journey, @version, @node, @entry, @channel, @at, @detail, @value, @recordedAt)`,
  );
  const repeat = db.prepare('UPDATE reach_outcomes SET repeats = repeats + 1 WHERE key = ? AND outcome = ?');
  const refuse = db.prepare('INSERT INTO reach_feedback_refused (reason, count) VALUES (?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count');
  const unwritten = db.prepare(
    `SELECT key, outcome, journey, version, node, channel, at, detail, value FROM reach_outcomes WHERE event_written = 0 ORDER BY recorded_at, key LIMIT ${REDRIVE_BATCH}`,
  );
  const written = db.prepare('UPDATE reach_outcomes SET event_written = 1 WHERE key = ? AND outcome = ?');
  // The send's time: the ledger's `sent` row, or the dispatcher's queued report of it when a fast
  // provider's receipt arrives before the dispatcher has handed its outcomes over.
  const sentAt = db
    .prepare(
      `SELECT at FROM reach_outcomes WHERE key = @key AND outcome = 'sent'
        UNION ALL SELECT at FROM reach_feedback_queue WHERE idempotency_key = @key AND outcome = 'sent' LIMIT 1`,
    )
    .pluck();

  const eventOf = (r: UnwrittenRow): OwnEvent | null => {
    const origin = ports.origin(r.key);
    if (!origin) return null; // the outbox row is gone (never, today): nobody to write it for
    return {
      eventId: eventId(r.key, r.outcome),
      customerId: origin.customer.customerId,
      name: `mofang.reach.${r.outcome}`,
      time: new Date(r.at),
      properties: {
        journey: r.journey,
        version: r.version,
        node: r.node,
        channel: r.channel,
        key: r.key,
        ...(r.detail === null ? {} : { detail: r.detail }),
        ...(r.value === null ? {} : { value: r.value }),
      },
    };
  };

  // One pass at a time: two overlapping passes would write the same rows twice (stored once, but
  // told to the journey engine twice).
  let running: Promise<number> = Promise.resolve(0);
  const pass = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const rows = unwritten.all() as UnwrittenRow[];
      if (rows.length === 0) return total;
      const events = rows.map(eventOf);
      await ports.storeEvents(events.filter((e): e is OwnEvent => e !== null));
      db.transaction(() => {
        for (const r of rows) written.run(r.key, r.outcome);
      })();
      total += rows.length;
    }
  };
  const redrive = () => {
    const next = running.catch(() => 0).then(pass);
    running = next;
    return next;
  };

  return {
    redrive,
    unknownKeys: () => (db.prepare("SELECT count FROM reach_feedback_refused WHERE reason = 'unknown_key'").get() as { count: number } | undefined)?.count ?? 0,
    async record(outcomes) {
      outcomes.forEach(checkOutcome);
      const counts = { recorded: 0, repeated: 0, unknown: 0 };
      const byOutcome: Partial<Record<ReachOutcomeName, number>> = {};
      const recordedAt = ports.now().toISOString();
      const lags: { channel: string; receipt: ReachOutcomeName; seconds: number }[] = [];
      db.transaction(() => {
        for (const o of outcomes) {
          const origin = ports.origin(o.key);
          if (!origin) {
            counts.unknown++;
            continue;
          }
          const row = {
            key: o.key,
            outcome: o.outcome,
            journey: origin.journey,
            version: origin.version,
            node: origin.node,
            entry: origin.entry,
            channel: origin.channel,
            at: o.at.toISOString(),
            detail: o.detail ?? null,
            value: o.value ?? null,
            recordedAt,
          };
          if (insert.run(row).changes === 0) {
            repeat.run(o.key, o.outcome);
            counts.repeated++;
            continue;
          }
          counts.recorded++;
          byOutcome[o.outcome] = (byOutcome[o.outcome] ?? 0) + 1;
          if (RECEIPTS.has(o.outcome)) ports.receipt(o.key, o.outcome as 'delivered' | 'opened' | 'clicked', o.at);
          const sent = ports.receiptLag && ANSWERS.has(o.outcome) ? (sentAt.get({ key: o.key }) as string | undefined) : undefined;
          // A provider's clock a little behind ours must not make a negative lag.
          if (sent) lags.push({ channel: origin.channel, receipt: o.outcome, seconds: Math.max(0, (o.at.getTime() - Date.parse(sent)) / 1000) });
        }
        if (counts.unknown > 0) refuse.run('unknown_key', counts.unknown);
        if (counts.recorded + counts.unknown > 0)
          ports.audit.append({
            actor: ports.actor ?? 'system:reach',
            action: 'reach.outcomes_recorded',
            subject: null,
            details: { ...counts, outcomes: byOutcome },
          });
      }).immediate();
      for (const l of lags) ports.receiptLag?.(l.channel, l.receipt, l.seconds);
      // The ledger is durable here: an event store that fails now only delays the events.
      if (counts.recorded > 0) await redrive().catch((err: unknown) => ports.onError?.(err));
      return counts;
    },
  };
}

/** The event's id: the key and outcome, hashed when together they would pass the 128 characters an event id may have. */
function eventId(key: string, outcome: ReachOutcomeName): string {
  const id = `mofang.reach.${outcome}:${key}`;
  return id.length <= 128 ? id : `mofang.reach.${outcome}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function checkOutcome(o: ReachOutcome, index: number): void {
  const bad = (field: string, rule: string): never => {
    throw new MofangError('REACH_OUTCOME_INVALID', `outcomes[${index}].${field} ${rule}; nothing was recorded`, { index, field });
  };
  if (o === null || typeof o !== 'object') bad('outcome', 'must be an object');
  if (typeof o.key !== 'string' || o.key.length > 200 || !KEY.test(o.key)) bad('key', 'must be an outbox key (j<journey>.v<version>.n<node>.e<entry>)');
  if (!REACH_OUTCOMES.includes(o.outcome)) bad('outcome', `must be one of: ${REACH_OUTCOMES.join(', ')}`);
  if (!(o.at instanceof Date) || Number.isNaN(o.at.getTime())) bad('at', 'must be a valid date');
  if (o.detail !== undefined && (typeof o.detail !== 'string' || !DETAIL.test(o.detail))) bad('detail', `must match ${DETAIL.source}`);
  if (o.value !== undefined && (typeof o.value !== 'number' || !Number.isFinite(o.value) || o.value < 0)) bad('value', 'must be a finite number ≥ 0');
}
