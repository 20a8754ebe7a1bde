/**
 * CORS for `POST /v1/events` only, so the browser SDK on a bank web page served from another
 * origin can send events straight to the node with an ingest token. Origins are listed exactly
 * (`events.cors.allowedOrigins`; none by default, and then no route or header of this file
 * exists). Nothing else of the API answers a browser on another origin: the staff routes are for
 * tools, not for pages.
 *
 * The token travels in the Authorization header, never in a cookie, so no credentials mode is
 * allowed. An origin that is not listed gets no CORS header (the browser then refuses the page)
 * and a debug log line, not an audit entry: any page on the web can make a browser ask.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { untrustedText } from '../text/untrusted.js';

const EVENTS = '/v1/events';
/**
 * How long a browser may reuse a preflight answer: short enough that an origin removed from the
 * config stops working within minutes of a restart, long enough that a page sends one preflight
 * per ten minutes rather than one per batch (Chromium caps it at two hours anyway).
 */
const MAX_AGE_SECONDS = 600;

/**
 * Adds the CORS headers to every reply of POST /v1/events (errors too: the page's script must be
 * able to read a 401 or a 413) and answers its preflight. Register before the /v1 routes.
 * @example eventsCors(app, ['https://www.bank.example'])
 */
export function eventsCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  if (allowedOrigins.length === 0) return;
  const allowed = new Set(allowedOrigins);
  /** The request's origin when listed; otherwise logs it and returns null. */
  const listed = (request: FastifyRequest, reply: FastifyReply): string | null => {
    const origin = request.headers.origin;
    if (origin === undefined) return null;
    // The answer depends on the Origin header: caches must keep one answer per origin.
    reply.header('vary', 'Origin');
    if (allowed.has(origin)) return origin;
    request.log.debug({ origin: untrustedText(origin, 128) }, 'CORS: origin not in events.cors.allowedOrigins; no CORS headers');
    return null;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== EVENTS || request.method !== 'POST') return;
    const origin = listed(request, reply);
    if (origin) reply.header('access-control-allow-origin', origin);
  });

  app.options(
    EVENTS,
    {
      config: { public: true },
      schema: { hide: true, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const origin = listed(request, reply);
      if (origin && request.headers['access-control-request-method'] === 'POST') {
        reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', 'POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', String(MAX_AGE_SECONDS));
      }
      return reply.code(204).send();
    },
  );
}
