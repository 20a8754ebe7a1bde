/**
 * The fence around the generated wire types: a change to peer.proto that the code does not follow
 * breaks the build. Types are generated from a modified copy of the .proto (as `npm run proto:gen`
 * does) and the node's code is type-checked against them instead of the real ones.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';

const root = packageRoot();
const GENERATED = join(root, 'node', 'wire', 'generated', 'peer.d.ts');
/** Code that reads a RunStart field and binds the loaded service: what a renamed field or rpc must break. */
const CHECKED = ['node/session/transcript.ts', 'node/wire/codec.ts'].map((f) => join(root, f));

const work = mkdtempSync(join(tmpdir(), 'mofang-fence-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Generates the declarations from `proto` text with the project's generator. */
function generate(proto: string): string {
  const file = join(work, 'peer.proto');
  const out = join(work, 'peer.d.ts');
  writeFileSync(file, proto);
  execFileSync(process.execPath, [join(root, 'scripts', 'proto-gen.mjs'), file, out], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
}

/** Type errors in CHECKED (and what they import) when the generated declarations are `declarations`. */
function typeErrors(declarations: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const options = { ...config.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const isGenerated = (file: string) => resolve(file) === GENERATED;
  const { fileExists, getSourceFile } = host;
  host.fileExists = (file) => isGenerated(file) || fileExists(file);
  host.getSourceFile = (file, language, ...rest) =>
    isGenerated(file) ? ts.createSourceFile(file, declarations, language) : getSourceFile(file, language, ...rest);
  const program = ts.createProgram({ rootNames: CHECKED, options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? relative(root, d.file.fileName) : '-'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('generated wire types', () => {
  const proto = readFileSync(join(root, 'proto', 'mofang', 'v1', 'peer.proto'), 'utf8');

  it('the code type-checks against the declarations npm run proto:gen wrote (the check below is sound)', () => {
    expect(typeErrors(readFileSync(GENERATED, 'utf8'))).toEqual([]);
  }, 60_000);

  it('a field or rpc renamed in peer.proto fails the type check where the code uses it', () => {
    const renamed = proto
      .replace('uint64 receiver_set_size = 4;', 'uint64 receiver_count = 4;')
      .replace('rpc Run(stream RunFrame)', 'rpc Exchange(stream RunFrame)');
    expect(renamed).not.toBe(proto);
    const errors = typeErrors(generate(renamed));
    expect(errors).toContainEqual(expect.stringMatching(/^node\/session\/transcript\.ts: .*receiverSetSize/));
    expect(errors).toContainEqual(expect.stringMatching(/^node\/wire\/contract\.ts: .*Run/));
  }, 60_000);
});
