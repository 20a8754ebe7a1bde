/**
 * The web console's first load from a cold node: a node started just before, a browser context
 * with an empty cache, from navigating to / until the login form is usable, and from signing in
 * until the overview shows the node's identity. Also the bundle's size, raw and gzipped.
 * Usage: npm run bench:console  (needs Debian's chromium at /usr/bin/chromium)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { launchChromium, VIEWPORT } from '../test/support/chromium.js';

const RUNS = 5;
const root = packageRoot();
const bin = join(root, 'bin', 'mofang');

const mofang = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mofang ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = join(root, 'dist', 'console');
console.log('bundle (dist/console):');
for (const file of readdirSync(dir)) {
  const body = readFileSync(join(dir, file));
  console.log(`  ${file.padEnd(24)} ${(body.length / 1024).toFixed(1).padStart(7)} KiB  gzip ${(gzipSync(body).length / 1024).toFixed(1).padStart(6)} KiB`);
}

const { browser } = await launchChromium();
const login: number[] = [];
const overview: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const work = mkdtempSync(join(tmpdir(), 'mofang-bench-console-'));
    const port = await freePort();
    const init = JSON.parse(
      mofang('--json', 'init', '--name', 'bank', '--dir', join(work, 'bank'), '--http', `127.0.0.1:${port}`, '--grpc', `127.0.0.1:${await freePort()}`),
    );
    const token = JSON.parse(mofang('--config', init.configFile, '--json', 'token', 'create', '--name', 'bench', '--role', 'operator')).token as string;
    const node = spawn(process.execPath, [bin, '--config', init.configFile, 'start'], { stdio: 'ignore' });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (;;) {
        if (
          await fetch(`${url}/health`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      let t = performance.now();
      await page.goto(`${url}/`);
      await page.locator('#token').waitFor();
      login.push(performance.now() - t);
      await page.locator('#token').fill(token);
      t = performance.now();
      await page.locator('button[type=submit]').click();
      await page.locator('[data-testid=node-id]').waitFor();
      overview.push(performance.now() - t);
      await context.close();
    } finally {
      const exited = new Promise((resolve) => node.once('exit', resolve));
      node.kill('SIGTERM');
      await exited;
      rmSync(work, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
const ms = (xs: number[]) =>
  `median ${Math.round(median(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}; ${xs.map(Math.round).join(', ')})`;
console.log(`cold node, empty cache, ${RUNS} runs:`);
console.log(`  / → login form usable:           ${ms(login)}`);
console.log(`  sign in → overview with identity: ${ms(overview)}`);
