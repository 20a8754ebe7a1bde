/**
 * A real HTTP server on loopback that receives alert webhooks the way a receiver should: it checks
 * `Mofang-Signature` against the shared secret (its own HMAC code, not the node's), refuses a stale
 * timestamp, and records every request. `replies` scripts the status of each attempt (then 200), or
 * holds it unanswered (a receiver that hangs) until the receiver closes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the signature matched the secret and the timestamp was within the tolerance. */
  verified: boolean;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Statuses (and reply bodies) for the next requests, in order; 200 once they run out. */
  replies: ({ status: number; body?: string } | { hold: true })[];
  close(): Promise<void>;
}

/** The receiver's check, as docs/alerts.md describes it. */
export function verifyWebhook(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

export async function webhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const replies: WebhookReceiver['replies'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifyWebhook(secret, req.headers['mofang-signature'] as string | undefined, body, Math.floor(Date.now() / 1000));
      received.push({ headers: req.headers, body, verified });
      const reply = verified ? (replies.shift() ?? { status: 200 }) : { status: 401, body: 'bad signature' };
      if ('hold' in reply) return;
      res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
