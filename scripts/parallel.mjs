// Runs shell commands side by side, as many at a time as there are cores, in the order given (put
// the longest first), and fails if any of them fails. `npm test` runs its checks with it: each
// type-check is one single-threaded tsc, and run one after another they left a core idle for a
// minute. Each command's output is printed in one piece when it ends, so outputs never interleave.
// Usage: node scripts/parallel.mjs "<command>" "<command>" …
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const commands = process.argv.slice(2);
if (commands.length === 0) {
  console.error('usage: node scripts/parallel.mjs "<command>" "<command>" …');
  process.exit(2);
}

const failed = [];
const run = (command) =>
  new Promise((done) => {
    const started = performance.now();
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (err) => output.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const status = code === 0 ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`;
      process.stdout.write(`\n> ${command}  [${status}, ${seconds} s]\n${Buffer.concat(output).toString()}`);
      if (code !== 0) failed.push(command);
      done();
    });
  });

const queue = [...commands];
const worker = async () => {
  for (let command = queue.shift(); command !== undefined; command = queue.shift()) await run(command);
};
await Promise.all(Array.from({ length: Math.min(availableParallelism(), commands.length) }, worker));
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join('; ')}`);
  process.exit(1);
}
