/** Structural rules of the repository that the architecture depends on. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../node/config/schema.js';
import { configValidatorCode } from '../node/config/validator-code.js';
import { packageRoot } from '../node/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const root = packageRoot();
const rel = (file: string) => relative(root, file);

// Test support is not shipped (tsconfig.json excludes the same files) and may import anything.
const TEST_SUPPORT = /\.test\.ts$|(^|\/|\.)testing\.ts$/;

/** What `file` imports: static (`import … from`, `export … from`, side-effect `import '…'`) and dynamic `import('…')`. */
function specifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm)].map((m) => m[1]);
}

/** The repository file a relative specifier names, or null for a package or a built-in. */
function target(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const ts = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
  return existsSync(ts) ? rel(ts) : null;
}

interface Edge {
  from: string;
  to: string;
}

/** Every import between shipped files of the repository, as paths from its root. */
const edges: Edge[] = ['node', 'protocols', 'adapters'].flatMap((dir) =>
  sourceFiles(join(root, dir))
    .filter((file) => !TEST_SUPPORT.test(rel(file)))
    .flatMap((file) =>
      specifiers(file).flatMap((spec) => {
        const to = target(file, spec);
        return to ? [{ from: rel(file), to }] : [];
      }),
    ),
);

// node/errors.ts and node/paths.ts are the shared kernel: anyone may import them, they import no
// module of node/. The other files at node/'s top (node.ts, runtime.ts, init.ts, database.ts) are
// the composition root: each is a module of its own in the graph below.
const KERNEL = new Set(['node/errors.ts', 'node/paths.ts']);

/** The top-level module of node/ a file belongs to: `jobs` for node/jobs/…, `node.ts` for a root file. */
function moduleOf(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] !== 'node' || KERNEL.has(file)) return null;
  return parts[1];
}

/**
 * The SQL text of a shipped file: its string and template literals, a template's substitutions
 * replaced by `…` so that a table named at run time (`FROM ${table}`) names no table here.
 */
function sqlTexts(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const texts: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) texts.push(n.text);
    else if (ts.isTemplateExpression(n)) texts.push([n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join('…'));
    ts.forEachChild(n, visit);
  };
  visit(source);
  return texts;
}

// SQL in this repository writes its keywords in capitals, which keeps prose ("rows imported into
// datasets") out of the match. `ON` covers `CREATE INDEX … ON t` (and join conditions, harmlessly).
const CREATES = /\bCREATE\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_]\w*)/g;
const REFERENCES = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([A-Za-z_]\w*)/g;

/** Every table and view the shipped code creates, with the modules that create it. */
function tableOwners(): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const file of shippedNodeFiles) {
    const module = moduleOf(file)!;
    for (const text of sqlTexts(join(root, file))) {
      for (const m of text.matchAll(CREATES)) owners.set(m[1], (owners.get(m[1]) ?? new Set()).add(module));
    }
  }
  return owners;
}

const shippedNodeFiles = sourceFiles(join(root, 'node'))
  .map(rel)
  .filter((file) => !TEST_SUPPORT.test(file) && moduleOf(file) !== null);

function moduleGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { from, to } of edges) {
    const a = moduleOf(from);
    const b = moduleOf(to);
    if (a === null || b === null || a === b) continue;
    const out = graph.get(a) ?? new Map<string, string[]>();
    out.set(b, [...(out.get(b) ?? []), `${from} -> ${to}`]);
    graph.set(a, out);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan): each holds at least one cycle. */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Imports from files matching `from` into files matching `to`, as "importer -> imported". */
function offenders(from: (file: string) => boolean, to: (file: string) => boolean): string[] {
  return edges.filter((e) => from(e.from) && to(e.to)).map((e) => `${e.from} -> ${e.to}`);
}

