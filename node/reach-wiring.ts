/**
 * Wires reach for the local pipeline (node/pipeline.ts): the channels the node keeps itself
 * (in-app inbox, call lists, branch tasks) over the node's database, with the call channel's
 * contact column from `reach.channels.call`.
 */
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { type LocalChannels, localChannels } from './reach/local-channels.js';
import type { ReachFeedback } from './reach/staff-ports.js';
import type { Db } from './store/db.js';

export interface ReachWiringPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  config: Pick<NodeConfig, 'reach'>;
  /** The feedback ledger opens, replies and task outcomes are reported to, once it exists on the node. */
  feedback?: ReachFeedback;
}

/** @example const local = reachLocalChannels({ db, audit, now, config }); */
export function reachLocalChannels(ports: ReachWiringPorts): LocalChannels {
  const { config, ...rest } = ports;
  return localChannels(rest, { callContactColumn: config.reach.channels.call?.contactColumn });
}
