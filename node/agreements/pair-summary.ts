/**
 * What an agreement's view says about its data pair — the other agreements between the same two
 * datasets and the pair's privacy spend — so the acceptor sees what earlier agreements used up.
 * The shape lives here, with the view that carries it; node/privacy computes it (budget-view.ts)
 * and the composition root hands that function to the agreement workflow.
 */
import type { AgreementStatus } from './store.js';

/** The data pair seen from this node: the peer, this node's dataset, the peer's dataset. */
export interface DataPair {
  peerNodeId: string;
  localDataset: string;
  peerDataset: string;
}

export interface PairSummary {
  pair: DataPair;
  /** The other agreements of this node over the same pair, newest first. */
  others: { id: string; title: string; status: AgreementStatus; createdAt: string }[];
  /** The pair's spend in the current period of this agreement's budget (null without an aggregate section). */
  budget: { periodStart: string; periodEnd: string; spent: { epsilon: string; delta: string }; total: { epsilon: string; delta: string } } | null;
  /** Re-imports of the querier's dataset this node saw as responder in the last 24 hours (node/session). */
  querierReimports?: QuerierReimports;
}

/** Generation changes the querier announced, on this agreement and on its data pair, and the cap. */
export interface QuerierReimports {
  since: string;
  agreement: number;
  pair: number;
  /** `policy.maxQuerierReimportsPerDay`: a run after this many re-imports on the pair is refused. */
  limit: number;
}
