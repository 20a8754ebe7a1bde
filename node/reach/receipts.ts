/**
 * Providers' status callbacks (`POST /v1/reach/receipts/:channel`): SMS, push, WeChat and webhook
 * delivery reports, and e-mail bounces from the relay's bounce processor. A callback is trusted only
 * when its `Mofang-Signature` (adapters/channels/signature.ts) verifies with the channel's
 * `callbackSecret` and its timestamp is within the tolerance; a signature already accepted within
 * that window is a replay and refused. The body is one receipt or an array of them:
 * `{ key | providerId, status, at, bounce?, code?, reason? }`, checked whole (errors name the receipt
 * and the field) before anything is recorded. A receipt whose message the node does not know is
 * counted, not an error: providers report on messages of other senders too.
 *
 * Provider text (`reason`) is accepted and never stored: an outcome's detail holds only our short
 * codes (`hard`, `soft`, the provider's status code lower-cased). A hard e-mail bounce also opts the
 * customer out of e-mail (opt-out.ts), so the address is not mailed again.
 */
import type { ProviderChannel } from '../../adapters/channels/channel.js';
import { verifySignature } from '../../adapters/channels/signature.js';
import type { AuditLog } from '../audit/log.js';
import { MofangError } from '../errors.js';
import type { OutboxLookup, OutboxTarget } from '../journeys/engine/outbox-lookup.js';
import type { Db } from '../store/db.js';
import type { ReachFeedback, ReachOutcome } from './feedback.js';
import { optOutOfEmail } from './opt-out.js';

const RECEIPT_STATUSES = ['delivered', 'failed', 'bounced', 'opened', 'clicked', 'replied'] as const;
type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];
const PROVIDER_CHANNELS: readonly string[] = ['sms', 'email', 'push', 'wechat', 'webhook'] satisfies ProviderChannel[];
const FIELDS = new Set(['key', 'providerId', 'status', 'at', 'bounce', 'code', 'reason']);
const KEY = /^j\d{1,12}\.v\d{1,6}\.n[^\s]{1,128}\.e\d{1,15}$/;
const CODE = /^[A-Za-z0-9_.:-]{1,32}$/;
/** Seen signatures kept at most; past it the expired go, then the oldest. */
const MAX_SEEN = 100_000;

export interface ReceiptPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  outbox: OutboxLookup;
  feedback: ReachFeedback;
  /** The configured provider channels and their callback secrets (absent: that channel's callbacks are refused). */
  channels: ReadonlyMap<ProviderChannel, string | undefined>;
  toleranceSeconds: number;
  maxBatch: number;
}

interface ReceiptResult {
  received: number;
  recorded: number;
  repeated: number;
  unknown: number;
}

export interface ReachReceipts {
  /** Verifies, checks and records one callback; `body` is the request body exactly as received. */
  receive(channel: string, signatureHeader: string | undefined, body: string): Promise<ReceiptResult>;
}

interface Receipt {
  ref: { key: string } | { providerId: string };
  status: ReceiptStatus;
  at: Date;
  detail?: string;
  hard: boolean;
}

/** @example const receipts = reachReceipts(ports); await receipts.receive('sms', request.headers['mofang-signature'], rawBody); */
export function reachReceipts(ports: ReceiptPorts): ReachReceipts {
  const seen = new Map<string, number>();

  const remember = (id: string, until: number, now: number) => {
    if (seen.size >= MAX_SEEN) {
      for (const [k, t] of seen) if (t <= now) seen.delete(k);
      for (const k of seen.keys()) {
        if (seen.size < MAX_SEEN) break;
        seen.delete(k);
      }
    }
    seen.set(id, until);
  };

  const authenticate = (channel: string, header: string | undefined, body: string): string => {
    if (!PROVIDER_CHANNELS.includes(channel) || !ports.channels.has(channel as ProviderChannel)) {
      throw new MofangError('NOT_FOUND', `channel: ${channel.slice(0, 32)} is not a configured provider channel (sms, email, push, wechat, webhook)`, {
        field: 'channel',
      });
    }
    const secret = ports.channels.get(channel as ProviderChannel);
    const unauthenticated = (why: string) => new MofangError('REACH_CALLBACK_UNAUTHENTICATED', `Mofang-Signature: ${why}`, { channel });
    if (secret === undefined) throw unauthenticated(`reach.channels.${channel}.callbackSecret is not configured, so its callbacks are refused`);
    const nowMs = ports.now().getTime();
    const check = verifySignature(secret, header, body, nowMs / 1000, ports.toleranceSeconds);
    if (!check.ok) {
      throw unauthenticated(
        check.why === 'malformed'
          ? 'missing or malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">'
          : check.why === 'stale'
            ? `the timestamp is more than ${ports.toleranceSeconds} s from the node's clock`
            : "does not verify with the channel's callbackSecret",
      );
    }
    const id = `${channel}:${check.v1}`;
    if ((seen.get(id) ?? 0) > nowMs) {
      throw new MofangError('REACH_CALLBACK_REPLAYED', 'Mofang-Signature: this signed callback was already received', { channel });
    }
    return id;
  };

  const target = (channel: string, r: Receipt): OutboxTarget | null => {
    const found = 'key' in r.ref ? ports.outbox.byKey(r.ref.key) : ports.outbox.byProviderId(channel as ProviderChannel, r.ref.providerId);
    // A provider reports on its own channel's messages only.
    return found && found.channel === channel ? found : null;
  };

  return {
    async receive(channel, header, body) {
      const id = authenticate(channel, header, body);
      const receipts = parseReceipts(body, ports.maxBatch, ports.now().getTime() + ports.toleranceSeconds * 1000);
      const outcomes: ReachOutcome[] = [];
      const hardBounces: OutboxTarget[] = [];
      for (const r of receipts) {
        const t = target(channel, r);
        if (!t) continue;
        outcomes.push({ key: t.key, outcome: r.status, at: r.at, ...(r.detail ? { detail: r.detail } : {}) });
        if (r.hard && channel === 'email') hardBounces.push(t);
      }
      optOutOfEmail(ports.db, ports.audit, hardBounces, 'hard-bounce', ports.now());
      const got = outcomes.length > 0 ? await ports.feedback.record(outcomes) : { recorded: 0, repeated: 0, unknown: 0 };
      const result = { received: receipts.length, ...got, unknown: got.unknown + receipts.length - outcomes.length };
      ports.audit.append({ actor: `provider:${channel}`, action: 'reach.receipts', subject: channel, details: { ...result, ...countBy(receipts) } });
      remember(id, ports.now().getTime() + ports.toleranceSeconds * 1000, ports.now().getTime());
      return result;
    },
  };
}

