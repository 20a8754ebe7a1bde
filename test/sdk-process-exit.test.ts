/**
 * The event SDK in a real Node process that ends: the events it tracked arrive without an
 * explicit flush when its event loop runs out of work (`beforeExit`), and through `close()` in a
 * SIGTERM handler. Runs the built SDK (dist/sdk), as an app that installs it would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { eventsSink, type EventsSink } from './support/events-sink.js';

const SDK = pathToFileURL(join(packageRoot(), 'dist', 'sdk', 'src', 'index.js')).href;
const cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** Runs `body` as an ES module after `tracker` is created; resolves with the exit code once the process ends. */
function runApp(sink: EventsSink, body: string, onOutput: (text: string, child: ReturnType<typeof spawn>) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-sdk-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.mjs');
  writeFileSync(
    file,
    `import { createTracker } from ${JSON.stringify(SDK)};
const tracker = createTracker({ endpoint: ${JSON.stringify(sink.url)}, token: ${JSON.stringify(sink.token)}, flushIntervalMs: 600000, backoff: { initialMs: 20, maxMs: 100 } });
tracker.identify('customer-1');
${body}`,
  );
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', (d) => onOutput(String(d), child));
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

async function sink() {
  const s = await eventsSink();
  cleanup.push(() => s.close());
  return s;
}

describe('event SDK in a Node process that exits', () => {
  it('sends what was tracked when the process runs out of work, without flush or close', async () => {
    const s = await sink();
    const run = await runApp(s, `for (let i = 0; i < 3; i++) tracker.track('viewed', { i });`);
    expect(run).toEqual({ code: 0, stderr: '' });
    expect(s.events.map((e) => e.properties.i)).toEqual([0, 1, 2]);
  });

  it('retries at exit: the process stays until its last batch is delivered', async () => {
    const s = await sink();
    s.failNext(2, 503);
    const run = await runApp(s, `tracker.track('viewed', { i: 0 });`);
    expect(run.code).toBe(0);
    expect(s.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(s.events).toHaveLength(1);
  });

  it('delivers through close() in a SIGTERM handler, which ends the process before beforeExit would', async () => {
    const s = await sink();
    const run = await runApp(
      s,
      `for (let i = 0; i < 3; i++) tracker.track('viewed', { i });
setInterval(() => {}, 1000);
process.on('SIGTERM', async () => { await tracker.close(); process.exit(0); });
console.log('ready');`,
      (text, child) => {
        if (text.includes('ready')) child.kill('SIGTERM');
      },
    );
    expect(run).toEqual({ code: 0, stderr: '' });
    expect(s.events.map((e) => e.properties.i)).toEqual([0, 1, 2]);
  });
});
