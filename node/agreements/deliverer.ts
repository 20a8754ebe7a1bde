/**
 * Tells peers about acceptances and revocations waiting in the outbox (outbox.ts), until each is
 * acknowledged. A running node retries with exponential backoff and jitter, and sooner when the
 * peer shows it is reachable again: an inbound or outbound handshake with it succeeded, or the
 * periodic probe (a handshake that is not counted as an attempt) got an answer. A one-shot CLI
 * command uses `deliver` for its single synchronous try and leaves the rest to the running node,
 * which finds the row in the shared database on its next poll.
 *
 * Failure modes: an unreachable or failing peer leaves the row pending (attempt counted and
 * audited); a peer that refuses for a reason re-sending cannot change (it revoked first, it does
 * not know the agreement, the signature does not verify) turns the row `refused`, audited, with
 * no further attempts. Receivers treat a re-delivery as a no-op, so two processes delivering the
 * same row at once is harmless.
 */
import type { Db } from '../store/db.js';
import { asMofangError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import {
  type BackoffOptions,
  type DeliveryAction,
  type OutboxRow,
  DEFAULT_BACKOFF,
  dueDeliveries,
  getDelivery,
  hastenDeliveries,
  pendingSummary,
  recordDelivered,
  recordFailure,
  retryDelayMs,
} from './outbox.js';
import type { AuditSink } from './store.js';

/** Tuning of a deliverer; every field has a production default. */
export interface DeliveryTuning {
  /** Backoff between counted attempts (default 2 s doubling to 5 min). */
  backoff: Partial<BackoffOptions>;
  /** How often a running node looks for rows another process (the CLI) queued. Default 5 s. */
  pollMs: number;
  /** How often a running node probes peers it still owes a delivery. Default 30 s. */
  probeMs: number;
}

export interface DelivererOptions extends Partial<DeliveryTuning> {
  db: Db;
  audit: AuditSink;
  logger: Logger;
  now: () => Date;
  /** Sends the stored acceptance or revocation of `row` to its peer; resolves with the peer's acknowledged status. */
  send: (row: OutboxRow) => Promise<string>;
  /** A cheap reachability check of a peer (a handshake); resolves true if it answered. */
  probe: (peerNodeId: string) => Promise<boolean>;
  /** Injectable for deterministic tests. */
  random?: () => number;
}

export interface AgreementDeliverer {
  /** One attempt now at a pending delivery (no-op if none is pending); the outcome is recorded. */
  deliver(agreementId: string, action: DeliveryAction): Promise<void>;
  /** The peer answered us or called us: what waits for it is due now. */
  peerReachable(peerNodeId: string): void;
  start(): void;
  stop(): Promise<void>;
}

/** Refusals that re-sending the same signed message cannot change. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AGREEMENT_STATE',
  'AGREEMENT_NOT_FOUND',
  'AGREEMENT_INVALID',
  'AGREEMENT_CONFLICT',
  'PEER_SIGNATURE_INVALID',
  'PEER_MESSAGE_INVALID',
  'OPERATION_NOT_ALLOWED',
]);

/**
 * @example
 * const deliverer = agreementDeliverer({ db, audit, logger, now, send, probe });
 * deliverer.start(); // in `mofang start`
 * await deliverer.stop();
 */
export function agreementDeliverer(opts: DelivererOptions): AgreementDeliverer {
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const pollMs = opts.pollMs ?? 5_000;
  const probeMs = opts.probeMs ?? 30_000;
  const random = opts.random ?? Math.random;
  /** Peers we are talking to right now: their own handshake must not re-trigger us. */
  const inFlight = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let lastProbe = 0;

  /** `report`: log a failure (background retries); a caller's one-shot attempt reports it itself. */
  async function attempt(row: OutboxRow, report = true): Promise<void> {
    inFlight.add(row.peerNodeId);
    try {
      const status = await opts.send(row);
      recordDelivered(opts.db, opts.audit, row, status, opts.now());
    } catch (err) {
      const e = asMofangError(err);
      const now = opts.now();
      const next = FINAL_REFUSALS.has(e.code) ? null : new Date(now.getTime() + retryDelayMs(row.attempts + 1, backoff, random));
      recordFailure(opts.db, opts.audit, row, { code: e.code, message: e.message }, next, now);
      if (report)
        opts.logger.warn(
          { agreementId: row.agreementId, delivery: row.action, code: e.code, nextAttemptAt: next?.toISOString() ?? null },
          'agreement delivery failed',
        );
    } finally {
      inFlight.delete(row.peerNodeId);
    }
  }

  async function probePeers(): Promise<void> {
    if (Date.now() - lastProbe < probeMs) return;
    lastProbe = Date.now();
    for (const peer of pendingSummary(opts.db).peers) {
      if (!running) return;
      if (await opts.probe(peer).catch(() => false)) {
        if (hastenDeliveries(opts.db, peer, opts.now()) > 0) again = true;
      }
    }
  }

  async function round(): Promise<void> {
    do {
      again = false;
      for (const row of dueDeliveries(opts.db, opts.now())) {
        if (!running) return;
        await attempt(row);
      }
      if (running) await probePeers();
    } while (again && running);
  }

  function tick(): void {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    ticking = round()
      .catch((err) => opts.logger.error({ err: asMofangError(err).message }, 'agreement delivery round failed'))
      .finally(() => {
        ticking = null;
        schedule();
      });
  }

  function schedule(): void {
    if (!running) return;
    let delay = Math.min(pollMs, Math.max(0, lastProbe + probeMs - Date.now()));
    try {
      const { earliest } = pendingSummary(opts.db);
      if (earliest) delay = Math.min(delay, Math.max(0, Date.parse(earliest) - opts.now().getTime()));
    } catch {
      // The database is closing; stop() follows.
    }
    timer = setTimeout(tick, Math.max(delay, 50));
    timer.unref();
  }

  return {
    async deliver(agreementId, action) {
      const row = getDelivery(opts.db, agreementId, action);
      if (row?.state === 'pending') await attempt(row, false);
    },
    peerReachable(peerNodeId) {
      if (inFlight.has(peerNodeId)) return;
      // Hasten in the database even in a one-shot process: the running node's next poll picks it up.
      if (hastenDeliveries(opts.db, peerNodeId, opts.now()) > 0) tick();
    },
    start() {
      if (running) return;
      running = true;
      lastProbe = Date.now();
      tick();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await ticking;
    },
  };
}