function countBy(receipts: readonly Receipt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of receipts) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** The body checked whole; errors name the receipt and the field, never a value. */
function parseReceipts(body: string, maxBatch: number, latestMs: number): Receipt[] {
  const invalid = (field: string, why: string) => new MofangError('REACH_RECEIPT_INVALID', `${field}: ${why}`, { field });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw invalid('body', 'is not JSON');
  }
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) throw invalid('body', 'holds no receipt');
  if (list.length > maxBatch) {
    throw new MofangError('REACH_RECEIPT_BATCH_TOO_LARGE', `body: ${list.length} receipts, more than the limit of ${maxBatch}`, {
      field: 'body',
      limit: maxBatch,
      received: list.length,
    });
  }
  return list.map((item: unknown, i): Receipt => {
    const at = (field: string) => `receipts[${i}]${field ? `.${field}` : ''}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalid(at(''), 'must be an object');
    const r = item as Record<string, unknown>;
    const extra = Object.keys(r).find((k) => !FIELDS.has(k));
    if (extra !== undefined) throw invalid(at(extra.slice(0, 32)), `unknown field; allowed: ${[...FIELDS].join(', ')}`);
    if ((r.key === undefined) === (r.providerId === undefined)) throw invalid(at('key'), 'give exactly one of key and providerId');
    if (r.key !== undefined && (typeof r.key !== 'string' || !KEY.test(r.key)))
      throw invalid(at('key'), 'must be an outbox key, j<journey>.v<version>.n<node>.e<entry>');
    if (r.providerId !== undefined && (typeof r.providerId !== 'string' || r.providerId.length === 0 || r.providerId.length > 256)) {
      throw invalid(at('providerId'), 'must be a string of 1 to 256 characters');
    }
    if (typeof r.status !== 'string' || !(RECEIPT_STATUSES as readonly string[]).includes(r.status)) {
      throw invalid(at('status'), `must be one of ${RECEIPT_STATUSES.join(', ')}`);
    }
    const time = typeof r.at === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(r.at) ? new Date(r.at) : null;
    if (!time || Number.isNaN(time.getTime())) throw invalid(at('at'), 'must be an ISO 8601 date-time, 2026-12-07T10:00:00Z');
    if (time.getTime() > latestMs) throw invalid(at('at'), "lies in the future beyond the node's clock tolerance");
    if (r.bounce !== undefined && (r.status !== 'bounced' || (r.bounce !== 'hard' && r.bounce !== 'soft'))) {
      throw invalid(at('bounce'), 'hard or soft, with status bounced only');
    }
    if (r.code !== undefined && (typeof r.code !== 'string' || !CODE.test(r.code))) throw invalid(at('code'), 'letters, digits and _ . : -, at most 32');
    if (r.reason !== undefined && (typeof r.reason !== 'string' || r.reason.length > 1000)) throw invalid(at('reason'), 'a string of at most 1000 characters');
    const detail = [r.bounce, typeof r.code === 'string' ? r.code.toLowerCase() : undefined].filter((d) => d !== undefined).join(':');
    return {
      ref: typeof r.key === 'string' ? { key: r.key } : { providerId: r.providerId as string },
      status: r.status as ReceiptStatus,
      at: time,
      ...(detail ? { detail } : {}),
      hard: r.bounce === 'hard',
    };
  });
}
