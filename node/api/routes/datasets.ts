/**
 * Datasets: list, and import either an upload (CSV or NDJSON streamed to a private file in the
 * node's data directory) or a file already on the node (JSON body with its path, read only inside
 * imports.allowedDirs). Importing is admin-only: it changes what the node can match against.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { MofangError } from '../../errors.js';
import { actorOf } from '../auth.js';
import { IMPORT_HISTORY_LIMIT } from '../../datasets/service.js';
import type { ImportInput, NodeServices } from '../services.js';
import { DatasetInfo, DatasetName, ImportFromPath, ImportQuery, ImportReport } from '../schemas.js';
import { stageUpload, tooLarge, UPLOAD_TYPES, uploadFormat } from '../upload.js';

export interface DatasetRouteOptions {
  services: NodeServices;
  /** Largest upload, in bytes. */
  importBodyLimit: number;
  /** Directory for staged uploads (private to the node: they hold customer identifiers). */
  uploadDir: string;
}

const Count = Type.Union([Type.Integer(), Type.Null()]);
const ImportRecord = Type.Object({
  seq: Type.Integer({ description: "The audit entry's sequence number (GET /v1/audit)." }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  outcome: Type.Union([Type.Literal('imported'), Type.Literal('failed')]),
  origin: Type.Union([Type.String(), Type.Null()], { description: 'upload, request (a path on the node) or operator (the CLI).' }),
  rowsRead: Count,
  imported: Count,
  rejected: Count,
  code: Type.Union([Type.String(), Type.Null()], { description: 'The error code of a failed import.' }),
});

export const datasetRoutes: FastifyPluginAsync<DatasetRouteOptions> = async (app, { services, importBodyLimit, uploadDir }) => {
  // Hand uploads to the handler as a stream (encapsulated: other routes still refuse these types).
  app.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));

  app.get(
    '/datasets',
    {
      config: { roles: ['admin', 'operator'] },
      schema: { tags: ['datasets'], summary: 'List datasets', response: { 200: Type.Object({ datasets: Type.Array(DatasetInfo) }) } },
    },
    async () => ({ datasets: await services.datasets.list() }),
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/datasets/:name/imports',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['datasets'],
        summary: "A dataset's import history",
        description: 'The latest imports of the dataset, succeeded and failed, newest first, as the audit log recorded them: counts and codes, no values.',
        params: Type.Object({ name: DatasetName }),
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: IMPORT_HISTORY_LIMIT, default: 20 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ imports: Type.Array(ImportRecord) }) },
      },
    },
    async (request) => ({ imports: services.datasets.imports(request.params.name, request.query.limit) }),
  );

  app.post<{ Params: { name: string }; Querystring: Static<typeof ImportQuery>; Body: Readable | Static<typeof ImportFromPath> }>(
    '/datasets/:name/import',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['datasets'],
        summary: 'Import a dataset (upload, or a file on the node)',
        description:
          'Upload: send the file as the body with Content-Type text/csv or application/x-ndjson and `?id=<column>:<kind>`. ' +
          "On-node file: send JSON { path, idColumn, idKind }; the path must be inside a directory of the node's imports.allowedDirs (IMPORT_PATH_FORBIDDEN otherwise). " +
          'Both take `encoding` (utf-8 by default; gb18030, gbk, latin1, utf-16le); invalid UTF-8 is refused with IMPORT_ENCODING_INVALID naming the line. ' +
          `Uploads larger than the configured limit (default 2 GiB) are refused with LIMIT_EXCEEDED.`,
        params: Type.Object({ name: DatasetName }),
        querystring: ImportQuery,
        body: {
          content: {
            'application/json': { schema: ImportFromPath },
            // Streams are not validated; these entries document the accepted types.
            'text/csv': { schema: { description: 'CSV with a header row.' } },
            'application/x-ndjson': { schema: { description: 'One JSON object per line.' } },
          },
        },
        response: { 200: ImportReport },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const dataset = request.params.name;
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (mediaType === 'application/json') {
        const b = request.body as Static<typeof ImportFromPath>;
        const input: ImportInput = {
          file: b.path,
          origin: 'request',
          format: b.format,
          encoding: b.encoding,
          dataset,
          idColumn: b.idColumn,
          idKind: b.idKind,
          skipBad: b.skipBad,
        };
        return services.datasets.import(input, actor);
      }
      const format = uploadFormat(mediaType);
      if (format === null) {
        throw new MofangError('MEDIA_TYPE_UNSUPPORTED', 'send the file as text/csv or application/x-ndjson, or JSON { path, idColumn, idKind }');
      }
      const id = request.query.id;
      // Refuse before reading a byte of the upload.
      if (!id)
        throw new MofangError('REQUEST_INVALID', 'querystring.id: is required for uploads, as <id column>:<id kind>', { in: 'querystring', field: 'id' });
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > importBodyLimit) throw tooLarge(importBodyLimit);
      const cut = id.lastIndexOf(':');
      const staged = await stageUpload(request.body as Readable, { dir: uploadDir, extension: format, limit: importBodyLimit });
      try {
        return await services.datasets.import(
          {
            file: staged.file,
            origin: 'upload',
            format,
            encoding: request.query.encoding,
            dataset,
            idColumn: id.slice(0, cut),
            idKind: id.slice(cut + 1),
            skipBad: request.query.skipBad,
          },
          actor,
        );
      } finally {
        await staged.remove();
      }
    },
  );
};
