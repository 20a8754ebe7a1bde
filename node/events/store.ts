/**
 * The columnar event store: one DuckDB file (`events.duckdb`) in the node's data directory, next
 * to the SQLite database that holds the node's transactional state. DuckDB answers the analysis
 * models' scans over hundreds of millions of rows in seconds; SQLite stays the home of everything
 * that needs row-level transactions with the rest of the node.
 *
 * One process opens the file for writing at a time (DuckDB locks it), so the store opens lazily:
 * one-shot CLI commands that never touch events never contend with a running node.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MofangError } from '../errors.js';
import { EVENT_STORE_SCHEMA } from './schema.js';

/** A value bound to a `$1`-style parameter. Times travel as ISO strings and are cast in SQL. */
export type EventParam = string | number | boolean | bigint | null;

/** One result row, with JS numbers for integers and ISO strings for timestamps. */
export type EventRow = Record<string, unknown>;

/** What the analysis models and segment rules read the event store through. */
export interface EventReader {
  /** Runs one SQL query with positional parameters (`$1`, `$2`, …) and returns every row. */
  all(sql: string, params?: readonly EventParam[]): Promise<EventRow[]>;
}

/** A reader on a connection of its own: interrupting it stops only its own statement. */
export interface InterruptibleReader extends EventReader {
  /** Stops the statement running now (it fails); later statements run normally. */
  interrupt(): void;
  close(): void;
}

/** What one node's event store may use of the machine; absent: DuckDB's defaults. */
export interface EventStoreLimits {
  /** Memory for queries before DuckDB spills to disk, in MB. */
  memoryLimitMb?: number;
  /** Worker threads per query; 0 or absent: one per core. */
  threads?: number;
}

/** An event as it was stored: what ingestion tells its listeners, and what a read by arrival returns. */
export interface StoredEvent {
  eventId: string;
  customerId: string;
  name: string;
  time: Date;
  receivedAt: Date;
  properties: Record<string, unknown>;
}

export class EventStore implements EventReader {
  private readonly extra: DuckDBConnection[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The connection queries and writes share; DuckDB serialises statements on it. */
    readonly connection: DuckDBConnection,
  ) {}

  /** @example const store = await EventStore.open(join(dataDir, 'events.duckdb'), { memoryLimitMb: 2048 }); */
  static async open(file: string, limits: EventStoreLimits = {}): Promise<EventStore> {
    if (file !== ':memory:') prepareFile(file);
    // DuckDB takes 80 % of RAM and every core unless told: a node shares its machine.
    const options: Record<string, string> = {};
    if (limits.memoryLimitMb) options.memory_limit = `${limits.memoryLimitMb}MB`;
    if (limits.threads) options.threads = String(limits.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, options);
    } catch (err) {
      throw openError(file, err);
    }
    if (file !== ':memory:') chmodSync(file, 0o600);
    const connection = await instance.connect();
    for (const statement of EVENT_STORE_SCHEMA) await connection.run(statement);
    return new EventStore(instance, connection);
  }

  async all(sql: string, params: readonly EventParam[] = []): Promise<EventRow[]> {
    return readAll(this.connection, sql, params);
  }

  /**
   * A reader on a new connection, for one analysis: it runs alongside ingestion (DuckDB runs a
   * connection's statements one at a time) and can be interrupted on a time limit. Close it after.
   */
  async reader(): Promise<InterruptibleReader> {
    const connection = await this.instance.connect();
    return {
      all: (sql, params = []) => readAll(connection, sql, params),
      interrupt: () => connection.interrupt(),
      close: () => connection.closeSync(),
    };
  }

  /**
   * Another connection to the same database, for the ingestion writer: DuckDB runs statements of
   * different connections concurrently, so a long analysis on `connection` never delays a
   * batch's commit. Closed with the store.
   */
  async connect(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    this.extra.push(connection);
    return connection;
  }

  close(): void {
    for (const connection of this.extra.splice(0)) connection.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

async function readAll(connection: DuckDBConnection, sql: string, params: readonly EventParam[]): Promise<EventRow[]> {
  const reader = await connection.runAndReadAll(sql, params.length > 0 ? (params as DuckDBValue[]) : undefined);
  return reader.getRowObjectsJS().map((row) => plainRow(row) as EventRow);
}

/** The directory is owner-only; the file is made so once DuckDB created it (it refuses an empty file). */
function prepareFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
}

/** A held lock means another process (a running node, or a CLI command) has the store open. */
function openError(file: string, err: unknown): MofangError {
  const message = err instanceof Error ? err.message : String(err);
  if (/lock/i.test(message)) {
    return new MofangError('EVENT_STORE_BUSY', `the event store ${file} is open in another process (a running node?): stop it, or use its HTTP API`, { file });
  }
  return new MofangError('EVENT_STORE_UNAVAILABLE', `the event store ${file} could not be opened`, { file });
}

/** DuckDB's JS values made plain: BIGINT → number, TIMESTAMP → ISO string, recursively. */
function plainRow(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plainRow);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainRow(v)]));
  }
  return value;
}
