/**
 * The node's HTTP API. `buildApp` returns the fastify instance without listening (tests use
 * `app.inject()`; the node calls `listen`). Routes only validate, authorise and translate to
 * `NodeServices`; the services do the work and write the audit log.
 */
import swagger from '@fastify/swagger';
import { MofangError } from '../errors.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Logger } from '../log/logger.js';
import { authHook } from './auth.js';
import { eventsCors } from './cors.js';
import { errorReply, notFound } from './error-reply.js';
import { agreementRoutes } from './routes/agreements.js';
import { analyticsRoutes } from './routes/analytics.js';
import { alertRoutes } from './routes/alerts.js';
import { templateRoutes } from './routes/journey-templates.js';
import { consentRoutes } from './routes/consent.js';
import { callRoutes } from './routes/reach-calls.js';
import { inboxRoutes } from './routes/reach-inbox.js';
import { taskRoutes } from './routes/reach-tasks.js';
import { reachReportRoutes } from './routes/reach-reports.js';
import { reachRoutes } from './routes/reach.js';
import { journeyRoutes } from './routes/journeys.js';
import { auditRoutes } from './routes/audit.js';
import { datasetRoutes } from './routes/datasets.js';
import { eventRoutes } from './routes/events.js';
import { nodeHealthRoutes, publicHealthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import type { ReachFeedbackRoutes } from '../reach/public-routes.js';
import { reachFeedbackRoutes } from './routes/reach-feedback.js';
import type { Metrics } from '../metrics/metrics.js';
import { insightTreeRoutes } from './routes/insight-tree.js';
import { jobRoutes } from './routes/jobs.js';
import { openapiRoutes } from './routes/openapi.js';
import { runRoutes } from './routes/runs.js';
import { insightRoutes } from './routes/insight.js';
import { scoreRoutes } from './routes/scores.js';
import { trackingPlanRoutes } from './routes/tracking-plan.js';
import { ErrorResponse } from './schemas.js';
import type { NodeServices } from './services.js';
import type { TokenAdmin } from './token-admin.js';
import type { TokenEntry, TokenSource } from './tokens.js';
import { tokenRoutes } from './routes/tokens.js';
import { sessionRoutes, type NodeIdentity } from './routes/session.js';
import { consoleRoutes, loadConsole } from './console.js';

export interface AppOptions {
  services: NodeServices;
  /** Token hashes, or a source re-read per request (`tokenFileSource`) so revocation needs no restart. */
  tokens: readonly TokenEntry[] | TokenSource;
  logger: Logger;
  /** Shown in the OpenAPI document. */
  version: string;
  /** Largest file upload (a dataset or a file of events), in bytes. Default 2 GiB. */
  importBodyLimit?: number;
  /** Largest JSON body, in bytes. Default 1 MiB. */
  jsonBodyLimit?: number;
  /** Where uploads are staged before import. Default: the services' (inside the node's data directory). */
  uploadDir?: string;
  /** Serve HTTPS with this certificate and key (PEM); with `ca`, require client certificates it issued. */
  tls?: { cert: string; key: string; ca?: string };
  /** The node's metrics: request latencies are recorded and `/metrics` is served when given. */
  metrics?: Metrics;
  /** Readiness checks beyond "the HTTP server listens" (database open, peer server listening). */
  readiness?: () => Record<string, boolean>;
  /** Token administration for admins (`/v1/tokens`); absent: those routes do not exist. */
  tokenAdmin?: TokenAdmin;
  /** Called with the token id after each successful authentication (last-used bookkeeping). */
  onTokenUse?: (id: string) => void;
  /** Web page origins whose browsers may POST /v1/events (`events.cors.allowedOrigins`); none: no CORS. */
  eventOrigins?: readonly string[];
  /** Unsubscribes, opens, clicks and provider receipts (public routes under /v1/reach); absent: those routes do not exist. */
  reachFeedback?: ReachFeedbackRoutes;
  /** The node's name and id, for `GET /v1/session`; absent: read from `services.health()`. */
  identity?: NodeIdentity;
  /** The built web console (dist/console) to serve at /console/; absent: no console routes. A directory without a build gets a page saying so. */
  consoleDir?: string;
}

const DEFAULT_IMPORT_BODY_LIMIT = 2 * 1024 ** 3;
const DEFAULT_JSON_BODY_LIMIT = 1024 ** 2;

const ERROR_REF = { $ref: 'ErrorResponse#' };

/**
 * @example
 * const app = buildApp({ services: node, tokens: tokenFileSource(cfg.http.tokens), logger, version: '0.1.0' });
 * await app.listen({ host: '127.0.0.1', port: 8443 });
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { services } = options;
  const tokens: TokenSource = typeof options.tokens === 'function' ? options.tokens : () => options.tokens as readonly TokenEntry[];
  const app = Fastify({
    ...(options.tls ? { https: httpsOptions(options.tls) } : {}),
    loggerInstance: options.logger as FastifyBaseLogger,
    // We log one line per request ourselves, without URLs (they can carry ids) or bodies.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    // HEAD would run GET handlers (including exports) with no use for the API's clients.
    exposeHeadRoutes: false,
    // Report unknown fields instead of silently dropping them: a typo must not pass as a default.
    ajv: { customOptions: { removeAdditional: false } },
    // Router-level errors (e.g. a path parameter over maxParamLength) get our error format too,
    // without quoting the URL back.
    frameworkErrors: (_error, request, reply) => {
      void errorReply(new MofangError('REQUEST_INVALID', 'the request URL is malformed or a path parameter is too long'), request, reply);
    },
  });

  app.decorateRequest('actor', null);
  app.decorateRequest('errorCode', null);
  app.addSchema(ErrorResponse);
  app.addHook('onRoute', enforceRouteContract);
  app.setErrorHandler(errorReply);
  app.setNotFoundHandler(notFound);
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Responses name datasets, peers and counts: keep them out of shared caches and sniffers.
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        actor: request.actor?.id ?? null,
        ...(request.errorCode ? { code: request.errorCode } : {}),
      },
      'request',
    );
    options.metrics?.httpRequest(request.method, request.routeOptions.url ?? '(no route)', reply.statusCode, reply.elapsedTime / 1000);
  });

  eventsCors(app, options.eventOrigins ?? []);

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Mofang node API', version: options.version, description: 'See docs/api.md. Errors: docs/errors.md.' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token `mfg_<role>_…`.' } },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.register(openapiRoutes);
  if (options.consoleDir !== undefined) consoleRoutes(app, loadConsole(options.consoleDir));
  app.register(publicHealthRoutes, { readiness: options.readiness ?? (() => ({})) });
  if (options.reachFeedback) app.register(reachFeedbackRoutes, { ...options.reachFeedback, prefix: '/v1/reach' });
  if (options.metrics) {
    const metrics = options.metrics;
    app.register(async (scoped) => {
      scoped.addHook('onRequest', authHook(tokens));
      scoped.register(metricsRoutes, { metrics });
    });
  }
  app.register(
    async (v1) => {
      v1.addHook('onRequest', authHook(tokens, options.onTokenUse));
      v1.register(nodeHealthRoutes, { services });
      v1.register(sessionRoutes, { services, version: options.version, ...(options.identity ? { identity: options.identity } : {}) });
      const uploads = { importBodyLimit: options.importBodyLimit ?? DEFAULT_IMPORT_BODY_LIMIT, uploadDir: options.uploadDir ?? services.datasets.uploadDir };
      v1.register(datasetRoutes, { services, ...uploads });
      v1.register(agreementRoutes, { services });
      v1.register(runRoutes, { services });
      v1.register(jobRoutes, { services });
      v1.register(scoreRoutes, { services });
      v1.register(auditRoutes, { services });
      v1.register(insightRoutes, { insight: services.insight });
      v1.register(insightTreeRoutes, { services });
      v1.register(trackingPlanRoutes, { trackingPlan: services.trackingPlan });
      v1.register(eventRoutes, { services, ...uploads });
      v1.register(analyticsRoutes, { services });
      v1.register(alertRoutes, { alerts: services.alerts });
      v1.register(journeyRoutes, { journeys: services.journeys });
      v1.register(templateRoutes, { templates: services.templates });
      v1.register(consentRoutes, { frequency: services.pipeline.frequency });
      v1.register(inboxRoutes, { local: services.pipeline.localChannels });
      v1.register(callRoutes, { local: services.pipeline.localChannels });
      v1.register(taskRoutes, { local: services.pipeline.localChannels });
      v1.register(reachReportRoutes, { reports: services.pipeline.reachReports });
      v1.register(reachRoutes, { deadLetters: services.pipeline.reach.deadLetters });
      if (options.tokenAdmin) v1.register(tokenRoutes, { tokens: options.tokenAdmin });
    },
    { prefix: '/v1' },
  );
  return app as unknown as FastifyInstance;
}

/**
 * TLS for the API. With a client CA, a client without a certificate it issued is refused in the
 * handshake, before any request (or token) is read.
 */
function httpsOptions(tls: NonNullable<AppOptions['tls']>): HttpsServerOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/**
 * Checked as each route is added, so a route cannot ship without a role list or a response
 * schema: a missing `roles` would otherwise mean "any valid token", a missing schema "any field".
 */
function enforceRouteContract(route: RouteOptions): void {
  const config = route.config ?? {};
  const name = `${route.method} ${route.url}`;
  const roles = config.roles ?? [];
  if (config.public !== true && roles.length === 0) throw new Error(`${name}: declare config.roles or config.public`);
  const schema = (route.schema ??= {}) as Record<string, unknown> & { response?: Record<string, unknown> };
  // A redirect (a tracked link) is a route's success too.
  if (!Object.keys(schema.response ?? {}).some((status) => /^[23]\d\d$/.test(status))) throw new Error(`${name}: declare a 2xx response schema`);
  schema.response = { ...schema.response, '4xx': ERROR_REF, '5xx': ERROR_REF };
  if (config.public) {
    schema.security = [];
  } else {
    schema.security = [{ bearerAuth: [] }];
    const who = `Roles: ${roles.join(', ')}.`;
    schema.description = schema.description ? `${who} ${schema.description as string}` : who;
  }
}
