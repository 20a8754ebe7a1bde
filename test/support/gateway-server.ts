/**
 * A real HTTP server on loopback acting as a channel provider's gateway (SMS, push, WeChat, a
 * webhook receiver). It records every request and answers from a script: `replies` holds the next
 * answers in order — a status with a body and headers, or `hold` (never answer: a gateway slower
 * than the timeout) — and `otherwise` answers when the script has run out.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as JSON, or null. */
  json: Record<string, unknown> | null;
}

export type GatewayReply = { status: number; body?: string; headers?: Record<string, string> } | { hold: true };

export interface GatewayServer {
  url: string;
  received: GatewayRequest[];
  replies: GatewayReply[];
  close(): Promise<void>;
}

export async function gatewayServer(
  otherwise: (request: GatewayRequest) => GatewayReply = () => ({ status: 200, body: '{"id":"m-1"}' }),
): Promise<GatewayServer> {
  const received: GatewayRequest[] = [];
  const replies: GatewayReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {}
      const request = { path: req.url ?? '', headers: req.headers, body, json };
      received.push(request);
      const reply = replies.shift() ?? otherwise(request);
      if ('hold' in reply) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    received,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
