/** Protocol runs as operators see them: list, get, and cancel from either side; each cancel audited. */
import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/log.js';
import type { Db } from '../store/db.js';
import { failOrphanedResponderRuns, getRun, listRuns, requestRunCancel, type RunView } from './runs.js';
import type { QuerierReimports } from '../agreements/pair-summary.js';
import type { StoredAgreement } from '../agreements/store.js';
import type { NodeConfig } from '../config/schema.js';
import { querierReimports } from './querier-generation.js';

/** What the HTTP API and the CLI ask of runs. */
export interface RunsApi {
  list(filter: { limit?: number }): RunView[];
  get(id: string): RunView;
  /** Stops a run this node takes part in, on either side (the responder's operator too), at its next batch. */
  cancel(id: string, actor: Actor): RunView;
}

export interface RunService extends RunsApi {
  /**
   * At node start: fails the responder runs a dead process left running (only the node process
   * serves peers, so they can never finish) and audits how many.
   */
  failOrphaned(): number;
  /** The querier's re-imports this node saw as responder on the agreement and its pair (last 24 hours), against the cap. */
  querierReimports(agreement: StoredAgreement): QuerierReimports;
}

/** @example runService({ db, audit }).cancel(runId, { id: 'cli:alice', role: 'admin' }) */
export function runService(ports: { db: Db; audit: AuditLog; now: () => Date; policy: Pick<NodeConfig['policy'], 'maxQuerierReimportsPerDay'> }): RunService {
  const { db, audit } = ports;
  return {
    querierReimports: (agreement) => querierReimports(db, agreement, ports.now(), ports.policy.maxQuerierReimportsPerDay),
    list: (filter) => listRuns(db, filter.limit),
    get: (id) => getRun(db, id),
    cancel(id, actor) {
      requestRunCancel(db, id);
      audit.append({ actor: actor.id, action: 'run.cancel_requested', subject: id, details: {} });
      return getRun(db, id);
    },
    failOrphaned() {
      const orphaned = failOrphanedResponderRuns(db);
      if (orphaned > 0) audit.append({ actor: 'system', action: 'run.orphans_failed', details: { runs: orphaned, reason: 'interrupted: the node restarted' } });
      return orphaned;
    },
  };
}
