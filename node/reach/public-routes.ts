/**
 * What the node's public /v1/reach routes serve (unsubscribe, opens, clicks, provider receipts):
 * the reach services behind them and their rate limit. node/api/routes/reach-feedback.ts serves it;
 * node/reach-wiring.ts builds it, so the wiring needs nothing from the HTTP layer.
 */
import type { ReachLinks } from './links.js';
import type { ReachReceipts } from './receipts.js';

export interface ReachFeedbackRoutes {
  links: ReachLinks;
  receipts: ReachReceipts;
  /** Requests per minute one remote address may make to the link routes. */
  publicRatePerMinute: number;
}
