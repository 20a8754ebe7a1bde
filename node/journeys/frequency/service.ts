/**
 * Global frequency control as the node wires it: the gate the journey engine asks, the consent
 * service, the suppression counts the reach reports read, and the pruning of records no rule
 * reads any more (run by the running node; docs/frequency.md).
 */
import type { AuditLog } from '../../audit/log.js';
import type { Db } from '../../store/db.js';
import type { FrequencyConfig } from './config.js';
import type { FrequencyRules } from './rules.js';
import { type ConsentApi, consentService, type Normaliser } from './consent.js';
import { type FrequencyGate, frequencyGate } from './gate.js';
import { pruneLedger } from './ledger.js';
import { pruneSuppressions, type SuppressionCounts, type SuppressionFilter, suppressionCounts } from './suppressions.js';
import type { ZoneSource } from './zones.js';

export interface FrequencyPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  config: FrequencyConfig;
  rules: FrequencyRules;
  normaliser: Normaliser;
  zones?: ZoneSource;
  /** Between prune runs of the running node. */
  pruneEveryMs: number;
  onError: (err: unknown) => void;
}

/** What the HTTP API and the CLI use. */
export type FrequencyApi = Pick<FrequencyControl, 'consent' | 'suppressionCounts'>;

export interface FrequencyControl {
  readonly gate: FrequencyGate;
  readonly consent: ConsentApi;
  /** Suppressions and waits by reason, for a journey and a time range (by when the engine wanted to send). */
  suppressionCounts(filter?: SuppressionFilter): SuppressionCounts;
  /** Deletes ledger rows no cap counts and suppression records past `keepSuppressionsDays`; audited when it deletes any. */
  prune(): { ledger: number; suppressions: number };
  /** Prunes on a schedule (the running node). */
  start(): void;
  stop(): void;
}

/** @example const frequency = frequencyControl({ db, audit, now, config, rules, normaliser, pruneEveryMs: 3_600_000, onError }); */
export function frequencyControl(ports: FrequencyPorts): FrequencyControl {
  const { db, audit, now } = ports;
  let timer: NodeJS.Timeout | null = null;
  const prune = () =>
    db.transaction(() => {
      const at = now();
      const deleted = { ledger: pruneLedger(db, at), suppressions: pruneSuppressions(db, at, ports.config.keepSuppressionsDays) };
      if (deleted.ledger + deleted.suppressions > 0) audit.append({ actor: 'system', action: 'frequency.pruned', subject: null, details: deleted });
      return deleted;
    })();
  return {
    gate: frequencyGate({ db, rules: ports.rules, zones: ports.zones }),
    consent: consentService({ db, audit, now, rules: ports.rules, normaliser: ports.normaliser, maxBatch: ports.config.maxConsentBatch }),
    suppressionCounts: (filter) => suppressionCounts(db, filter),
    prune,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        try {
          prune();
        } catch (err) {
          ports.onError(err);
        }
      }, ports.pruneEveryMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
