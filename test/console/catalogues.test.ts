import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../node/paths.js';
import { CATALOGUES } from '../../console/src/catalogues.js';

/** Every leaf of a catalogue as `a.b.c` → text. */
function leaves(tree: object, prefix = ''): Map<string, unknown> {
  return new Map(
    Object.entries(tree).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? [...leaves(v, `${prefix}${k}.`)] : [[`${prefix}${k}`, v] as const])),
  );
}

const source = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? source(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [readFileSync(join(dir, e.name), 'utf8')] : [],
  );

describe('the console catalogues', () => {
  const zhKeys = leaves(CATALOGUES['zh-CN']);
  const enKeys = leaves(CATALOGUES.en);

  it('zh-CN and English have exactly the same keys, and every text is a non-empty string', () => {
    expect([...zhKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
    for (const [key, text] of [...zhKeys, ...enKeys]) expect(typeof text === 'string' && text.trim() !== '', key).toBe(true);
  });

  it('hold every page file of locales/<language>/ under its page name', () => {
    for (const language of ['zh-CN', 'en'] as const) {
      const dir = join(packageRoot(), 'console', 'src', 'locales', language);
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
      for (const file of files) {
        const page = file.replace(/\.json$/, '');
        expect((CATALOGUES[language] as Record<string, unknown>)[page], `${language}/${file}`).toEqual(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      }
    }
  });

  it('use the same interpolation variables in both languages', () => {
    const vars = (text: unknown) => [...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of zhKeys) expect(vars(text), key).toEqual(vars(enKeys.get(key)));
  });

  it('hold every key the console names literally', () => {
    const used = source(join(packageRoot(), 'console', 'src')).flatMap((code) => [...code.matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)].map((m) => m[1]));
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter((key) => !enKeys.has(key))).toEqual([]);
  });
});
