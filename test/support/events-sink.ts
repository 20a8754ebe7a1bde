/**
 * A test double of the node's event intake, `POST /v1/events`, on a real loopback HTTP server:
 * bearer token, batch limit (413), per-event rejections by index, deduplication by event id.
 * It can be stopped and started on the same port (a node restart) and told to fail the next
 * requests (503 with Retry-After, optionally after storing the batch, as when a reply is lost).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface SinkEvent {
  eventId: string;
  customerId: string;
  name: string;
  time: string;
  properties: Record<string, unknown>;
}

interface Failure {
  status: number;
  headers: Record<string, string>;
  /** Store the batch before failing: the node made it durable, the reply was lost. */
  storeFirst: boolean;
}

export interface EventsSink {
  /** The base URL (no path), as a tracker's `endpoint`. */
  url: string;
  token: string;
  /** Every stored event, each once, in arrival order. */
  events: SinkEvent[];
  /** Every request that reached the server: its status and how many events it carried. */
  requests: Array<{ status: number; size: number }>;
  /** The next `count` requests are answered with `status` (after storing the batch if `storeFirst`). */
  failNext(count: number, status: number, options?: { headers?: Record<string, string>; storeFirst?: boolean }): void;
  /** Closes the port and every open connection, as a node that went down. */
  stop(): Promise<void>;
  /** Listens on the same port again. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface SinkOptions {
  token?: string;
  /** Events per request above which the answer is 413. */
  maxBatch?: number;
  /** Event names the plan declares; others are rejected with field `name`. */
  names?: string[];
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export async function eventsSink(options: SinkOptions = {}): Promise<EventsSink> {
  const token = options.token ?? 'ingest-token';
  const maxBatch = options.maxBatch ?? 1000;
  const events: SinkEvent[] = [];
  const seen = new Set<string>();
  const requests: EventsSink['requests'] = [];
  const failures: Failure[] = [];

  function store(batch: SinkEvent[]) {
    let accepted = 0;
    let duplicates = 0;
    const rejected: Array<{ index: number; field: string; reason: string }> = [];
    batch.forEach((event, index) => {
      if (typeof event?.eventId !== 'string' || event.eventId === '') rejected.push({ index, field: 'eventId', reason: 'missing' });
      else if (typeof event.customerId !== 'string' || event.customerId === '') rejected.push({ index, field: 'customerId', reason: 'missing' });
      else if (options.names && !options.names.includes(event.name)) rejected.push({ index, field: 'name', reason: 'not in the tracking plan' });
      else if (Number.isNaN(Date.parse(event.time))) rejected.push({ index, field: 'time', reason: 'not an ISO 8601 time' });
      else if (seen.has(event.eventId)) duplicates++;
      else {
        seen.add(event.eventId);
        events.push(event);
        accepted++;
      }
    });
    return { accepted, duplicates, quarantined: 0, paused: 0, rejected };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    const answer = (status: number, payload: unknown, size: number, headers?: Record<string, string>) => {
      requests.push({ status, size });
      reply(response, status, payload, headers);
    };
    if (request.method !== 'POST' || request.url !== '/v1/events') return answer(404, { error: { code: 'NOT_FOUND', message: 'not found' } }, 0);
    if (request.headers.authorization !== `Bearer ${token}`)
      return answer(401, { error: { code: 'UNAUTHENTICATED', message: 'a valid bearer token is required' } }, 0);
    let batch: SinkEvent[];
    try {
      batch = JSON.parse(body).events;
      if (!Array.isArray(batch)) throw new Error('events is not an array');
    } catch {
      return answer(400, { error: { code: 'REQUEST_INVALID', message: 'body must be { events: [...] }' } }, 0);
    }
    if (batch.length > maxBatch) return answer(413, { error: { code: 'LIMIT_EXCEEDED', message: `at most ${maxBatch} events per batch` } }, batch.length);
    const failure = failures.shift();
    if (failure) {
      if (failure.storeFirst) store(batch);
      return answer(failure.status, { error: { code: 'UNAVAILABLE', message: 'try again later' } }, batch.length, failure.headers);
    }
    answer(200, store(batch), batch.length);
  }

  let server: Server = createServer();
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer((request, response) => {
        handle(request, response).catch(() => response.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    events,
    requests,
    failNext(count, status, { headers = {}, storeFirst = false } = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, headers, storeFirst });
    },
    stop,
    start: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
