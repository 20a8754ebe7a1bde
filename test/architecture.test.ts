/** Structural rules of the repository that the architecture depends on. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../node/config/schema.js';
import { packageRoot } from '../node/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The files `tsc -p tsconfig.json` compiles into dist/: the code that ships. */
function buildFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(packageRoot(), 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.json could not be read');
  return config.fileNames.map((f) => resolve(f));
}

/** A test, a test double or a fixture: what must never ship. */
function isTestCode(file: string): boolean {
  const path = relative(packageRoot(), file);
  return path.startsWith(`test/`) || /\.test\.ts$/.test(path) || /(^|\.)testing\.ts$/.test(basename(path));
}

/** Relative imports of a source file (static and dynamic), resolved to the .ts files they name. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+)\.js'/g)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
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

  it('the build compiles no test, test double or fixture: nothing under test/, no *.test.ts, no testing.ts', () => {
    const files = buildFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter(isTestCode).map((f) => relative(packageRoot(), f))).toEqual([]);
  });

  it('production code imports nothing from test/ or a testing.ts module', () => {
    const offenders = buildFiles().flatMap((file) =>
      relativeImports(file)
        .filter(isTestCode)
        .map((target) => `${relative(packageRoot(), file)} imports ${relative(packageRoot(), target)}`),
    );
    expect(offenders).toEqual([]);
  });

  it('config/schema.json is generated from the config schema (npm run config:schema)', () => {
    const committed = JSON.parse(readFileSync(join(packageRoot(), 'config', 'schema.json'), 'utf8'));
    const { $schema: _s, title: _t, ...schema } = committed;
    expect(schema).toEqual(JSON.parse(JSON.stringify(ConfigSchema)));
  });
});
