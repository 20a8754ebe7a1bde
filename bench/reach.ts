/**
 * `npm run bench:reach` — the channel adapters' throughput to local providers (docs/benchmarks.md,
 * "Reach adapters"). Targets from the reach issue: ≥ 5,000 messages/s through the webhook adapter
 * to a local HTTP server, ≥ 1,000 e-mails/s to a local SMTP server.
 *
 * Each rate is printed against a baseline measured in the same run against the same server: a
 * bare client without the adapter (node:http with a keep-alive agent POSTing one prepared body; a
 * bare nodemailer pooled transport sending the same rendered text, without the unsubscribe link
 * and headers), with the same number of sends in flight.
 * The servers run in a child process (bench/reach-servers.ts), so client and server each have a
 * core of the 2-core machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import type { ChannelAdapter, RenderedMessage } from '../adapters/channels/channel.js';
import { emailAdapter } from '../adapters/channels/email.js';
import { renderMessage } from '../adapters/channels/template.js';
import { webhookAdapter } from '../adapters/channels/webhook.js';
import { type DispatchBench, dispatchBench } from './reach-dispatch.js';
import { makeLog, renderTable, thousands } from './format.js';
import { BenchError, runBenchmark, writeResults } from './harness.js';
import { machineInfo } from './machine.js';

const TARGETS = { webhookPerSecond: 5000, emailPerSecond: 1000 };

const USAGE = `usage: npm run bench:reach -- [options]
  --webhooks <n>      webhook messages per pass (default 50000)
  --emails <n>        e-mails per pass (default 10000)
  --in-flight <c>     HTTP sends in flight at once (default 64)
  --connections <k>   SMTP connections in the pool (default 8)
  --passes <p>        passes of each measurement; the best is reported (default 3)
  --dispatch <n>      outbox rows the dispatcher drains through the webhook adapter (default 100000; 0 skips)
  --batch <b>         dispatcher rows claimed at once (default 500)
  --out <file>        results JSON (default bench/results/reach-<date>.json)`;

const { values: args } = parseArgs({
  options: {
    webhooks: { type: 'string', default: '50000' },
    emails: { type: 'string', default: '10000' },
    'in-flight': { type: 'string', default: '64' },
    connections: { type: 'string', default: '8' },
    passes: { type: 'string', default: '3' },
    dispatch: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const SECRET = 'bench-webhook-secret-0123456789abcdef';
const log = makeLog();

/** Starts a provider process and waits for its port. */
async function provider(kind: 'http' | 'smtp'): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./reach-servers.js', import.meta.url));
  const child = spawn(process.execPath, [script, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new BenchError(`the ${kind} server exited (${code})`)));
  });
  return { port, child };
}

/** A measured rate, and the sending process's CPU per message (less sensitive than the rate to what else the machine runs). */
interface Rate {
  perSecond: number;
  cpuMicros: number;
}

/** Runs `send(i)` for i < n with `inFlight` at once. */
async function rate(n: number, inFlight: number, send: (i: number) => Promise<boolean>): Promise<Rate> {
  let next = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        if (!(await send(next++))) failed++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (failed > 0) throw new BenchError(`${failed} of ${n} sends failed`);
  return { perSecond: n / seconds, cpuMicros: (cpu.user + cpu.system) / n };
}

async function best(passes: number, measure: () => Promise<Rate>): Promise<Rate> {
  let top: Rate = { perSecond: 0, cpuMicros: 0 };
  for (let p = 0; p < passes; p++) {
    const r = await measure();
    if (r.perSecond > top.perSecond) top = r;
  }
  return top;
}

