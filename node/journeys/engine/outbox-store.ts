/**
 * The outbox table (schema.ts) behind the contract in ../outbox.ts: the engine writes messages in
 * the transaction of the advance that decided them (a key already present is kept, so a replayed
 * advance is harmless); reach claims due ones with a lease, reports outcomes and receipts.
 */
import type { Db } from '../../store/db.js';
import type { DeadLetter, DeadLetterFilter, OutboxMessage, OutboxOutcome, OutboxReader, OutboxWriter, WithheldReason } from '../outbox.js';

/**
 * A paused journey's messages wait for the resume and a stopped journey's are never sent: a claim
 * skips both (the dispatcher ends the stopped ones, and paused ones past the expiry, as withheld).
 * The journeys table is small, so the list is read once per statement.
 */
const RUNNING = "journey NOT IN (SELECT id FROM journeys WHERE status IN ('paused', 'stopped'))";

interface OutboxRow {
  /** The rowid: the order rows were written in. */
  seq: number;
  idempotency_key: string;
  journey: number;
  version: number;
  node: string;
  entry: number;
  dataset: string;
  customer_id: string;
  channel: OutboxMessage['channel'];
  template: string;
  variables: string;
  scheduled_at: string;
  priority: number;
  transactional: number;
  created_at: string;
}

const messageOf = (r: OutboxRow): OutboxMessage => ({
  idempotencyKey: r.idempotency_key,
  journeyId: r.journey,
  journeyVersion: r.version,
  nodeId: r.node,
  entryId: r.entry,
  customer: { dataset: r.dataset, customerId: r.customer_id },
  channel: r.channel,
  template: JSON.parse(r.template) as OutboxMessage['template'],
  variables: JSON.parse(r.variables) as Record<string, string>,
  scheduledAt: r.scheduled_at,
  priority: r.priority,
  transactional: r.transactional === 1,
  createdAt: r.created_at,
});

/** The furthest receipt of a sent message, as reach reports it from the channel. */
type Receipt = 'delivered' | 'opened' | 'clicked';
const RECEIPT_ORDER: Record<Receipt, number> = { delivered: 1, opened: 2, clicked: 3 };

export interface OutboxStore extends OutboxWriter, OutboxReader {
  /** Records a receipt; an earlier (less far) one never replaces a further one. */
  receipt(idempotencyKey: string, result: Receipt, at: Date): void;
  /** The message's status and furthest receipt, or null when the engine never wrote it. */
  resultOf(idempotencyKey: string): { status: string; result: string | null } | null;
}

