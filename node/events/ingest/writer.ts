/**
 * Writes checked events to the store, idempotently by event id, on a connection of its own so a
 * long analysis query never holds up an acknowledgement. A batch is one DuckDB transaction: it is
 * acknowledged only after COMMIT returned, and DuckDB's commit writes and fsyncs its WAL, so an
 * acknowledged batch survives a kill -9 or a power cut, and a batch cut short leaves nothing.
 *
 * Idempotency at 10⁸ events (docs/benchmarks.md, "Event ingestion", measured here on 2 cores):
 * a PRIMARY KEY on event_id fell from 40,000 to 10,700 events/s between 10⁶ and 10⁷ stored
 * events, and a 128-bit hashed key table with a PRIMARY KEY ran at 24,500/s already at 10⁶; both
 * index every id ever stored. Looking the batch's ids up only among stored events whose time lies
 * in the batch's own time range costs a scan of the few row groups DuckDB's zone maps (min/max
 * of `time` per row group) cannot rule out, independent of the table's size, and needs no
 * memory per stored event. A re-sent event carries its original time, so it is found; the cost is
 * that the key is (event id, time): an id reused with another time is a new event (documented).
 */
import { DuckDBTimestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { EventRecord } from './validate.js';

export interface WriteOutcome {
  /** Events stored by this batch. */
  accepted: number;
  /** Events of this batch already stored (a re-sent batch): not stored again. */
  duplicates: number;
  quarantined: number;
}

export type QuarantinedRecord = EventRecord & { field: string; reason: string };

const STAGED_COLUMNS = 'event_id VARCHAR, customer_id VARCHAR, name VARCHAR, time TIMESTAMP, properties VARCHAR, field VARCHAR, reason VARCHAR';

/**
 * @example
 * const writer = await eventWriter(await store.writerConnection());
 * const { accepted, duplicates } = await writer.write(checked.keep, checked.quarantine, new Date());
 */
export async function eventWriter(connection: DuckDBConnection): Promise<{
  write(keep: readonly EventRecord[], quarantine: readonly QuarantinedRecord[], receivedAt: Date): Promise<WriteOutcome>;
}> {
  // Staging tables are temporary: per connection, in memory, never in the WAL.
  await connection.run(`CREATE TEMP TABLE IF NOT EXISTS staged_events (${STAGED_COLUMNS})`);
  await connection.run(`CREATE TEMP TABLE IF NOT EXISTS staged_quarantine (${STAGED_COLUMNS})`);
  // One transaction at a time on this connection: batches queue here, in arrival order.
  let queue: Promise<unknown> = Promise.resolve();

  const stage = async (table: string, records: readonly (EventRecord & { field?: string; reason?: string })[]) => {
    await connection.run(`DELETE FROM ${table}`);
    const appender = await connection.createAppender(table, 'main', 'temp');
    try {
      for (const r of records) {
        appender.appendVarchar(r.eventId);
        appender.appendVarchar(r.customerId);
        appender.appendVarchar(r.name);
        appender.appendTimestamp(new DuckDBTimestampValue(BigInt(r.timeMs) * 1000n));
        appender.appendVarchar(r.properties);
        if (r.field === undefined) appender.appendNull();
        else appender.appendVarchar(r.field);
        if (r.reason === undefined) appender.appendNull();
        else appender.appendVarchar(r.reason);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  };

  /** Inserts the staged rows not yet in `target` (same id, same time) and returns how many it inserted. */
  const insertNew = async (target: 'events' | 'events_quarantine', staged: string, records: readonly EventRecord[], receivedAt: Date) => {
    if (records.length === 0) return 0;
    let lo = records[0].timeMs;
    let hi = lo;
    for (const r of records) {
      if (r.timeMs < lo) lo = r.timeMs;
      if (r.timeMs > hi) hi = r.timeMs;
    }
    const extra = target === 'events_quarantine' ? ', s.field, s.reason' : '';
    // The bounds are parameters, so they are constants when DuckDB plans the scan and its zone
    // maps skip every row group outside them.
    const result = await connection.runAndReadAll(
      `INSERT INTO ${target} SELECT s.event_id, s.customer_id, s.name, s.time, $3::TIMESTAMP, s.properties::JSON${extra}
       FROM ${staged} s
       WHERE NOT EXISTS (SELECT 1 FROM ${target} e WHERE e.time BETWEEN $1::TIMESTAMP AND $2::TIMESTAMP AND e.event_id = s.event_id AND e.time = s.time)`,
      [new Date(lo).toISOString(), new Date(hi).toISOString(), receivedAt.toISOString()],
    );
    return Number(result.getRowObjects()[0]?.Count ?? 0);
  };

  const writeNow = async (keep: readonly EventRecord[], quarantine: readonly QuarantinedRecord[], receivedAt: Date): Promise<WriteOutcome> => {
    await stage('staged_events', keep);
    await stage('staged_quarantine', quarantine);
    await connection.run('BEGIN TRANSACTION');
    try {
      const accepted = await insertNew('events', 'staged_events', keep, receivedAt);
      const quarantined = await insertNew('events_quarantine', 'staged_quarantine', quarantine, receivedAt);
      await connection.run('COMMIT');
      return { accepted, duplicates: keep.length - accepted + quarantine.length - quarantined, quarantined };
    } catch (err) {
      await connection.run('ROLLBACK').catch(() => {});
      throw err;
    }
  };

  return {
    write(keep, quarantine, receivedAt) {
      const result = queue.then(() => writeNow(keep, quarantine, receivedAt));
      queue = result.catch(() => {});
      return result;
    },
  };
}
