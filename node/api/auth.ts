/**
 * Bearer-token authentication and per-route role checks. Every route under /v1 declares
 * `config.roles`; there is no role hierarchy (admin does not imply compliance), so a route is
 * open exactly to the roles it lists.
 */
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { MofangError, type ErrorCode } from '../errors.js';
import type { Actor, Role } from './services.js';
import { checkToken, type TokenSource } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route. Required on every non-public route. */
    roles?: readonly Role[];
    /** No token needed (health, OpenAPI document). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook on authenticated routes. */
    actor: Actor | null;
    /** The catalogue code of the error reply, for the request log line. */
    errorCode: ErrorCode | null;
  }
}

/**
 * @example v1.addHook('onRequest', authHook(tokenFileSource(file)))
 */
export function authHook(tokens: TokenSource, onUse: (id: string) => void = () => {}): onRequestHookHandler {
  return async (request, reply) => {
    let entries: ReturnType<TokenSource>;
    try {
      entries = tokens();
    } catch (err) {
      // Fail closed, and keep the token file's path and state out of the reply.
      request.log.error({ err }, 'API token file unusable; refusing all authenticated requests');
      throw new MofangError('INTERNAL', 'authentication is unavailable');
    }
    const header = request.headers.authorization;
    const check = checkToken(entries, header);
    if (!check.ok) {
      reply.header('www-authenticate', 'Bearer'); // RFC 6750 §3
      throw new MofangError('AUTH_REQUIRED', refusal(check));
    }
    const principal = check.principal;
    onUse(principal.id);
    request.actor = { id: principal.actor ?? `token:${principal.id}`, role: principal.role, ...(principal.unit !== undefined ? { unit: principal.unit } : {}) };
    // Routes without `roles` are the 404 handler: authenticated callers reach NOT_FOUND.
    const allowed = request.routeOptions.config.roles;
    if (allowed && !allowed.includes(principal.role)) {
      throw new MofangError('FORBIDDEN_ROLE', `this endpoint is for role ${allowed.join(' or ')}; the token has role ${principal.role}`, {
        allowed: [...allowed],
        role: principal.role,
      });
    }
  };
}

function refusal(check: Exclude<ReturnType<typeof checkToken>, { ok: true }>): string {
  switch (check.reason) {
    case 'missing':
      return 'an Authorization: Bearer <token> header is required';
    case 'invalid':
      return 'the bearer token is not valid (unknown or malformed)';
    case 'revoked':
      return `the bearer token "${check.id}" was revoked at ${check.at}; ask an administrator for a new one`;
    case 'expired':
      return `the bearer token "${check.id}" expired at ${check.at}; ask an administrator for a new one`;
  }
}

/** The authenticated actor; only called from handlers behind `authHook`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new MofangError('AUTH_REQUIRED', 'an Authorization: Bearer <token> header is required');
  return request.actor;
}