/** @example const outbox = outboxStore(db, () => new Date()); outbox.write(message); */
export function outboxStore(db: Db, now: () => Date): OutboxStore {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO journey_outbox (idempotency_key, journey, version, node, entry, dataset, customer_id, channel, template, variables,
       scheduled_at, priority, transactional, created_at, updated_at)
     VALUES (@key, @journey, @version, @node, @entry, @dataset, @customer, @channel, @template, @variables, @scheduledAt, @priority, @transactional, @createdAt, @createdAt)`,
  );
  // One statement per claimable status, each read in the index's order and merged here: a single
  // statement with an OR over the statuses sorted every due row on each claim (a claim cost grew
  // with the queue: 200,000 rows drained at a sixth of the rate of 20,000). Ties go by rowid (the
  // order of writing), which ends every index entry: a tie by key made SQLite sort every row
  // sharing a due time — a whole campaign written at one time — before it could take a batch.
  const dueBy = (channels: boolean) =>
    (
      [
        ['pending', ''],
        ['failed', ''],
        ['claimed', 'AND lease_until <= @now'],
      ] as const
    ).map(([status, extra]) =>
      db.prepare(
        `SELECT rowid AS seq, * FROM journey_outbox WHERE status = '${status}' AND scheduled_at <= @now ${extra}
          ${channels ? 'AND channel IN (SELECT value FROM json_each(@channels))' : ''} AND ${RUNNING}
          ORDER BY priority DESC, scheduled_at, rowid LIMIT @limit`,
      ),
    );
  const due = dueBy(false);
  const dueOn = dueBy(true);
  // The few paused or stopped journeys first (CROSS JOIN keeps that order), then their queued rows
  // through migration 23's index: a round's look costs nothing while every journey runs.
  const withheld = db.prepare(
    `SELECT o.*, j.status AS journey_status FROM journeys j CROSS JOIN journey_outbox o
      WHERE j.status IN ('paused', 'stopped') AND o.journey = j.id AND o.status IN ('pending', 'failed', 'claimed')
        AND (o.status <> 'claimed' OR o.lease_until <= @now) AND (j.status = 'stopped' OR o.scheduled_at < @expiredBefore)
      LIMIT @limit`,
  );
  const release = db.prepare(
    "UPDATE journey_outbox SET status = 'pending', lease_until = NULL, updated_at = ? WHERE idempotency_key = ? AND status = 'claimed'",
  );
  const depth = db.prepare(
    `SELECT channel, sum(status IN ('pending', 'claimed', 'failed')) AS queued, sum(status = 'dead') AS dead FROM journey_outbox
      WHERE status IN ('pending', 'claimed', 'failed', 'dead') GROUP BY channel ORDER BY channel`,
  );
  const deadWhere = "status = 'dead' AND (@channel IS NULL OR channel = @channel) AND (@journey IS NULL OR journey = @journey)";
  const deadCount = db.prepare(`SELECT count(*) FROM journey_outbox WHERE ${deadWhere}`).pluck();
  const deadPage = db.prepare(
    `SELECT idempotency_key, journey, version, node, channel, outcome, updated_at FROM journey_outbox WHERE ${deadWhere}
      ORDER BY updated_at DESC, idempotency_key LIMIT @limit OFFSET @offset`,
  );
  const redrive = db.prepare(
    `UPDATE journey_outbox SET status = 'pending', lease_until = NULL, scheduled_at = @now, updated_at = @now
      WHERE ${deadWhere} AND (@key IS NULL OR idempotency_key = @key) RETURNING idempotency_key`,
  );
  // One statement for the batch: a statement per row cost more in calls than in the B-tree.
  const lease = db.prepare(
    "UPDATE journey_outbox SET status = 'claimed', lease_until = ?, updated_at = ? WHERE idempotency_key IN (SELECT value FROM json_each(?))",
  );
  const finish = db.prepare(
    'UPDATE journey_outbox SET status = ?, outcome = ?, scheduled_at = coalesce(?, scheduled_at), lease_until = NULL, updated_at = ? WHERE idempotency_key = ?',
  );
  const receipt = db.prepare(
    `UPDATE journey_outbox SET result = @result, updated_at = @at
      WHERE idempotency_key = @key AND (result IS NULL OR CASE result WHEN 'delivered' THEN 1 WHEN 'opened' THEN 2 ELSE 3 END < @rank)`,
  );
  const result = db.prepare('SELECT status, result FROM journey_outbox WHERE idempotency_key = ?');
  return {
    write(m) {
      return (
        insert.run({
          key: m.idempotencyKey,
          journey: m.journeyId,
          version: m.journeyVersion,
          node: m.nodeId,
          entry: m.entryId,
          dataset: m.customer.dataset,
          customer: m.customer.customerId,
          channel: m.channel,
          template: JSON.stringify(m.template),
          variables: JSON.stringify(m.variables),
          scheduledAt: m.scheduledAt,
          priority: m.priority,
          transactional: m.transactional ? 1 : 0,
          createdAt: m.createdAt,
        }).changes === 1
      );
    },
    claim(limit, at, leaseUntil, channels) {
      return db
        .transaction(() => {
          const now = at.toISOString();
          const params = channels ? { now, limit, channels: JSON.stringify(channels) } : { now, limit };
          const rows = (channels ? dueOn : due)
            .flatMap((statement) => statement.all(params) as OutboxRow[])
            .sort(claimOrder)
            .slice(0, limit);
          if (rows.length > 0) lease.run(leaseUntil.toISOString(), now, JSON.stringify(rows.map((r) => r.idempotency_key)));
          return rows.map(messageOf);
        })
        .immediate();
    },
    withheld(limit, at, expiredBefore) {
      const rows = withheld.all({ limit, now: at.toISOString(), expiredBefore: expiredBefore.toISOString() }) as (OutboxRow & { journey_status: string })[];
      return rows.map((r) => ({ message: messageOf(r), reason: (r.journey_status === 'stopped' ? 'journey_stopped' : 'expired') as WithheldReason }));
    },
    complete(key, outcome: OutboxOutcome) {
      const retryAt = outcome.status === 'failed' ? outcome.retryAt : null;
      finish.run(outcome.status, JSON.stringify(outcome), retryAt, now().toISOString(), key);
    },
    release(keys) {
      const at = now().toISOString();
      db.transaction(() => {
        for (const key of keys) release.run(at, key);
      })();
    },
    queueDepth: () => depth.all() as { channel: OutboxMessage['channel']; queued: number; dead: number }[],
    deadLetters(filter, page) {
      const params = deadParams(filter);
      const rows = deadPage.all({ ...params, limit: page.limit, offset: page.offset }) as DeadRow[];
      return { total: deadCount.get(params) as number, items: rows.map(deadLetterOf) };
    },
    redrive(filter, at) {
      const rows = redrive.all({ ...deadParams(filter), key: filter.idempotencyKey ?? null, now: at.toISOString() }) as { idempotency_key: string }[];
      return rows.map((r) => r.idempotency_key);
    },
    receipt(key, r, at) {
      receipt.run({ key, result: r, rank: RECEIPT_ORDER[r], at: at.toISOString() });
    },
    resultOf: (key) => (result.get(key) as { status: string; result: string | null } | undefined) ?? null,
  };
}

interface DeadRow {
  idempotency_key: string;
  journey: number;
  version: number;
  node: string;
  channel: OutboxMessage['channel'];
  outcome: string | null;
  updated_at: string;
}

const deadParams = (f: DeadLetterFilter) => ({ channel: f.channel ?? null, journey: f.journeyId ?? null });

const deadLetterOf = (r: DeadRow): DeadLetter => {
  const outcome = r.outcome ? (JSON.parse(r.outcome) as { reason?: string }) : {};
  return {
    idempotencyKey: r.idempotency_key,
    journeyId: r.journey,
    journeyVersion: r.version,
    nodeId: r.node,
    channel: r.channel,
    reason: outcome.reason ?? '',
    diedAt: r.updated_at,
  };
};

/** Highest priority first, then the earliest due, then the earliest written: the order a claim hands messages out in. */
const claimOrder = (a: OutboxRow, b: OutboxRow) =>
  b.priority - a.priority || (a.scheduled_at < b.scheduled_at ? -1 : a.scheduled_at > b.scheduled_at ? 1 : 0) || a.seq - b.seq;
