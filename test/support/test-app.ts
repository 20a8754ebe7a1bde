/**
 * Test harness: `buildApp` over `fakeServices`, a real token file with one token per role, and a
 * captured logger. Used by the API tests only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { captureLogger, type CapturedLogger } from './capture-logger.js';
import { buildApp, type AppOptions } from '../../node/api/app.js';
import { fakeServices, type FakeServices } from './fake-services.js';
import type { Role } from '../../node/api/services.js';
import { createToken, tokenFileSource } from '../../node/api/tokens.js';

export interface TestApp {
  app: FastifyInstance;
  services: FakeServices;
  log: CapturedLogger;
  /** Clear tokens, one per role (ids admin-1, operator-1, compliance-1, ingest-1, app-1). */
  tokens: Record<Role, string>;
  /** `{ authorization: 'Bearer …' }` for the role. */
  as(role: Role): { authorization: string };
  dir: string;
  close(): Promise<void>;
}

export async function testApp(overrides: Partial<AppOptions> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-api-'));
  const file = join(dir, 'tokens.json');
  const roles: Role[] = ['admin', 'operator', 'compliance', 'ingest', 'app'];
  const tokens = Object.fromEntries(roles.map((role) => [role, createToken(file, { id: `${role}-1`, role })])) as Record<Role, string>;
  const services = fakeServices();
  const log = captureLogger();
  const app = buildApp({ services, tokens: tokenFileSource(file), logger: log.logger, version: '0.1.0-test', uploadDir: dir, ...overrides });
  await app.ready();
  return {
    app,
    services,
    log,
    tokens,
    dir,
    as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
