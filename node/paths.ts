/** Locations inside the installed package, valid both from sources (vitest) and from dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The configuration file name `mofang init` writes and the CLI reads by default. */
export const CONFIG_FILE = 'mofang.yaml';

let root: string | undefined;

/** The directory holding Mofang's package.json (sources and dist/ sit at different depths). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'mofang') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('mofang: cannot locate the package root');
    dir = parent;
  }
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
}
