/**
 * What comes back from the customer and the providers after a send, on the node's HTTP port,
 * without an API token (each request carries its own proof instead):
 * - `GET /v1/reach/unsubscribe?token=…`: a small confirm page (zh-CN and English, no customer data);
 *   `POST` (the page's button, and RFC 8058 one-click from mail clients) records the opt-out;
 * - `GET /v1/reach/o/<token>`: the open pixel; `GET /v1/reach/r/<token>`: a tracked link, redirected
 *   to the target inside the signed token;
 * - `POST /v1/reach/receipts/:channel`: a provider's signed status callback (Mofang-Signature).
 * The link routes are rate-limited per remote address. docs/reach.md describes them.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../../adapters/channels/template.js';
import { asMofangError, MofangError } from '../../errors.js';
import type { ReachFeedbackRoutes } from '../../reach/public-routes.js';

const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: true });
const Html = { 200: { content: { 'text/html': { schema: { type: 'string', description: 'A small page, zh-CN and English.' } } } } };
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** Rate windows tracked at most; past it the window starts afresh (a flood of addresses cannot grow memory). */
const MAX_ADDRESSES = 50_000;

export const reachFeedbackRoutes: FastifyPluginAsync<ReachFeedbackRoutes> = async (app, { links, receipts, publicRatePerMinute }) => {
  const tags = ['reach'];
  const limited = rateLimit(publicRatePerMinute);
  // A mail client's one-click POST is a form; its body (List-Unsubscribe=One-Click) says nothing the URL does not.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, null));
  // The signature covers the body byte for byte: keep it as received.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const page = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .header('referrer-policy', 'no-referrer')
      .send(html(body));

  /** A link route's answer: an HTML page saying what went wrong rather than JSON, since a person reads it. */
  const unsubscribePage = async (request: FastifyRequest, reply: FastifyReply, act: () => Promise<string>) => {
    limited(request);
    try {
      return page(reply, 200, await act());
    } catch (err) {
      const e = asMofangError(err);
      if (e.httpStatus >= 500) throw err;
      request.errorCode = e.code;
      return page(
        reply,
        e.httpStatus,
        `<h1>链接无效 · This link is not valid</h1><p>此退订链接无效或已被修改，未做任何更改。</p><p>${escapeHtml(e.message)}. Nothing was changed.</p>`,
      );
    }
  };

  app.get<{ Querystring: Static<typeof TokenQuery> }>(
    '/unsubscribe',
    { config: { public: true }, schema: { tags, summary: 'The unsubscribe confirm page of an e-mail link', querystring: TokenQuery, response: Html } },
    (request, reply) =>
      unsubscribePage(request, reply, async () => {
        links.checkUnsubscribe(request.query.token);
        return `<h1>退订邮件 · Unsubscribe</h1>
<p>确认后，您将不再收到我们的营销邮件。</p><p>After you confirm, you will no longer receive our marketing e-mails.</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(request.query.token))}"><button type="submit">确认退订 · Unsubscribe</button></form>`;
      }),
  );

  app.post<{ Querystring: Static<typeof TokenQuery> }>(
    '/unsubscribe',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Record the unsubscribe (the confirm button, and RFC 8058 one-click POST); idempotent',
        querystring: TokenQuery,
        response: Html,
      },
    },
    (request, reply) =>
      unsubscribePage(request, reply, async () => {
        await links.unsubscribe(request.query.token);
        return '<h1>已退订 · Unsubscribed</h1><p>您已退订，今后不会再收到我们的营销邮件。</p><p>You are unsubscribed and will receive no more marketing e-mails from us.</p>';
      }),
  );

  app.get<{ Params: { '*': string } }>(
    '/o/*',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'The open pixel of a tracked e-mail: records `opened`',
        response: { 200: { content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } } } },
      },
    },
    async (request, reply) => {
      limited(request);
      await links.opened(request.params['*']);
      return reply.type('image/gif').send(PIXEL);
    },
  );

  app.get<{ Params: { '*': string } }>(
    '/r/*',
    {
      config: { public: true },
      schema: { tags, summary: 'A tracked link: records `clicked` and redirects to the target signed into the token', response: { 302: Type.Null() } },
    },
    async (request, reply) => {
      limited(request);
      const target = await links.clicked(request.params['*']);
      return reply.code(302).header('location', target).header('referrer-policy', 'no-referrer').send();
    },
  );

  app.post<{ Params: { channel: string }; Body: string }>(
    '/receipts/:channel',
    {
      config: { public: true },
      schema: {
        tags,
        summary: "A provider's status callback, signed with the channel's callbackSecret (Mofang-Signature)",
        description:
          'Body: one receipt or an array of them, { key | providerId, status: delivered|failed|bounced|opened|clicked|replied, at, bounce?: hard|soft, code?, reason? }. Unknown messages are counted.',
        params: Type.Object({ channel: Type.String({ minLength: 1, maxLength: 32 }) }),
        response: { 200: Type.Object({ received: Type.Integer(), recorded: Type.Integer(), repeated: Type.Integer(), unknown: Type.Integer() }) },
      },
    },
    async (request) => {
      const signature = request.headers['mofang-signature'];
      if (typeof request.body !== 'string') throw new MofangError('MEDIA_TYPE_UNSUPPORTED', 'a receipt callback is application/json');
      return receipts.receive(request.params.channel, typeof signature === 'string' ? signature : undefined, request.body);
    },
  );
};

/** A fixed one-minute window per remote address. */
function rateLimit(perMinute: number): (request: FastifyRequest) => void {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return (request) => {
    const now = Date.now();
    if (now - windowStart >= 60_000 || counts.size >= MAX_ADDRESSES) {
      windowStart = now;
      counts = new Map();
    }
    const n = (counts.get(request.ip) ?? 0) + 1;
    counts.set(request.ip, n);
    if (n > perMinute) {
      throw new MofangError('REACH_RATE_LIMITED', `more than ${perMinute} requests a minute from this address; retry in a minute`, { limit: perMinute });
    }
  };
}

function html(body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>退订 · Unsubscribe</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body>
${body}
</body></html>`;
}
