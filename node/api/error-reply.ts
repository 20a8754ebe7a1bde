/**
 * Turns anything thrown while serving a request into a catalogued error reply
 * `{ error: { code, message, details? } }` — including fastify's own errors, which otherwise
 * have their own shape and codes.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MofangError, asMofangError } from '../errors.js';
import { ProtocolError } from '../../protocols/errors.js';
import { oneOfMessage } from '../validation/allowed-values.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

type AnyError = Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };

function toMofangError(err: unknown, request: FastifyRequest): MofangError {
  if (err instanceof MofangError || err instanceof ProtocolError) return asMofangError(err);
  const e = (err ?? {}) as AnyError;
  if (Array.isArray(e.validation) && e.validation.length > 0) return fromValidation(e.validation[0], e.validationContext ?? 'request', e.validation);
  // fastify's own client errors: fixed messages that never quote the body.
  if (typeof e.code === 'string' && e.code.startsWith('FST_') && e.statusCode && e.statusCode < 500) {
    switch (e.statusCode) {
      case 413:
        return new MofangError('LIMIT_EXCEEDED', `request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes`, {
          limit: request.routeOptions.bodyLimit,
        });
      case 415:
        return new MofangError(
          'MEDIA_TYPE_UNSUPPORTED',
          `Content-Type ${JSON.stringify((request.headers['content-type'] ?? '').slice(0, 100))} is not accepted by this endpoint`,
        );
      case 404:
        return new MofangError('NOT_FOUND', e.message ?? 'not found');
      default:
        return new MofangError('REQUEST_INVALID', e.message ?? 'invalid request');
    }
  }
  return new MofangError('INTERNAL', 'unexpected error');
}

/** The fastify error handler: reply with the catalogue code and status; log what the reply hides. */
export function errorReply(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toMofangError(err, request);
  request.errorCode = e.code;
  // Refused before the body was read (auth, limit, bad query): close rather than let Node drain
  // up to the upload limit to keep the connection alive.
  if (request.raw.complete === false) reply.header('connection', 'close');
  if (e.code === 'INTERNAL') {
    // The reply is generic: messages of unexpected errors can hold paths, SQL or data.
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: `an unexpected error occurred; see the node log for request ${request.id}` } });
  }
  if (e.httpStatus >= 500) request.log.error({ err: e }, e.message);
  return reply.code(e.httpStatus).send({ error: e.toJSON() });
}

export function notFound(request: FastifyRequest): never {
  throw new MofangError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
}

function fromValidation(issue: ValidationIssue, where: string, all: readonly ValidationIssue[]): MofangError {
  const base = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const child =
    issue.keyword === 'required' ? issue.params.missingProperty : issue.keyword === 'additionalProperties' ? issue.params.additionalProperty : undefined;
  const field = [base, child].filter(Boolean).join('.');
  const why =
    issue.keyword === 'required'
      ? 'is required'
      : issue.keyword === 'additionalProperties'
        ? 'unknown field (check its spelling)'
        : (issue.message ?? 'is invalid');
  const oneOf = oneOfMessage(all, issue);
  if (oneOf) return new MofangError('REQUEST_INVALID', `${field ? `${where}.${field}` : where}: ${oneOf}`, field ? { in: where, field } : { in: where });
  const allowed = issue.keyword === 'enum' ? `: ${(issue.params.allowedValues as unknown[]).join(', ')}` : '';
  // An empty field means the whole part is wrong (e.g. no body at all): name the part.
  return new MofangError('REQUEST_INVALID', `${field ? `${where}.${field}` : where}: ${why}${allowed}`, field ? { in: where, field } : { in: where });
}
