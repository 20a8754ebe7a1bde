/**
 * The `mofang` command line. Commands act on the node directory named by --config (default
 * ./mofang.yaml) directly — like git on a repository — and talk to peers over gRPC where a
 * command needs the partner. The event store is the exception: a running node holds it, and the
 * commands that read or write events then go through its HTTP API (via-node.ts). Errors print
 * `mofang: CODE: message` and exit 1.
 *
 * Start-up: only commander and small modules load up front; each action imports what it needs
 * (`await import(…)`), so `--version`, `--help` and local reads do not pay for gRPC, HTTP or HE.
 */
import { describeCount } from '../text/count-wording.js';
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import type { Actor, AgreementView } from '../api/services.js';
import { asMofangError, MofangError } from '../errors.js';
import type { JobView } from '../jobs/store.js';
import type { MofangNode } from '../node.js';
import { CONFIG_FILE, packageVersion } from '../paths.js';
import { aggregateFromFlags } from './aggregate-options.js';
import { operatorName } from './operator.js';
import { deliveryNotice, deliveryText, parseExpiry, printAgreement, printBudget, printJob, printJson, printRun, printScoreSet, printVerify } from './format.js';
import { registerAlertCommands } from './alerts.js';
import { registerAnalyticsCommands } from './analytics.js';
import { registerConsentCommands } from './consent.js';
import { registerLocalChannelCommands } from './reach-local.js';
import { registerDeadLetterCommands } from './reach-dead-letters.js';
import { registerTreeCommands } from './insight-tree.js';
import { registerEventCommands } from './events.js';
import { registerJourneyCommands } from './journeys.js';
import { registerTemplateCommands } from './templates.js';
import { registerInsightCommands } from './insight.js';
import { registerNodeCommands } from './node-commands.js';
import { registerReachCommands } from './reach.js';
import { registerTokenCommands } from './tokens.js';
import { registerTrackingPlanCommands } from './tracking-plan.js';
import { registerUnitCommands } from './units.js';

const program = new Command('mofang')
  .description('Privacy-preserving data-collaboration node')
  .version(packageVersion())
  .option('-c, --config <file>', 'node configuration file', process.env.MOFANG_CONFIG ?? CONFIG_FILE)
  .option('--as <name>', 'operator name recorded in audit entries this command makes (default: the OS user)')
  .option('--json', 'print machine-readable JSON');

const cliActor = (): Actor => ({ id: `cli:${operatorName(program.opts().as)}`, role: 'admin' });
const configFile = () => resolve(program.opts().config as string);
const json = () => Boolean(program.opts().json);

/** Opens the node for one command and always closes it. */
async function withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T> {
  const { MofangNode } = await import('../node.js');
  const node = MofangNode.open(configFile(), { quietLogs: true, metrics: false });
  try {
    return await fn(node);
  } finally {
    node.close();
  }
}

program
  .command('init')
  .description('create a node identity, config file and data directory')
  .requiredOption('--name <name>', 'node name, e.g. bank')
  .option('--dir <dir>', 'node directory', '.')
  .option('--template <file>', 'config to start from, e.g. config/bank.yaml')
  .option('--grpc <host:port>', 'peer gRPC listen address')
  .option('--http <host:port>', 'HTTP API listen address')
  .action(async (o) => {
    const { initNode } = await import('../init.js');
    const r = await initNode({ dir: o.dir, name: o.name, template: o.template, grpcListen: o.grpc, httpListen: o.http });
    if (json()) return printJson(r);
    console.log(
      `Created node "${o.name}"\n  config:      ${r.configFile}\n  node id:     ${r.nodeId}\n  certificate: ${r.certificateFile} (give it and the node id to your partners)`,
    );
    console.log('API tokens (shown once; only their hashes are stored):');
    for (const [role, token] of Object.entries(r.tokens)) console.log(`  ${role.padEnd(10)} ${token}`);
  });

