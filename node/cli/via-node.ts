/**
 * Commands that read or write events while the node runs. DuckDB lets one process open the event
 * store, and a running node holds it from its start; a command that finds it held does the same
 * operation through that node's HTTP API instead, so `mofang analytics`, `metrics save|change|
 * evaluate` and `events import` work whether the node runs or not, with the same output.
 *
 * Authentication: the CLI already acts on the node's own files (it writes the token file like
 * `mofang token create`), so it mints a token for the one command — role operator only, valid
 * two minutes (it authenticates each request at its start; the longest command makes one request),
 * named `cli.<operator>.<random>`, audited as created and revoked by `cli:<operator>`, and acting
 * as `cli:<operator>` (TokenEntry.actor), so what the node records reads as when the CLI acts on
 * the store itself — and revokes and deletes it when the command ends, whatever the outcome. The token lives in this
 * process's memory only: it is never printed, logged or put in an error. A command killed before
 * its cleanup leaves an entry that expires by itself and is deleted by the next such command.
 *
 * Files: the CLI streams the file to `POST /v1/events/import` rather than naming a path the node
 * should read. Over HTTP the node reads paths only inside `imports.allowedDirs` (none by default:
 * a token is not a shell account), and a token able to name any path would be a new privilege in
 * the token file; on loopback the copy costs a disk write of the file, small beside checking and
 * storing its events.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { rootCertificates, type PeerCertificate } from 'node:tls';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Actor } from '../api/services.js';
import { ERRORS, MofangError, type ErrorCode } from '../errors.js';
import type { MofangNode } from '../node.js';

/** The running node's API, as this command's minted token sees it. */
export interface NodeApi {
  /** Sends `body` as JSON (none when undefined) and returns the JSON reply; an error reply is thrown as the node's MofangError. */
  call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
  /** Streams `file` as the body, reporting the bytes (and lines) sent so far. */
  upload<T>(path: string, file: string, contentType: string, onProgress?: (sent: { bytes: number; lines: number; total: number }) => void): Promise<T>;
}

/** How one command does its work: here, on the event store, or through the running node. */
export interface EventStoreWays<T> {
  here(): Promise<T>;
  viaNode(api: NodeApi): Promise<T>;
}

/** Long enough for a command's one request to be authenticated; a leaked token dies soon after. */
const TOKEN_LIFETIME_MS = 2 * 60_000;
/** The ids of the tokens this file mints: `cli.<operator>.<12 hex>`. */
const MINTED = /^cli\.[a-z0-9_.-]+\.[0-9a-f]{12}$/;

/**
 * Runs `here` when this process can open the event store, else `viaNode` through the node that
 * holds it. Anything but a held store (a corrupt file, a full disk) is thrown as it is.
 * @example const run = await onEventStore(node, actor, { here: () => node.analytics.run('event', params, actor), viaNode: (api) => api.call('POST', '/v1/analytics/event', params) });
 */
export async function onEventStore<T>(node: MofangNode, operator: Actor, ways: EventStoreWays<T>): Promise<T> {
  try {
    await node.pipeline.eventStore();
  } catch (err) {
    if (!(err instanceof MofangError) || err.code !== 'EVENT_STORE_BUSY') throw err;
    return throughRunningNode(node, operator, err, ways.viaNode);
  }
  return ways.here();
}

async function throughRunningNode<T>(node: MofangNode, operator: Actor, busy: MofangError, use: (api: NodeApi) => Promise<T>): Promise<T> {
  const endpoint = apiEndpoint(node.config.http, busy);
  // Another process (an import still running?) may hold the store with no node up: say so, and mint nothing.
  if (!(await answers(endpoint))) {
    throw new MofangError(
      'EVENT_STORE_BUSY',
      `the event store is open in another process, and no node answers at ${endpoint.url}: wait for that process (another mofang command?) or stop it`,
      busy.details,
    );
  }
  const { tokenAdmin } = await import('../api/token-admin.js');
  const { dropTokens } = await import('../api/tokens.js');
  const file = node.config.http.tokens;
  const admin = tokenAdmin(file, (e) => node.audit.record(e));
  const id = `cli.${operatorSlug(operator)}.${randomBytes(6).toString('hex')}`;
  const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS).toISOString();
  const { token } = admin.create({ id, role: 'operator', expiresAt, actor: operator.id }, operator);
  try {
    return await use(apiClient(endpoint, token));
  } finally {
    try {
      admin.revoke(id, operator);
      const now = Date.now();
      // This token, and any a killed command left behind that has expired since (only minted ones carry an actor).
      const leftOver = (e: { id: string; actor?: string; revokedAt?: string; expiresAt?: string }) =>
        e.actor !== undefined && MINTED.test(e.id) && (e.revokedAt !== undefined || Date.parse(e.expiresAt ?? '') <= now);
      dropTokens(file, (e) => e.id === id || leftOver(e));
    } catch (err) {
      // The command's own outcome matters more; the token dies by itself soon.
      console.error(
        `mofang: warning: could not revoke the command's token ${id} (${err instanceof MofangError ? err.code : ((err as NodeJS.ErrnoException).code ?? 'error')}); it expires at ${expiresAt}`,
      );
    }
  }
}

