/** The OpenAPI document, generated from the route schemas; public like the API's shape itself. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

export const openapiRoutes: FastifyPluginAsync = async (app) => {
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } } }, async () =>
    app.swagger(),
  );
};
