/**
 * The data pair an agreement is over, seen from this node: (peer node id, our dataset, their
 * dataset). Budget spends, released-group memory and the daily rate limit are kept per pair, so
 * a new agreement with the same partner over the same two datasets inherits what the earlier
 * ones spent and released instead of starting afresh.
 */
import { otherParty } from '../agreements/model.js';
import type { DataPair } from '../agreements/pair-summary.js';
import { listAgreements, type AgreementStatus, type StoredAgreement } from '../agreements/store.js';
import type { Db } from '../store/db.js';
import { untrustedText } from '../text/untrusted.js';

export function dataPair(agreement: StoredAgreement): DataPair {
  const { parties } = agreement.terms;
  return {
    peerNodeId: agreement.peerNodeId,
    localDataset: parties[agreement.localParty].dataset,
    peerDataset: parties[otherParty(agreement.localParty)].dataset,
  };
}

/** For messages: the peer's dataset name is the peer's text. */
export function describePair(pair: DataPair): string {
  return `(peer ${pair.peerNodeId}, our dataset ${pair.localDataset}, their dataset ${untrustedText(pair.peerDataset)})`;
}

/** Every agreement of this node over the pair, the given one included; newest first. */
export function agreementsOnPair(db: Db, pair: DataPair): { id: string; title: string; status: AgreementStatus; createdAt: string }[] {
  return listAgreements(db)
    .filter((a) => {
      const p = dataPair(a);
      return p.peerNodeId === pair.peerNodeId && p.localDataset === pair.localDataset && p.peerDataset === pair.peerDataset;
    })
    .map((a) => ({ id: a.id, title: a.terms.title, status: a.status, createdAt: a.createdAt }));
}

/** SQL condition on a table with the three pair columns, and its parameters. */
export const PAIR_WHERE = 'peer_node_id = ? AND local_dataset = ? AND peer_dataset = ?';
export function pairParams(pair: DataPair): [string, string, string] {
  return [pair.peerNodeId, pair.localDataset, pair.peerDataset];
}