/** `cli:alice` → `alice`, reduced to what a token id may hold. */
function operatorSlug(operator: Actor): string {
  const name = operator.id
    .replace(/^cli:/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-');
  return name.slice(0, 40) || 'unknown';
}

interface Endpoint {
  url: string;
  options: HttpsRequestOptions;
  https: boolean;
}

/**
 * Where this machine reaches the node's API: `http.listen`, with a wildcard address reached over
 * loopback. Over TLS the server must present the certificate in `http.tls.certificate` (pinned by
 * fingerprint: the name in it need not be the loopback address used here).
 */
function apiEndpoint(http: MofangNode['config']['http'], busy: MofangError): Endpoint {
  const cut = http.listen.lastIndexOf(':');
  const listenHost = http.listen.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(http.listen.slice(cut + 1));
  if (port === 0) {
    throw new MofangError(
      'EVENT_STORE_BUSY',
      `${busy.message}; the node's API listens on a port chosen at start (http.listen ${http.listen}), so the CLI cannot reach it`,
      busy.details,
    );
  }
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  const url = `${http.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!http.tls) return { url, options: { host, port }, https: false };
  if (http.tls.clientCa) {
    throw new MofangError(
      'EVENT_STORE_BUSY',
      `${busy.message}; the node's API asks clients for a certificate (http.tls.clientCa), which the CLI does not have: stop the node, or call ${url} with one`,
      busy.details,
    );
  }
  const pem = readFileSync(http.tls.certificate, 'utf8');
  const pinned = new X509Certificate(pem).fingerprint256;
  return {
    url,
    https: true,
    options: {
      host,
      port,
      ca: [...rootCertificates, pem],
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        cert.fingerprint256 === pinned ? undefined : new Error(`the server at ${url} is not this node (certificate fingerprint differs)`),
    },
  };
}

/** Whether a node listens there; one that does but fails TLS (another certificate) or answers oddly is named. */
async function answers(endpoint: Endpoint): Promise<boolean> {
  let reply: IncomingMessage;
  try {
    reply = await send(endpoint, { method: 'GET', path: '/health' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL') return false;
    throw unreachable(endpoint, code ?? (err as Error).message);
  }
  reply.resume();
  if (reply.statusCode !== 200) throw unreachable(endpoint, `GET /health answered HTTP ${reply.statusCode}`);
  return true;
}

function send(endpoint: Endpoint, options: RequestOptions, body?: (req: NodeJS.WritableStream) => Promise<void>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (endpoint.https ? httpsRequest : httpRequest)({ ...endpoint.options, ...options }, resolve);
    req.on('error', reject);
    if (!body) req.end();
    else body(req).catch((err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err))));
  });
}

function apiClient(endpoint: Endpoint, token: string): NodeApi {
  const authorization = `Bearer ${token}`;
  const exchange = async <T>(options: RequestOptions, body?: (req: NodeJS.WritableStream) => Promise<void>): Promise<T> => {
    let reply: IncomingMessage;
    let text: string;
    try {
      reply = await send(endpoint, { ...options, headers: { ...options.headers, authorization } }, body);
      const chunks: Buffer[] = [];
      for await (const chunk of reply) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (err instanceof MofangError) throw err; // the file could not be read: the CLI's own error
      throw unreachable(endpoint, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    return replyValue<T>(endpoint, reply.statusCode ?? 0, text);
  };
  return {
    call: (method, path, body) =>
      body === undefined
        ? exchange({ method, path })
        : exchange({ method, path, headers: { 'content-type': 'application/json' } }, async (req) => {
            req.end(JSON.stringify(body));
          }),
    upload: (path, file, contentType, onProgress) => {
      let total: number;
      try {
        total = statSync(file).size;
      } catch (err) {
        throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file });
      }
      let bytes = 0;
      let lines = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          onProgress?.({ bytes, lines, total });
          done(null, chunk);
        },
      });
      return exchange({ method: 'POST', path, headers: { 'content-type': contentType, 'content-length': String(total) } }, (req) =>
        pipeline(createReadStream(file), counter, req),
      );
    },
  };
}

/** The reply's JSON, or the error it carries as the MofangError the node raised (its code, message and details). */
function replyValue<T>(endpoint: Endpoint, status: number, text: string): T {
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    throw unreachable(endpoint, `a reply that is not JSON (HTTP ${status})`);
  }
  if (status >= 200 && status < 300) return parsed as T;
  const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (typeof error?.code === 'string' && Object.hasOwn(ERRORS, error.code) && typeof error.message === 'string') {
    throw new MofangError(error.code as ErrorCode, error.message, (error.details ?? undefined) as Record<string, unknown> | undefined);
  }
  throw unreachable(endpoint, `HTTP ${status} without an error the CLI knows`);
}

function unreachable(endpoint: Endpoint, why: string): MofangError {
  return new MofangError('NODE_API_UNREACHABLE', `the running node's API at ${endpoint.url}: ${why}`, { url: endpoint.url });
}
