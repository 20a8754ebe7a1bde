import type { Channel } from '../journeys/components.js';

/** What the dispatcher reports to Prometheus (node/metrics/metrics.ts implements it). */
export interface DispatchMetrics {
  reachSent(channel: Channel, status: 'sent' | 'failed' | 'suppressed' | 'dead'): void;
  reachRetried(channel: Channel): void;
}
