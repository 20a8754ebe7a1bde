/** How a caller tunes a node it opens (tests, one-shot CLI commands); the config file says the rest. */
import type { DeliveryTuning } from './agreements/deliverer.js';
import type { Logger } from './log/logger.js';

export interface NodeOptions {
  logger?: Logger;
  /** Clock for agreement expiry checks; tests move it. */
  now?: () => Date;
  /** One-shot CLI commands log warnings and errors only, to stderr (stdout is their output). */
  quietLogs?: boolean;
  /** False in one-shot CLI commands: they serve no /metrics, so they keep no Prometheus series. */
  metrics?: boolean;
  /** The file the config was read from: its directory is one of the node's own (never imported by path). */
  configFile?: string;
  /** Retry timing of agreement deliveries; tests shorten it. */
  delivery?: Partial<DeliveryTuning>;
}
