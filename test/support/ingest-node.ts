/**
 * The node's real event intake in this process: the fastify app (`buildApp`) with its token
 * checks and the `POST /v1/events` route, the real ingestion service and a real DuckDB file, on a
 * loopback port. Only the tracking plan is a test double (the validator the test passes), so a
 * test decides which events are declared. `restart()` closes the app and the store and opens both
 * again on the same port and file, as a node restart does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../node/api/app.js';
import { createToken, tokenFileSource } from '../../node/api/tokens.js';
import { eventIngest } from '../../node/events/ingest/service.js';
import type { PlanValidator } from '../../node/events/ingest/plan-port.js';
import { EVENTS_TABLE } from '../../node/events/schema.js';
import { EventStore } from '../../node/events/store.js';
import { captureLogger } from './capture-logger.js';
import { fakeServices } from './fake-services.js';

export interface IngestNode {
  url: string;
  /** A token of role `ingest`. */
  token: string;
  /** A token of role `compliance`, which may not send events. */
  complianceToken: string;
  /** Closes the port and the store (the node is down). */
  stop(): Promise<void>;
  /** Opens the store and listens on the same port again. */
  start(): Promise<void>;
  /** Stored rows per event id. */
  stored(): Promise<Map<string, { customerId: string; rows: number }>>;
  close(): Promise<void>;
}

export async function ingestNode(plan: PlanValidator, limits: { maxBatch?: number } = {}): Promise<IngestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-ingest-node-'));
  const tokenFile = join(dir, 'tokens.json');
  const token = createToken(tokenFile, { id: 'web-app', role: 'ingest' });
  const complianceToken = createToken(tokenFile, { id: 'auditor', role: 'compliance' });
  let store: Promise<EventStore> | null = null;
  const openStore = () => (store ??= EventStore.open(join(dir, 'events.duckdb')));
  const events = eventIngest({
    store: openStore,
    plan: () => plan,
    countPaused: () => {},
    audit: { append: () => undefined },
    metrics: { eventsIngested: () => {} },
    limits: { identifierKind: 'raw', futureToleranceSeconds: 300, maxAgeDays: 400, maxBatch: limits.maxBatch ?? 1000 },
    now: () => new Date(),
  });
  const services = { ...fakeServices(), events };
  let app: FastifyInstance | null = null;
  let port = 0;

  const start = async () => {
    app = buildApp({ services, tokens: tokenFileSource(tokenFile), logger: captureLogger().logger, version: '0.1.0-test', uploadDir: dir });
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as { port: number }).port;
  };
  const stop = async () => {
    await app?.close();
    app = null;
    (await store)?.close();
    store = null;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    complianceToken,
    stop,
    start,
    async stored() {
      const rows = await (await openStore()).all(
        `SELECT event_id, any_value(customer_id) AS customer_id, count(*) AS n FROM ${EVENTS_TABLE} GROUP BY event_id`,
      );
      return new Map(rows.map((r) => [r.event_id as string, { customerId: r.customer_id as string, rows: r.n as number }]));
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