const template = {
  subject: 'A deposit rate for {{profile.first_name}}',
  body: 'Dear {{profile.first_name}}, a {{event.rate}} deposit rate is yours until {{journey.name}} ends.',
};
const variables = { 'profile.first_name': 'Li', 'event.rate': '3.1%', 'journey.name': 'spring-offer' };
const message = (i: number, to: string, channel: 'webhook' | 'email'): RenderedMessage =>
  renderMessage({ key: `j1.v1.nsend.e${i}`, to, template, variables }, channel);

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const started = new Date();
  const webhooks = Number(args.webhooks);
  const emails = Number(args.emails);
  const inFlight = Number(args['in-flight']);
  const connections = Number(args.connections);
  const passes = Number(args.passes);
  const rows: { name: string; baseline: Rate; adapter: Rate; target: number }[] = [];
  let dispatched: DispatchBench | undefined;

  const gateway = await provider('http');
  try {
    const url = `http://127.0.0.1:${gateway.port}/hook`;
    // The floor: a bare node:http client with its own keep-alive agent POSTing one prepared body —
    // no rendering, no signing, no classification.
    const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
    const prepared = Buffer.from(JSON.stringify(message(0, 'crm-1', 'webhook')));
    const bare = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': prepared.byteLength } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200));
          },
        );
        req.on('error', reject);
        req.end(prepared);
      });
    const adapter = webhookAdapter({ endpoint: url, credential: SECRET, timeoutMs: 10_000, userAgent: 'mofang-bench' });
    const send = async (i: number) => (await adapter.send(message(i, 'crm-1', 'webhook'))).status === 'sent';
    await rate(Math.min(2000, webhooks), inFlight, bare); // warm-up: connections, JIT
    const baseline = await best(passes, () => rate(webhooks, inFlight, bare));
    log(`webhook baseline (bare node:http): ${thousands(baseline.perSecond)} msgs/s`);
    const through = await best(passes, () => rate(webhooks, inFlight, send));
    log(`webhook adapter: ${thousands(through.perSecond)} msgs/s`);
    rows.push({ name: 'webhook → local HTTP', baseline, adapter: through, target: TARGETS.webhookPerSecond });
    const messages = Number(args.dispatch);
    if (messages > 0) {
      dispatched = await dispatchBench({ url, messages, secret: SECRET, batch: Number(args.batch), concurrency: inFlight });
      log(
        `dispatcher: ${thousands(messages)} outbox rows written through the gate in ${dispatched.writeSeconds.toFixed(1)} s, drained in ${dispatched.drainSeconds.toFixed(1)} s: ${thousands(dispatched.perSecond)} msgs/s; peak RSS ${dispatched.peakRssMiB.toFixed(0)} MiB`,
      );
      rows.push({
        name: 'dispatcher → webhook → local HTTP',
        baseline,
        adapter: { perSecond: dispatched.perSecond, cpuMicros: dispatched.cpuMicros },
        target: TARGETS.webhookPerSecond,
      });
    }
  } finally {
    gateway.child.stdin!.end();
  }

  const smtp = await provider('smtp');
  let mailer: ChannelAdapter | undefined;
  const bareTransport = nodemailer.createTransport({
    pool: true,
    maxConnections: connections,
    maxMessages: Number.POSITIVE_INFINITY,
    host: '127.0.0.1',
    port: smtp.port,
    ignoreTLS: true,
  });
  try {
    const bare = async (i: number) => {
      const m = message(i, 'li@example.com', 'email');
      const info = await bareTransport.sendMail({ from: 'Bank <offers@bank.example>', to: m.to, subject: m.subject, text: m.text, html: m.html });
      return info.accepted.length === 1;
    };
    mailer = emailAdapter({
      endpoint: `smtp://127.0.0.1:${smtp.port}`,
      from: 'Bank <offers@bank.example>',
      requireTls: false,
      unsubscribe: { baseUrl: 'https://bank.example/unsubscribe', secret: SECRET, label: 'Unsubscribe' },
      connections,
      timeoutMs: 30_000,
    });
    const adapter = mailer;
    const send = async (i: number) => (await adapter.send(message(i, 'li@example.com', 'email'))).status === 'sent';
    const emailsInFlight = connections * 4;
    await rate(Math.min(500, emails), emailsInFlight, bare);
    const baseline = await best(passes, () => rate(emails, emailsInFlight, bare));
    log(`e-mail baseline (bare nodemailer pool): ${thousands(baseline.perSecond)} mails/s`);
    const through = await best(passes, () => rate(emails, emailsInFlight, send));
    log(`e-mail adapter: ${thousands(through.perSecond)} mails/s`);
    rows.push({ name: 'e-mail → local SMTP', baseline, adapter: through, target: TARGETS.emailPerSecond });
  } finally {
    bareTransport.close();
    await mailer?.close();
    smtp.child.stdin!.end();
  }

  for (const line of renderTable(
    ['adapter', 'baseline /s', 'adapter /s', 'adapter ÷ baseline', 'CPU µs/msg baseline', 'CPU µs/msg adapter', 'target /s', 'met'],
    rows.map((r) => [
      r.name,
      thousands(r.baseline.perSecond),
      thousands(r.adapter.perSecond),
      (r.adapter.perSecond / r.baseline.perSecond).toFixed(2),
      r.baseline.cpuMicros.toFixed(0),
      r.adapter.cpuMicros.toFixed(0),
      thousands(r.target),
      r.adapter.perSecond >= r.target ? 'yes' : 'NO',
    ]),
    1,
  )) {
    console.log(line);
  }
  if (dispatched) {
    // Outbox to provider only: receipts are not built, so "to receipts" is not measured.
    const million = 1e6 / dispatched.perSecond + (1e6 / dispatched.messages) * dispatched.writeSeconds;
    console.log(
      `10⁶-message campaign, extrapolated linearly from ${thousands(dispatched.messages)}: ${(1e6 / dispatched.perSecond / 60).toFixed(1)} min to drain (+ ${(((1e6 / dispatched.messages) * dispatched.writeSeconds) / 60).toFixed(1)} min writing through the gate) = ${(million / 60).toFixed(1)} min; peak RSS ${dispatched.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const results = {
    machine: await machineInfo(started),
    options: { webhooks, emails, inFlight, connections, passes, dispatch: Number(args.dispatch) },
    rows,
    dispatched,
  };
  const file = writeResults('reach', started, results, args.out);
  log(`results: ${file}`);
  return 0;
}

runBenchmark(main);
