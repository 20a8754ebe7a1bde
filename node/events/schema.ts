/**
 * The event table in the columnar store (DuckDB). This module owns it: other modules read it
 * through `EventReader.all` with SQL that names `events` only via the fragments exported here.
 *
 * Times are UTC `TIMESTAMP`s (the event's own time and the time this node received it); the
 * customer id is normalised like the dataset's identifier kind before it is stored, so events join
 * to datasets, profiles and segments without conversion. Properties are JSON checked against the
 * tracking plan.
 */

/** The table every analysis model reads (through `FROM ${EVENTS_TABLE}`, so only this module names it). */
export const EVENTS_TABLE = 'events';

/** Statements that bring an empty or older event store to the current schema; each is idempotent. */
export const EVENT_STORE_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    properties JSON NOT NULL
  )`,
  // Events the tracking plan keeps aside (undeclared, under a `quarantine` policy) with the
  // field and reason, properties as sent; never read by the analysis models.
  `CREATE TABLE IF NOT EXISTS events_quarantine (
    event_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    properties JSON NOT NULL,
    field VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
  )`,
];
