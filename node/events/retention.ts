/**
 * Retention: the running node deletes events older than their name's retention (the tracking
 * plan's `retentionDays`, else the default) on a schedule. One run is one DuckDB transaction, so a
 * run cut short (kill -9) deletes nothing and the next run does the whole job; the audit entry
 * names counts per event name, never an event.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AppendInput } from '../audit/log.js';
import { DEFAULT_RETENTION_DAYS } from './plan/store.js';
import type { EventStore } from './store.js';

export interface RetentionPorts {
  store: () => Promise<EventStore>;
  /** Days to keep per declared event name; undeclared names get DEFAULT_RETENTION_DAYS. */
  retentionByEvent: () => ReadonlyMap<string, number>;
  audit: { append(input: AppendInput): unknown };
  now: () => Date;
  /** Between runs. */
  everyMs: number;
  onError: (err: unknown) => void;
}

export interface RetentionJob {
  /** Deletes what is due now; resolves with the events deleted per name (names with none left out). */
  runOnce(): Promise<Record<string, number>>;
  start(): void;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** @example const retention = retentionJob({ store, retentionByEvent: () => retentionByEvent(db), audit, now, everyMs: 3_600_000, onError }); */
export function retentionJob(ports: RetentionPorts): RetentionJob {
  let connection: Promise<DuckDBConnection> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  const runOnce = async () => {
    connection ??= ports.store().then((store) => store.connect());
    const c = await connection;
    const now = ports.now().getTime();
    const retention = ports.retentionByEvent();
    const cutoff = (name: string) => new Date(now - (retention.get(name) ?? DEFAULT_RETENTION_DAYS) * DAY_MS).toISOString();
    const deleted: Record<string, number> = {};
    await c.run('BEGIN TRANSACTION');
    try {
      const names = (await c.runAndReadAll('SELECT DISTINCT name FROM events')).getRowObjects().map((r) => String(r.name));
      for (const name of names) {
        const result = await c.runAndReadAll('DELETE FROM events WHERE name = $1 AND time < $2::TIMESTAMP', [name, cutoff(name)]);
        const n = Number(result.getRowObjects()[0]?.Count ?? 0);
        if (n > 0) deleted[name] = n;
      }
      await c.run('COMMIT');
    } catch (err) {
      await c.run('ROLLBACK').catch(() => {});
      throw err;
    }
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) ports.audit.append({ actor: 'system', action: 'events.retention_applied', subject: null, details: { deleted, total } });
    return deleted;
  };

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        running ??= runOnce()
          .catch(ports.onError)
          .finally(() => (running = null));
      }, ports.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
