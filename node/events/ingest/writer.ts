/**
 * Writes checked events to the store, idempotently by event id, on a connection of its own so a
 * long analysis query never holds up an acknowledgement. A write is one DuckDB transaction: it is
 * acknowledged only after COMMIT returned, and DuckDB's commit writes and fsyncs its WAL, so an
 * acknowledged batch survives a kill -9 or a power cut, and a batch cut short leaves nothing.
 *
 * Group commit: batches that arrive while a transaction is running wait, and the next transaction
 * writes all of them, so one fsync and one lookup of stored ids serve several batches; each is
 * still acknowledged only after the COMMIT that holds it (docs/benchmarks.md, "Event ingestion").
 * A group is all or nothing like a single batch. The per-batch answer (how many of a batch's
 * events were already stored) comes from the group's insert when it stored every row; when it did
 * not (a re-sent event in a group of several batches), when two of its batches hold the same
 * event, or when the group failed (one batch's row that
 * DuckDB refuses must not fail the others), the group is rolled back and its batches written one
 * at a time, so each batch's count and error are its own.
 *
 * The rows travel to DuckDB as one JSON parameter, columns as arrays, and are unpacked by
 * `from_json` in DuckDB's own threads: per-value appender calls cost the event loop about twice
 * as much (measured: 6–8 ms against 3 ms per 1,000 events).
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
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { EventRecord } from './validate.js';

export interface WriteOutcome {
  /** Events stored by this batch. */
  accepted: number;
  /** Events of this batch already stored (a re-sent batch): not stored again. */
  duplicates: number;
  quarantined: number;
}

export type QuarantinedRecord = EventRecord & { field: string; reason: string };

interface Batch {
  keep: readonly EventRecord[];
  quarantine: readonly QuarantinedRecord[];
  receivedAt: Date;
}

interface Pending extends Batch {
  done: (outcome: WriteOutcome) => void;
  fail: (err: unknown) => void;
}

/** Most events one group transaction writes: bounds its memory and the wait of its first batch. */
const GROUP_EVENTS = 20_000;

/** The JSON shape `from_json` unpacks: one array per column; `b` is the row's batch within the group. */
const ROWS_TYPE = JSON.stringify({
  b: ['INTEGER'],
  i: ['VARCHAR'],
  c: ['VARCHAR'],
  n: ['VARCHAR'],
  t: ['BIGINT'],
  r: ['BIGINT'],
  p: ['VARCHAR'],
  f: ['VARCHAR'],
  q: ['VARCHAR'],
});

/** The rows of `$1` (JSON columns) as a table `s` of the events table's columns, plus field and reason. */
const STAGED = `(SELECT unnest(j.b) AS batch, unnest(j.i) AS event_id, unnest(j.c) AS customer_id, unnest(j.n) AS name,
    make_timestamp(unnest(j.t) * 1000) AS time, make_timestamp(unnest(j.r) * 1000) AS received_at, unnest(j.p) AS properties,
    unnest(j.f) AS field, unnest(j.q) AS reason
  FROM (SELECT from_json($1, '${ROWS_TYPE}') AS j))`;

/**
 * A lone UTF-16 surrogate as U+FFFD, as a string bound any other way reaches DuckDB: its JSON
 * reader refuses the escape JSON.stringify writes for one. (Event ids and names are ASCII by the
 * checks; properties are JSON text already.)
 */
const LONE_SURROGATE = /\p{Surrogate}/u;
const wellFormed = (text: string) => (LONE_SURROGATE.test(text) ? text.replace(/\p{Surrogate}/gu, '\uFFFD') : text);

/**
 * Whether an event (id and time) appears in two of `batches`: the insert checks only against the
 * stored events, so such a pair would be stored twice. Within one batch ids are unique (the checks
 * refuse a repeat). A Set here costs far less than making DuckDB number the rows (a window over
 * every group added about 4 µs an event).
 */
function repeatsAcross(batches: readonly Batch[]): boolean {
  const seen = new Set<string>();
  let rows = 0;
  for (const batch of batches) {
    for (const list of [batch.keep, batch.quarantine]) {
      for (const row of list) {
        seen.add(`${row.timeMs} ${row.eventId}`);
        rows++;
      }
    }
    if (seen.size !== rows) return true;
  }
  return false;
}

/**
 * @example
 * const writer = await eventWriter(await store.writerConnection());
 * const { accepted, duplicates } = await writer.write(checked.keep, checked.quarantine, new Date());
 */
