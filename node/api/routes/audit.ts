/**
 * The audit log, for compliance only: list, verify the hash chain, export. Admins cannot read it
 * through the API — they are among the actors it records.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { NodeServices } from '../services.js';
import { AuditEntryView, AuditExportQuery, AuditQuery, AuditVerifyView } from '../schemas.js';
import { streamFrom } from '../stream-reply.js';

const CONTENT_TYPES = { jsonl: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' } as const;

export const auditRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['audit'];
  const roles = ['compliance'] as const;

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    {
      config: { roles },
      schema: { tags, summary: 'List audit entries', querystring: AuditQuery, response: { 200: Type.Object({ entries: Type.Array(AuditEntryView) }) } },
    },
    async (request) => ({ entries: await services.audit.list(request.query) }),
  );

  app.post(
    '/audit/verify',
    { config: { roles }, schema: { tags, summary: 'Verify the audit hash chain and signatures', response: { 200: AuditVerifyView } } },
    async () => services.audit.verify(),
  );

  app.get<{ Querystring: Static<typeof AuditExportQuery> }>(
    '/audit/export',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'Export audit entries (streamed)',
        description: 'A connection closed before the end means the export failed; compare with POST /v1/audit/verify.',
        querystring: AuditExportQuery,
        response: {
          200: {
            content: {
              'application/x-ndjson': { schema: { type: 'string', description: 'One audit entry per line.' } },
              'text/csv': { schema: { type: 'string', description: 'Header row, then one audit entry per row.' } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format = 'jsonl', ...filter } = request.query;
      const body = await streamFrom(
        (out) => services.audit.export(format, out, filter),
        (err) => request.log.error({ err }, 'audit export failed after it started; connection aborted'),
      );
      return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="audit.${format}"`).send(body);
    },
  );
};
