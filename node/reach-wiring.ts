/**
 * Reach as the node wires it: what comes back after a send (unsubscribes, opens, clicks and
 * provider receipts) over the channels `checkChannels` checked. The HTTP app serves the result as
 * its public /v1/reach routes (`buildApp({ reachFeedback })`).
 */
import type { ProviderChannel } from '../adapters/channels/channel.js';
import type { ReachFeedbackRoutes } from './api/routes/reach-feedback.js';
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { outboxLookup } from './journeys/engine/outbox-lookup.js';
import type { CheckedChannel } from './reach/channels.js';
import type { ReachFeedback } from './reach/feedback-ports.js';
import { reachLinks } from './reach/links.js';
import { reachReceipts } from './reach/receipts.js';
import type { Db } from './store/db.js';

export interface ReachFeedbackWiring {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  config: Pick<NodeConfig, 'reach'>;
  /** The configured channels, checked (their secrets resolved). */
  channels: readonly CheckedChannel[];
  feedback: ReachFeedback;
}

/** @example buildApp({ …, reachFeedback: reachFeedbackRoutesOf({ db, audit, now, config, channels: checkChannels(config.reach.channels, options), feedback }) }) */
export function reachFeedbackRoutesOf(w: ReachFeedbackWiring): ReachFeedbackRoutes {
  const { db, audit, now, feedback } = w;
  const outbox = outboxLookup(db);
  const settings = w.config.reach.feedback;
  return {
    links: reachLinks({ db, audit, now, outbox, feedback, secret: w.channels.find((c) => c.channel === 'email')?.feedback.linkSecret }),
    receipts: reachReceipts({
      db,
      audit,
      now,
      outbox,
      feedback,
      channels: new Map<ProviderChannel, string | undefined>(w.channels.map((c) => [c.channel, c.feedback.callbackSecret])),
      toleranceSeconds: settings.signatureToleranceSeconds,
      maxBatch: settings.maxReceiptBatch,
    }),
    publicRatePerMinute: settings.publicRatePerMinute,
  };
}
