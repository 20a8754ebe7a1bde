/**
 * The responder's watch on a querier's pattern of runs, behind the session's `QuerierWatch` port:
 * runs the probing detector on each admitted run and, when it fires, audits
 * `peer.probing_suspected` and counts `mofang_probing_suspected_total{peer}` — once per data pair
 * and window, whatever the querier keeps doing. Counts and dataset names only, never identifiers.
 */
import type { AuditSink } from '../agreements/store.js';
import type { DataPair } from '../agreements/pair-summary.js';
import { untrustedText } from '../text/untrusted.js';
import { alertWindow, detectProbing, type RunObservation } from './probing.js';

/** What a responder's admission asks of the node about the querier's pattern of runs (SessionEnv). */
export interface QuerierWatch {
  /** `policy.maxQuerierReimportsPerDay`: re-imports per data pair and 24 hours before runs are refused. */
  readonly maxReimportsPerDay: number;
  /** The pair's responder runs of the window, the new one last: raises at most one alert per pair and window. */
  observe(o: { pair: DataPair; peer: { nodeId: string; name: string }; runs: RunObservation[]; minIntersection: number; now: Date }): void;
}

const WINDOW_MS = 86_400_000;

/** @example const watch = querierWatch({ audit, maxReimportsPerDay: config.policy.maxQuerierReimportsPerDay, suspected: (p) => metrics.probingSuspected(p) }); */
export function querierWatch(o: { audit: AuditSink; maxReimportsPerDay: number; suspected: (peerName: string) => void }): QuerierWatch {
  const firstInWindow = alertWindow(WINDOW_MS);
  return {
    maxReimportsPerDay: o.maxReimportsPerDay,
    observe({ pair, peer, runs, minIntersection, now }) {
      const verdict = detectProbing(runs, minIntersection);
      if (!verdict.suspected || !firstInWindow(`${pair.peerNodeId}|${pair.localDataset}|${pair.peerDataset}`, now)) return;
      const { suspected: _, ...counts } = verdict;
      o.audit.append({
        actor: 'system:probing',
        action: 'peer.probing_suspected',
        subject: peer.nodeId,
        details: {
          peer: peer.name,
          localDataset: pair.localDataset,
          peerDataset: untrustedText(pair.peerDataset, 64),
          windowHours: WINDOW_MS / 3_600_000,
          minIntersection,
          ...counts,
        },
      });
      o.suspected(peer.name);
    },
  };
}
