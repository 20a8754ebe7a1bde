/** Structural rules of the repository that the architecture depends on. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../node/config/schema.js';
import { configValidatorCode } from '../node/config/validator-code.js';
import { packageRoot } from '../node/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('repository structure', () => {
  it('protocols/ is pure: it imports nothing from node/, gRPC, fastify, SQLite or the file system', () => {
    const offenders = sourceFiles(join(packageRoot(), 'protocols')).flatMap((file) => {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      return imports
        .filter((i) => /(^|\/)node\/|@grpc|fastify|better-sqlite3|^node:fs|^node:net|^node:http/.test(i) || i.startsWith('../../node'))
        .map((i) => `${relative(packageRoot(), file)} imports ${i}`);
    });
    expect(offenders).toEqual([]);
  });

  it('config/schema.json is generated from the config schema (npm run config:schema)', () => {
    const committed = JSON.parse(readFileSync(join(packageRoot(), 'config', 'schema.json'), 'utf8'));
    const { $schema: _s, title: _t, ...schema } = committed;
    expect(schema).toEqual(JSON.parse(JSON.stringify(ConfigSchema)));
  });

  it('the config validator is generated from config/schema.json (npm run config:schema)', () => {
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'config', 'schema.json'), 'utf8'));
    expect(readFileSync(join(packageRoot(), 'node', 'config', 'validate-config.generated.ts'), 'utf8')).toBe(configValidatorCode(schema));
  });
});