/** The files `tsc -p tsconfig.json` compiles into dist/: the code that ships. */
function buildFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(packageRoot(), 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
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
    const offenders = sourceFiles(join(root, 'protocols')).flatMap((file) => {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      return imports
        .filter((i) => /(^|\/)node\/|@grpc|fastify|better-sqlite3|^node:fs|^node:net|^node:http/.test(i) || i.startsWith('../../node'))
        .map((i) => `${rel(file)} imports ${i}`);
    });
    expect(offenders).toEqual([]);
  });

  it('sdk/ stands alone for browsers and Node: it imports only its own files (no node/, no package, no node: built-in)', () => {
    const offenders = sourceFiles(join(root, 'sdk', 'src'))
      .filter((file) => !TEST_SUPPORT.test(rel(file)))
      .flatMap((file) =>
        specifiers(file)
          .filter((spec) => !spec.startsWith('./'))
          .map((spec) => `${rel(file)} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('console/ is a browser app talking to the node over HTTP only: no import leaves console/src, none is a node: built-in', () => {
    const tsx = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsx(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
    const consoleDir = join(root, 'console', 'src');
    const offenders = tsx(consoleDir).flatMap((file) =>
      specifiers(file)
        .filter((spec) => spec.startsWith('node:') || (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(consoleDir)))
        .map((spec) => `${rel(file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('adapters/ imports nothing from node/', () => {
    expect(
      offenders(
        (f) => f.startsWith('adapters/'),
        (f) => f.startsWith('node/'),
      ),
    ).toEqual([]);
  });

  it('the shared kernel (node/errors.ts, node/paths.ts) imports no module of node/', () => {
    expect(
      offenders(
        (f) => KERNEL.has(f),
        (f) => f.startsWith('node/') && !KERNEL.has(f),
      ),
    ).toEqual([]);
  });

  it('store/ imports no feature: it runs the migrations it is handed', () => {
    expect(
      offenders(
        (f) => f.startsWith('node/store/'),
        (f) => f.startsWith('node/') && !f.startsWith('node/store/') && !KERNEL.has(f),
      ),
    ).toEqual([]);
  });

  it('session/ imports nothing from api/ or insight/', () => {
    expect(
      offenders(
        (f) => f.startsWith('node/session/'),
        (f) => f.startsWith('node/api/') || f.startsWith('node/insight/'),
      ),
    ).toEqual([]);
  });

  it('session/ imports nothing from peer/: the wire contract is in wire/, gRPC errors are mapped by the gRPC link', () => {
    expect(
      offenders(
        (f) => f.startsWith('node/session/'),
        (f) => f.startsWith('node/peer/'),
      ),
    ).toEqual([]);
  });

  it('wire/ (the typed contract shared by session/ and peer/) imports neither of them', () => {
    expect(
      offenders(
        (f) => f.startsWith('node/wire/'),
        (f) => f.startsWith('node/session/') || f.startsWith('node/peer/'),
      ),
    ).toEqual([]);
  });

  it('journeys/ reads segments, attributes and events through its ports: of the pipeline it imports only the filter schema', () => {
    const pipeline = /^node\/(insight|events|alerts|datasets|session|peer|jobs|agreements)\//;
    expect(
      offenders(
        (f) => f.startsWith('node/journeys/'),
        (f) => pipeline.test(f) || (f.startsWith('node/analytics/') && f !== 'node/analytics/filters.ts'),
      ),
    ).toEqual([]);
    // The scan must see journeys' imports, or the rule above would hold vacuously.
    expect(
      offenders(
        (f) => f.startsWith('node/journeys/'),
        (f) => f === 'node/analytics/filters.ts',
      ),
    ).not.toEqual([]);
  });

  it('journeys/experiments/ is pure: the engine hands it counts and keys; it reads no table and calls no service', () => {
    const dir = join(root, 'node', 'journeys', 'experiments');
    const files = sourceFiles(dir).filter((file) => !TEST_SUPPORT.test(rel(file)));
    expect(files.length).toBeGreaterThan(0);
    const kernel = new Set(['node/errors.ts', 'node/text/untrusted.ts']);
    const outside = files.flatMap((file) =>
      specifiers(file)
        .filter((spec) => {
          const to = target(file, spec);
          return to === null ? spec !== 'node:crypto' : !to.startsWith('node/journeys/experiments/') && !kernel.has(to);
        })
        .map((spec) => `${rel(file)} -> ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('node.ts and runtime.ts are imported only by the CLI and the other root files', () => {
    // The demo starts real nodes in one process, as the CLI does.
    const allowed = (f: string) => f.startsWith('node/cli/') || f.split('/').length === 2 || f === 'node/demo/demo.ts';
    expect(
      offenders(
        (f) => !allowed(f),
        (f) => f === 'node/node.ts' || f === 'node/runtime.ts',
      ),
    ).toEqual([]);
  });

  it('the composition root only wires: node/node.ts stays under 200 lines', () => {
    expect(
      readFileSync(join(root, 'node', 'node.ts'), 'utf8')
        .trimEnd()
        .split('\n').length,
    ).toBeLessThan(200);
  });

  it('nothing outside the root opens the database or appends through the AuditLog: api/, cli/, demo/ and runtime.ts call services', () => {
    const outside = (f: string) => /^node\/(api|cli|demo)\//.test(f) || f === 'node/runtime.ts';
    expect(offenders(outside, (f) => f === 'node/store/db.ts' || f === 'node/audit/log.ts')).toEqual([]);
    const reaching = sourceFiles(join(root, 'node'))
      .filter((file) => outside(rel(file)) && !TEST_SUPPORT.test(rel(file)))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            // A node's connection (`node.db`, `services.db`) or an append that bypasses `audit.record`.
            /\b(node|services|bank|telco|partner)\.db\b|\.audit\.append\(|openNodeDatabase\(|new AuditLog\(/.test(line)
              ? [`${rel(file)}:${i + 1}: ${line.trim()}`]
              : [],
          ),
      );
    expect(reaching).toEqual([]);
  });

  it('the top-level modules of node/ import each other without cycles', () => {
    const graph = moduleGraph();
    const found = cycles(graph);
    const report = found.map((component) => ({
      modules: component,
      imports: component.flatMap((a) => component.flatMap((b) => graph.get(a)?.get(b) ?? [])),
    }));
    expect(report).toEqual([]);
  });

  it('one owner per table: a table is named in SQL only inside the module whose schema creates it', () => {
    const owners = tableOwners();
    // The scan must see the schemas, or the rule below would hold vacuously.
    expect([...(owners.get('runs') ?? [])]).toEqual(['session']);
    expect([...(owners.get('joint_attributes') ?? [])]).toEqual(['datasets']);
    expect([...owners].filter(([, modules]) => modules.size > 1).map(([table, modules]) => `${table} created by ${[...modules].join(', ')}`)).toEqual([]);
    const foreign = shippedNodeFiles.flatMap((file) =>
      sqlTexts(join(root, file)).flatMap((text) =>
        [...text.matchAll(REFERENCES)]
          .filter((m) => owners.has(m[1]) && !owners.get(m[1])!.has(moduleOf(file)!))
          .map((m) => `${file}: ${m[0].replace(/\s+/g, ' ')} (owned by ${[...owners.get(m[1])!].join(', ')})`),
      ),
    );
    expect(foreign).toEqual([]);
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
    const committed = JSON.parse(readFileSync(join(root, 'config', 'schema.json'), 'utf8'));
    const { $schema: _s, title: _t, ...schema } = committed;
    expect(schema).toEqual(JSON.parse(JSON.stringify(ConfigSchema)));
  });

  it('the config validator is generated from config/schema.json (npm run config:schema)', () => {
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'config', 'schema.json'), 'utf8'));
    expect(readFileSync(join(packageRoot(), 'node', 'config', 'validate-config.generated.ts'), 'utf8')).toBe(configValidatorCode(schema));
  });
});