program
  .command('start')
  .description('run the peer gRPC server and the HTTP API until interrupted')
  .action(async () => {
    const [{ MofangNode }, { startNode }] = await Promise.all([import('../node.js'), import('../runtime.js')]);
    const node = MofangNode.open(configFile());
    let running: Awaited<ReturnType<typeof startNode>>;
    try {
      running = await startNode(node, { configFile: configFile() });
    } catch (err) {
      // Nothing is left listening (startNode closed what it opened); close the rest so we exit.
      node.close();
      throw err;
    }
    const { logger } = node;
    console.error(`mofang: ${node.config.node.name} serving gRPC on :${running.grpcPort}, HTTP on ${running.httpUrl}`);
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: the operator does not want to wait for the graceful stop.
        logger.warn({ signal }, 'second signal: forcing exit');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      try {
        await running.stop();
        node.close();
        logger.info('stopped');
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

registerNodeCommands(program, { configFile, withNode, json, actor: cliActor });
registerEventCommands(program, { withNode, json, actor: cliActor });

program
  .command('import <file>')
  .description('import a CSV or JSONL file as a dataset (all-or-nothing unless --skip-bad)')
  .requiredOption('--dataset <name>')
  .requiredOption('--id <column:kind>', 'identifier column and kind (phone, email, national-id, raw)')
  .addOption(new Option('--format <format>').choices(['csv', 'jsonl']))
  .option('--skip-bad', 'skip bad rows (reported) instead of rolling back')
  .addOption(
    new Option('--encoding <encoding>', 'text encoding of the file (default utf-8; a byte-order mark decides by itself)').choices([
      'utf-8',
      'gb18030',
      'gbk',
      'latin1',
      'utf-16le',
    ]),
  )
  .action((file, o) =>
    withNode(async (node) => {
      const [idColumn, idKind] = splitIdOption(o.id);
      const { progressReporter } = await import('../datasets/progress.js');
      const progress = progressReporter();
      try {
        const r = await node.datasets.import(
          { file: resolve(file), origin: 'operator', dataset: o.dataset, idColumn, idKind, format: o.format, encoding: o.encoding, skipBad: o.skipBad },
          cliActor(),
          progress.update,
        );
        progress.done();
        if (json()) return printJson(r);
        console.log(`Dataset ${r.dataset}: ${r.rowsRead} rows read, ${r.imported} imported, ${r.rejected} rejected (${(r.durationMs / 1000).toFixed(1)} s)`);
        for (const b of r.badRows.slice(0, 10)) console.log(`  line ${b.line}${b.column ? ` (${b.column})` : ''}: ${b.reason}`);
      } catch (err) {
        progress.done();
        throw err;
      }
    }),
  );

function parseLabelOption(value: string): { column: string; type: 'boolean' | 'number' | 'category'; maxBytes?: number } {
  const [column, type, maxBytes] = value.split(':');
  if (!column || !['boolean', 'number', 'category'].includes(type) || (type === 'category') !== (maxBytes !== undefined)) {
    throw new MofangError('AGREEMENT_INVALID', `--label: expected <column>:boolean, <column>:number or <column>:category:<maxBytes>, got "${value}"`);
  }
  return { column, type: type as 'boolean' | 'number' | 'category', ...(maxBytes !== undefined ? { maxBytes: Number(maxBytes) } : {}) };
}

function splitIdOption(value: string): [string, string] {
  const i = value.lastIndexOf(':');
  if (i <= 0) throw new MofangError('IMPORT_BAD_OPTION', '--id: expected <column>:<kind>, e.g. phone:phone');
  return [value.slice(0, i), value.slice(i + 1)];
}

program
  .command('datasets')
  .description('list datasets')
  .action(async () => {
    // Only the config and SQLite, without the node's services: a third of the start-up of `withNode`.
    const { datasetsOf } = await import('../database.js');
    const list = datasetsOf(configFile());
    if (json()) return printJson(list);
    for (const d of list) console.log(`${d.name.padEnd(16)} ${String(d.rowCount).padStart(10)} rows  id=${d.idColumn}:${d.idKind}  imported ${d.importedAt}`);
  });

const agreements = program.command('agreements').description('collaboration agreements');
agreements
  .command('propose')
  .requiredOption('--peer <name>')
  .requiredOption('--title <title>')
  .requiredOption('--dataset <name>', 'our dataset')
  .requiredOption('--peer-dataset <name>', "the partner's dataset")
  .requiredOption('--id-kind <kind>')
  .option('--operations <list>', 'comma-separated: overlap,enrich,aggregate', 'overlap,enrich')
  .option('--min-intersection <n>', 'results below this are withheld', '100')
  .option('--max-queries-per-day <n>', 'rate limit: queries per party per rolling 24 hours')
  .option('--expires <when>', 'ISO date-time, or a duration like 90d', '90d')
  .option('--share-overlap', 'the partner also receives overlap counts')
  .option('--enrich-attribute <name>', 'local attribute enrich writes (true if matched, false if not), e.g. partner:telco:member; no "."')
  .option('--peer-id-column <name>', "identifier column of the partner's dataset (default: ours)")
  .option('--label <spec...>', 'partner column enrich may deliver: <column>:boolean, <column>:number or <column>:category:<maxBytes>')
  .option('--key-epoch-days <n>', "days one OPRF key and the partner's cached evaluated set last", '30')
  .option(
    '--aggregate-column <spec...>',
    "<column>:<min>:<max>[:<scale>][:<edge,edge,…>]: partner column aggregate may sum, clamped to [min, max], with histogram edges (needs 'aggregate' in --operations)",
  )
  .option('--value-holder <party>', 'whose dataset holds the aggregate columns: acceptor (default) or proposer')
  .option('--mechanism <name>', 'discrete-laplace (default) or discrete-gaussian')
  .option('--epsilon-per-query <ε>', 'ε one aggregate query spends')
  .option('--delta-per-query <δ>', 'δ per query (discrete-gaussian only)')
  .option('--budget-epsilon <ε>', 'ε all queries of one period may spend')
  .option('--budget-delta <δ>', 'δ per period (discrete-gaussian only)')
  .option('--budget-period-days <n>', 'length of a budget period (default 30)')
  .option('--min-group-size <n>', 'numbers of groups below this noisy size are suppressed (default 20)')
  .option('--min-input-size <n>', 'smallest group a query may name (default 100)')
  .option('--max-groups <n>', 'most groups per query (default 16)')
  .option('--exact-counts', "release overlap counts without noise (both nodes' policy must allow it)")
  .option('--count-epsilon <ε>', "ε per overlap query of noisy counts (default: this node's policy.maxEpsilonPerQuery)")
  .option('--count-budget-epsilon <ε>', "ε all queries on the data pair may spend per period (default: this node's policy.maxEpsilonPerPeriod)")
  .option('--count-period-days <days>', "the budget period of noisy counts (default: this node's policy.minPeriodDays)")
  .option('--override-policy', "propose even if the terms fall below this node's policy floors (audited; the acceptor sees it)")
  .action((o) =>
    withNode(async (node) => {
      const a = await node.agreements.propose(
        {
          peer: o.peer,
          title: o.title,
          localDataset: o.dataset,
          peerDataset: o.peerDataset,
          idKind: o.idKind,
          operations: String(o.operations)
            .split(',')
            .map((s: string) => s.trim()) as ('overlap' | 'enrich' | 'aggregate')[],
          minIntersection: Number(o.minIntersection),
          maxQueriesPerDay: o.maxQueriesPerDay === undefined ? undefined : Number(o.maxQueriesPerDay),
          expiresAt: parseExpiry(o.expires),
          shareOverlapWithAcceptor: !!o.shareOverlap,
          enrichAttribute: o.enrichAttribute,
          peerIdColumn: o.peerIdColumn,
          labels: (o.label ?? []).map(parseLabelOption),
          oprfKeyEpochDays: Number(o.keyEpochDays),
          aggregate: aggregateFromFlags(o),
          ...(o.exactCounts ? { exactCounts: true } : {}),
          countNoise: {
            epsilonPerQuery: o.countEpsilon === undefined ? undefined : Number(o.countEpsilon),
            budget: {
              epsilon: o.countBudgetEpsilon === undefined ? undefined : Number(o.countBudgetEpsilon),
              periodDays: o.countPeriodDays === undefined ? undefined : Number(o.countPeriodDays),
            },
          },
          overridePolicy: !!o.overridePolicy,
        },
        cliActor(),
      );
      json() ? printJson(a) : printAgreement(a);
    }),
  );
agreements
  .command('list')
  .option('--status <status>')
  .action((o) =>
    withNode((node) => {
      const list = node.agreements.list({ status: o.status });
      if (json()) return printJson(list);
      for (const a of list) {
        console.log(
          `${a.id}  ${a.status.padEnd(9)} ${a.localParty.padEnd(9)} ${String(a.peerName ?? a.peerNodeId).padEnd(12)} ${(a.terms as { title: string }).title}${a.delivery ? `  delivery ${deliveryText(a.delivery)}` : ''}`,
        );
      }
    }),
  );
agreements.command('show <id>').action((id) => withNode((node) => (json() ? printJson(node.agreements.get(id)) : printAgreement(node.agreements.get(id)))));
/** Prints an accepted or revoked agreement, saying so when the peer has not been told yet. */
function printTransition(a: AgreementView): void {
  if (json()) {
    printJson(a);
    return;
  }
  printAgreement(a);
  const notice = deliveryNotice(a);
  if (notice) console.log(notice);
}
agreements
  .command('accept <id>')
  .option('--override-policy', "accept even if the terms fall below this node's policy floors (audited)")
  .action((id, o) =>
    withNode(async (node) => {
      const a = await node.agreements.accept(id, cliActor(), { overridePolicy: !!o.overridePolicy });
      printTransition(a);
      if (!json() && o.overridePolicy && a.policyIssues.length > 0)
        console.log(`accepted below this node's policy (${a.policyIssues.length} floor issues overridden; audited as agreement.policy_overridden)`);
    }),
  );
agreements
  .command('revoke <id>')
  .requiredOption('--reason <text>')
  .action((id, o) => withNode(async (node) => printTransition(await node.agreements.revoke(id, o.reason, cliActor()))));

const query = program.command('query').description('joint-audience queries with partners (run as jobs)');
/** Submits a job and follows it to its end (or returns at once with --detach). */
function followJob(submit: (node: MofangNode) => JobView, detach: boolean) {
  return withNode(async (node) => {
    const submitted = submit(node);
    if (detach) return json() ? printJson(submitted) : console.log(`job ${submitted.id} queued`);
    const { jobProgress } = await import('./job-progress.js');
    const progress = jobProgress();
    const job = await node.jobs.wait(submitted.id, progress.update);
    progress.done(job);
    if (job.status === 'succeeded' && job.result?.scores)
      json() ? printJson(node.scores.get(job.result.scores)) : printScoreSet(node.scores.get(job.result.scores));
    else if (json()) printJson(job.status === 'succeeded' && job.kind !== 'intersect' ? node.runs.get(job.runIds[job.runIds.length - 1]) : job);
    else printJob(job);
    if (job.status !== 'succeeded') process.exitCode = 1;
  });
}
const operatorActor = (): Actor => ({ ...cliActor(), role: 'operator' });
for (const operation of ['overlap', 'enrich'] as const) {
  query
    .command(operation)
    .requiredOption('--agreement <id>')
    .option('--detach', 'queue the job and return')
    .action((o) => followJob((node) => node.jobs.submit({ kind: operation, agreementIds: [o.agreement] }, operatorActor()), !!o.detach));
}
query
  .command('intersect')
  .description("customers in every partner's set (enrich with each, combined here)")
  .requiredOption('--agreement <id...>', 'two or more agreements, one per partner')
  .option('--attribute <name>', 'local attribute for the combined audience')
  .option('--detach', 'queue the job and return')
  .action((o) => followJob((node) => node.jobs.submit({ kind: 'intersect', agreementIds: o.agreement, attribute: o.attribute }, operatorActor()), !!o.detach));

for (const kind of ['aggregate', 'score'] as const) {
  const command = query
    .command(kind)
    .description(
      kind === 'aggregate'
        ? "noisy count, sum, mean (and histogram) of the partner's agreed columns over the joint audience, per group of our records"
        : 'the same, ranking the groups by a formula',
    )
    .requiredOption('--agreement <id>')
    .requiredOption('--column <name...>', "agreed aggregate column of the partner's dataset (repeatable)")
    .option('--histogram', "also the columns' agreed histograms")
    .option('--group-by <attribute>', 'one group per value of this categorical attribute of our dataset')
    .option('--segment <name...>', 'one group per named segment of our dataset')
    .option('--detach', 'queue the job and return');
  if (kind === 'score') command.requiredOption('--score <formula>', 'size-x-mean:<column> or weighted:<column>=<weight>,…');
  command.action((o) =>
    followJob(
      (node) =>
        node.jobs.submit(
          {
            kind,
            agreementIds: [o.agreement],
            aggregate: {
              columns: o.column,
              histogram: !!o.histogram,
              ...(o.groupBy ? { groupBy: o.groupBy } : {}),
              ...(o.segment ? { segments: o.segment } : {}),
              ...(o.score ? { score: o.score } : {}),
            },
          },
          operatorActor(),
        ),
      !!o.detach,
    ),
  );
}

const scores = program.command('scores').description('joint segment scores released by aggregate and score jobs');
scores
  .command('list')
  .option('--agreement <id>')
  .option('--limit <n>', 'how many', '20')
  .action((o) =>
    withNode((node) => {
      const list = node.scores.list({ agreementId: o.agreement, limit: Number(o.limit) });
      if (json()) return printJson(list);
      for (const s of list)
        console.log(`${s.runId}  ${s.createdAt}  ${s.grouping.padEnd(20)} ${s.columns.join(',').padEnd(20)} ε ${s.epsilon}  ${s.groups.length} groups`);
    }),
  );
scores.command('show <runId>').action((id) => withNode((node) => (json() ? printJson(node.scores.get(id)) : printScoreSet(node.scores.get(id)))));
agreements
  .command('budget <id>')
  .description("the agreement's privacy budget in the current period")
  .action((id) => withNode((node) => (json() ? printJson(node.privacy.budget(id)) : printBudget(node.privacy.budget(id)))));

const jobs = program.command('jobs').description('joint-query jobs: progress, results, cancellation');
jobs
  .command('list')
  .option('--status <status>')
  .option('--limit <n>', 'how many', '20')
  .action((o) =>
    withNode((node) => {
      const list = node.jobs.list({ status: o.status, limit: Number(o.limit) });
      if (json()) return printJson(list);
      for (const j of list)
        console.log(
          `${j.id}  ${j.kind.padEnd(9)} ${j.status.padEnd(9)} ${String(j.progress.done).padStart(9)}/${j.progress.total} result=${j.result?.count ?? '-'}  ${j.createdAt}`,
        );
    }),
  );
jobs.command('show <id>').action((id) => withNode((node) => (json() ? printJson(node.jobs.get(id)) : printJob(node.jobs.get(id)))));
jobs
  .command('cancel <id>')
  .option('--reason <text>', 'why', 'cancelled by operator')
  .action((id, o) =>
    withNode((node) => (json() ? printJson(node.jobs.cancel(id, o.reason, operatorActor())) : printJob(node.jobs.cancel(id, o.reason, operatorActor())))),
  );

const runs = program.command('runs').description('protocol runs');
runs
  .command('list')
  .option('--limit <n>', 'how many', '20')
  .action((o) =>
    withNode((node) => {
      const list = node.runs.list({ limit: Number(o.limit) });
      if (json()) return printJson(list);
      for (const r of list)
        console.log(
          `${r.id}  ${r.operation.padEnd(7)} ${r.role.padEnd(9)} ${r.status.padEnd(9)} result=${r.count ? describeCount(r.count) : (r.resultCount ?? '-')}  ${r.startedAt}`,
        );
    }),
  );
runs
  .command('cancel <id>')
  .description('stop a run at its next batch (either party may)')
  .action((id) => withNode((node) => (json() ? printJson(node.runs.cancel(id, operatorActor())) : printRun(node.runs.cancel(id, operatorActor())))));
runs.command('show <id>').action((id) => withNode((node) => (json() ? printJson(node.runs.get(id)) : printRun(node.runs.get(id)))));

const audit = program.command('audit').description('the signed, hash-chained audit log');
audit
  .command('verify')
  .option('--peers', 'also check the checkpoints of our log that peers hold')
  .action((o) =>
    withNode(async (node) => {
      const report = await node.audit.verify({ withPeers: !!o.peers });
      json() ? printJson(report) : printVerify(report);
      if (!report.ok) process.exitCode = 3;
    }),
  );
audit
  .command('list')
  .description('browse entries, oldest first')
  .option('--after <seq>', 'only entries after this sequence number', '0')
  .option('--limit <n>', 'how many (1 to 1000)', '50')
  .option('--action <action>', 'only this action, e.g. run.completed')
  .action((o) =>
    withNode((node) => {
      if (o.action !== undefined) {
        // A misspelt action would otherwise look like "nothing happened".
        const known = node.audit.actions();
        if (!known.includes(o.action))
          throw new MofangError(
            'REQUEST_INVALID',
            `--action: no entry in this log has action ${JSON.stringify(String(o.action).slice(0, 64))}; actions in the log: ${known.join(', ')}`,
            { field: '--action', actions: known },
          );
      }
      const entries = node.audit.list({ afterSeq: Number(o.after), limit: Number(o.limit), action: o.action });
      if (json()) return printJson(entries);
      for (const e of entries) console.log(`${String(e.seq).padStart(6)}  ${e.at}  ${e.actor.padEnd(22)} ${e.action.padEnd(24)} ${e.subject ?? ''}`);
    }),
  );
audit
  .command('export')
  .addOption(new Option('--format <format>').choices(['jsonl', 'csv']).default('jsonl'))
  .option('--out <file>', 'write to a file instead of stdout')
  .option('--from <iso>')
  .option('--to <iso>')
  .option('--action <action>')
  .action((o) =>
    withNode(async (node) => {
      const { createWriteStream } = await import('node:fs');
      const out = o.out ? createWriteStream(o.out) : process.stdout;
      await node.audit.export(o.format, out, { from: o.from, to: o.to, action: o.action });
      if (o.out) await new Promise<void>((r) => (out as NodeJS.WritableStream).end(r));
    }),
  );

registerTokenCommands(program, { withNode, json, actor: cliActor });

registerTreeCommands(program, { withNode, json, actor: cliActor });

registerTrackingPlanCommands(program, { withNode, json, actor: cliActor });
registerAnalyticsCommands(program, { withNode, json, actor: cliActor });

registerAlertCommands(program, {
  withAlerts: (fn) => withNode((node) => fn(node.alerts)),
  withModels: async (here, viaNode) => {
    const { onEventStore } = await import('./via-node.js');
    return withNode((node) => onEventStore(node, operatorActor(), { here: () => here(node.alerts), viaNode }));
  },
  json,
  actor: () => operatorActor(),
});
registerJourneyCommands(program, { withJourneys: (fn) => withNode((node) => fn(node.journeys)), json, actor: () => operatorActor() });
registerTemplateCommands(program, { withTemplates: (fn) => withNode((node) => fn(node.templates)), json, actor: () => operatorActor() });
registerConsentCommands(program, { withConsent: (fn) => withNode((node) => fn(node.pipeline.frequency.consent)), json, actor: () => operatorActor() });
registerLocalChannelCommands(program, { withLocalChannels: (fn) => withNode((node) => fn(node.pipeline.localChannels)), json, actor: () => operatorActor() });
registerReachCommands(program, { withNode, json, actor: () => operatorActor() });
registerDeadLetterCommands(program, { withDeadLetters: (fn) => withNode((node) => fn(node.pipeline.reach.deadLetters)), json, actor: () => operatorActor() });

program
  .command('demo')
  .description('start a bank and a partner node on loopback and run overlap and enrich between them')
  .option('--dir <dir>', 'where to put the two node directories', '.mofang-demo')
  .option('--bank-rows <n>', 'bank customers', '100000')
  .option('--partner-rows <n>', 'partner customers', '50000')
  .option('--overlap <n>', 'customers in both', '20000')
  .action(async (o) => {
    const { runDemo } = await import('../demo/demo.js');
    await runDemo({ dir: resolve(o.dir), bankRows: Number(o.bankRows), partnerRows: Number(o.partnerRows), overlap: Number(o.overlap) });
  });

registerInsightCommands(program, { withInsight: (fn) => withNode((node) => fn(node.insight)), json, actor: () => ({ id: operatorActor().id }) });
registerUnitCommands(program, { withInsight: (fn) => withNode((node) => fn(node.insight)), json, actor: () => ({ id: cliActor().id }) });

program.parseAsync(process.argv).catch((err) => {
  const e = asMofangError(err);
  console.error(`mofang: ${e.code}: ${e.message}`);
  process.exitCode = 1;
});
