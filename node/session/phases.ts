/**
 * Time and bytes of an aggregate run's two phases — the PSI step (up to the masks / the order π)
 * and the HE step (everything after) — for the run's `run.completed` audit entry, so operators
 * and bench/aggregate.ts can see what the encryption adds to the PSI it builds on. Numbers only:
 * durations and byte counts, nothing about the data.
 */
import type { Link, LinkStats } from './link.js';

interface PhaseStats {
  ms: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface RunPhases {
  psi: PhaseStats;
  he: PhaseStats;
}

/** Starts the clock; `psiDone()` once the PSI step ended, `phases()` when the run is over. */
export function phaseClock(link: Link): { psiDone(): void; phases(): RunPhases | null } {
  const started = performance.now();
  let psi: (LinkStats & { at: number }) | null = null;
  return {
    psiDone() {
      psi = { ...link.stats, at: performance.now() };
    },
    phases() {
      if (!psi) return null;
      const now = performance.now();
      return {
        psi: { ms: Math.round(psi.at - started), bytesSent: psi.bytesSent, bytesReceived: psi.bytesReceived },
        he: { ms: Math.round(now - psi.at), bytesSent: link.stats.bytesSent - psi.bytesSent, bytesReceived: link.stats.bytesReceived - psi.bytesReceived },
      };
    },
  };
}
