/**
 * The web console's first load from a cold node: a node started just before, a browser context
 * with an empty cache, from navigating to / until the login form is usable, and from signing in
 * until the overview shows the node's identity. Also the bundle's size, raw and as served
 * compressed, and the canvas's frame rate while a node of a 60-node journey is dragged
 * (./canvas-frames.ts), against the same drag over a page without a canvas.
 * Usage: npm run bench:console [-- --canvas-only]  (needs Debian's chromium at /usr/bin/chromium;
 * --canvas-only skips the cold loads, to measure the drag alone)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { launchChromium, VIEWPORT } from '../test/support/chromium.js';
import { measureCanvasDrag, sixtyNodeJourney } from './canvas-frames.js';

const RUNS = process.argv.includes('--canvas-only') ? 0 : 5;
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
const kib = (n: number) => `${(n / 1024).toFixed(1).padStart(7)} KiB`;
for (const file of readdirSync(dir).filter((f) => !/\.(br|gz)$/.test(f))) {
  const body = readFileSync(join(dir, file));
  // What the node sends a browser that accepts brotli: the copy the build wrote, if any.
  const br = existsSync(join(dir, `${file}.br`)) ? `  served br ${kib(readFileSync(join(dir, `${file}.br`)).length)}` : '';
  console.log(`  ${file.padEnd(24)} ${kib(body.length)}  gzip ${kib(gzipSync(body).length)}${br}`);
}

async function healthy(url: string): Promise<void> {
  for (;;) {
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A node with a dataset and segment, a 60-node journey saved on it, and the drag measured on its canvas. */
async function canvasDrag() {
  const work = mkdtempSync(join(tmpdir(), 'mofang-bench-canvas-'));
  const port = await freePort();
  const init = JSON.parse(
    mofang('--json', 'init', '--name', 'bank', '--dir', join(work, 'bank'), '--http', `127.0.0.1:${port}`, '--grpc', `127.0.0.1:${await freePort()}`),
  );
  const csv = join(work, 'customers.csv');
  writeFileSync(csv, `id,income\n${Array.from({ length: 20 }, (_, i) => `c${i},${40_000 + i * 5_000}`).join('\n')}\n`);
  mofang('--config', init.configFile, 'import', csv, '--dataset', 'customers', '--id', 'id:raw');
  mofang('--config', init.configFile, 'segments', 'create', 'rich', '--dataset', 'customers', '--rule', '{"attr":"income","op":"gte","value":60000}');
  const token = JSON.parse(mofang('--config', init.configFile, '--json', 'token', 'create', '--name', 'bench', '--role', 'operator')).token as string;
  const node = spawn(process.execPath, [bin, '--config', init.configFile, 'start'], { stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    await healthy(url);
    const saved = await fetch(`${url}/v1/journeys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sixty-nodes', graph: sixtyNodeJourney('customers', 'rich') }),
    });
    if (saved.status !== 201) throw new Error(`saving the 60-node journey: ${saved.status} ${await saved.text()}`);
    const journeyId = ((await saved.json()) as { journey: { id: number } }).journey.id;
    return await measureCanvasDrag(browser, { url, token, journeyId });
  } finally {
    const exited = new Promise((resolve) => node.once('exit', resolve));
    node.kill('SIGTERM');
    await exited;
    rmSync(work, { recursive: true, force: true });
  }
}

const { browser } = await launchChromium();
let canvasFrames: Awaited<ReturnType<typeof canvasDrag>> | undefined;
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
      await healthy(url);
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
  canvasFrames = await canvasDrag();
} finally {
  await browser.close();
}
const ms = (xs: number[]) =>
  `median ${Math.round(median(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}; ${xs.map(Math.round).join(', ')})`;
if (RUNS > 0) {
  console.log(`cold node, empty cache, ${RUNS} runs:`);
  console.log(`  / → login form usable:           ${ms(login)}`);
  console.log(`  sign in → overview with identity: ${ms(overview)}`);
}
if (canvasFrames) {
  const { canvas, baseline, moved } = canvasFrames;
  const line = (f: typeof canvas) =>
    `${f.fps.toFixed(1).padStart(5)} fps (worst frame ${Math.round(f.worstFrameMs)} ms; ${f.moves} mouse moves in ${f.seconds.toFixed(2)} s)`;
  console.log('dragging a node, frames counted with requestAnimationFrame:');
  console.log(`  baseline, the same drag over the login page: ${line(baseline)}`);
  console.log(`  the canvas with a 60-node journey:           ${line(canvas)}${moved ? '' : '  — THE NODE DID NOT MOVE'}`);
}