export async function eventWriter(connection: DuckDBConnection): Promise<{
  write(keep: readonly EventRecord[], quarantine: readonly QuarantinedRecord[], receivedAt: Date): Promise<WriteOutcome>;
}> {
  const pending: Pending[] = [];
  let running = false;
  // Parsed once per connection: parsing the statement again for every group cost the event loop
  // about 3 % of a batch's time. Only this writer uses them, one at a time.
  const inserts = new Map<string, Promise<DuckDBPreparedStatement>>();

  /** Inserts the group's rows of `target` not yet stored there (same id, same time); returns how many it inserted. */
  const insertNew = async (target: 'events' | 'events_quarantine', batches: readonly Batch[]) => {
    const pick = (b: Batch): readonly (EventRecord & { field?: string; reason?: string })[] => (target === 'events' ? b.keep : b.quarantine);
    const cols = { b: [] as number[], i: [] as string[], c: [] as string[], n: [] as string[], t: [] as number[], r: [] as number[], p: [] as string[] };
    const why = { f: [] as (string | null)[], q: [] as (string | null)[] };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    batches.forEach((batch, b) => {
      const received = batch.receivedAt.getTime();
      for (const row of pick(batch)) {
        cols.b.push(b);
        cols.i.push(row.eventId);
        cols.c.push(wellFormed(row.customerId));
        cols.n.push(row.name);
        cols.t.push(row.timeMs);
        cols.r.push(received);
        cols.p.push(row.properties);
        why.f.push(row.field ?? null);
        why.q.push(row.reason ?? null);
        if (row.timeMs < lo) lo = row.timeMs;
        if (row.timeMs > hi) hi = row.timeMs;
      }
    });
    if (cols.b.length === 0) return 0;
    let insert = inserts.get(target);
    if (insert === undefined) {
      const extra = target === 'events_quarantine' ? ', s.field, s.reason' : '';
      // The bounds are parameters: DuckDB plans the scan with their values when it runs, and its
      // zone maps skip every row group outside them.
      insert = connection.prepare(
        `INSERT INTO ${target} SELECT s.event_id, s.customer_id, s.name, s.time, s.received_at, s.properties::JSON${extra}
         FROM ${STAGED} s
         WHERE NOT EXISTS (SELECT 1 FROM ${target} e WHERE e.time BETWEEN $2::TIMESTAMP AND $3::TIMESTAMP AND e.event_id = s.event_id AND e.time = s.time)`,
      );
      inserts.set(target, insert);
    }
    const statement = await insert.catch((err: unknown) => {
      inserts.delete(target); // prepared again by the next group
      throw err;
    });
    statement.bind([JSON.stringify(target === 'events' ? cols : { ...cols, ...why }), new Date(lo).toISOString(), new Date(hi).toISOString()]);
    const result = await statement.runAndReadAll();
    return Number(result.getRowObjects()[0]?.Count ?? 0);
  };

  /** Writes `batches` in one transaction; null when a group's counts cannot be told apart per batch (rolled back, or not begun). */
  const writeGroup = async (batches: readonly Batch[]): Promise<WriteOutcome[] | null> => {
    if (batches.length > 1 && repeatsAcross(batches)) return null;
    await connection.run('BEGIN TRANSACTION');
    try {
      const accepted = await insertNew('events', batches);
      const quarantined = await insertNew('events_quarantine', batches);
      const kept = batches.reduce((n, b) => n + b.keep.length, 0);
      const aside = batches.reduce((n, b) => n + b.quarantine.length, 0);
      if (batches.length > 1 && (accepted < kept || quarantined < aside)) {
        await connection.run('ROLLBACK');
        return null;
      }
      await connection.run('COMMIT');
      if (batches.length === 1) return [{ accepted, duplicates: kept - accepted + aside - quarantined, quarantined }];
      return batches.map((b) => ({ accepted: b.keep.length, duplicates: 0, quarantined: b.quarantine.length }));
    } catch (err) {
      await connection.run('ROLLBACK').catch(() => {});
      throw err;
    }
  };

  const drain = async () => {
    running = true;
    while (pending.length > 0) {
      let events = 0;
      let take = 0;
      while (take < pending.length && (take === 0 || events + pending[take].keep.length + pending[take].quarantine.length <= GROUP_EVENTS)) {
        events += pending[take].keep.length + pending[take].quarantine.length;
        take++;
      }
      const group = pending.splice(0, take);
      let outcomes: WriteOutcome[] | null = null;
      try {
        outcomes = await writeGroup(group);
      } catch (err) {
        // One batch's bad row must not fail the others it was grouped with: they are retried alone.
        if (group.length === 1) {
          group[0].fail(err);
          continue;
        }
      }
      if (outcomes !== null) {
        for (const [i, w] of group.entries()) w.done(outcomes[i]);
        continue;
      }
      for (const w of group) {
        try {
          w.done(((await writeGroup([w])) as WriteOutcome[])[0]);
        } catch (err) {
          w.fail(err);
        }
      }
    }
    running = false;
  };

  return {
    write(keep, quarantine, receivedAt) {
      if (keep.length + quarantine.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, quarantined: 0 });
      return new Promise<WriteOutcome>((done, fail) => {
        pending.push({ keep, quarantine, receivedAt, done, fail });
        if (!running) void drain();
      });
    },
  };
}
