/**
 * Test double: an in-memory `NodeServices` with fixed sample data that records each call. Used
 * by the API tests only; the real node is covered by integration tests. Insight, decision trees
 * and the tracking plan have no fake: a test that exercises them passes the real service over a test store
 * (`{ ...fakeServices(), insight }`), and any other use of them fails loudly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type * as S from '../../node/api/services.js';
import { checkJobInput } from '../../node/jobs/service.js';

/** A service this double does not provide: reading any member throws and names the service. */
function notProvided<T extends object>(service: string): T {
  // The empty target stands in for T only until the first read, which throws.
  return new Proxy({} as T, {
    get(_target, member) {
      // Symbol reads and `then` come from inspection and promise checks, not from route code.
      if (typeof member === 'symbol' || member === 'then') return undefined;
      throw new Error(`fakeServices has no ${service}: pass a real one ({ ...fakeServices(), ${service} }) to use ${service}.${member}`);
    },
  });
}

/** A service method as calls name it: `health`, or group and member (`jobs.submit`). */
type Method =
  | 'health'
  | 'events.ingest'
  | 'events.importFile'
  | `datasets.${'list' | 'imports' | 'import'}`
  | `agreements.${keyof S.AgreementsApi}`
  | `jobs.${keyof S.JobsApi}`
  | `runs.${keyof S.RunsApi}`
  | `scores.${keyof S.ScoresApi}`
  | `privacy.${keyof S.PrivacyApi}`
  | `audit.${keyof S.AuditApi}`;

interface Call {
  method: Method;
  args: unknown[];
}

const T0 = '2026-01-01T00:00:00.000Z';
export const AGREEMENT_ID = '0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';

const sampleAgreement: S.AgreementView = {
  id: AGREEMENT_ID,
  status: 'accepted',
  localParty: 'proposer',
  peerNodeId: `sha256:${'b'.repeat(64)}`,
  peerName: 'telco',
  termsHash: 'c'.repeat(64),
  terms: { id: AGREEMENT_ID, version: 1, minIntersection: 100 },
  proposerSignature: { signer: `sha256:${'a'.repeat(64)}`, signature: 'sig-a', at: T0 },
  acceptorSignature: { signer: `sha256:${'b'.repeat(64)}`, signature: 'sig-b', at: T0 },
  createdAt: T0,
  updatedAt: T0,
  policyIssues: [],
  disclosure: { operations: [{ operation: 'overlap', learns: ['the proposer learns the exact number of records in common'] }], warnings: [] },
};

const samplePair: NonNullable<S.AgreementView['pair']> = {
  pair: { peerNodeId: sampleAgreement.peerNodeId, localDataset: 'customers', peerDataset: 'subscribers' },
  others: [],
  budget: null,
  querierReimports: { since: T0, agreement: 1, pair: 2, limit: 4 },
};

const noise = { mechanism: 'discrete-laplace' as const, parameter: 'scale' as const, value: 2, standardDeviation: 2.8 };
const sampleScoreSet: S.ScoreSet = {
  id: 'run-agg-1',
  runId: 'run-agg-1',
  agreementId: AGREEMENT_ID,
  jobId: null,
  dataset: 'customers',
  grouping: 'group-by:city',
  columns: ['monthly_spend'],
  histogram: false,
  formula: null,
  mechanism: 'discrete-laplace',
  epsilon: '1',
  delta: '0',
  membership: false,
  createdAt: T0,
  groups: [
    {
      index: 0,
      label: 'north',
      inputSize: 500,
      suppressed: false,
      count: { value: 120, noiseScale: noise, ci95: { low: 114, high: 126 } },
      columns: [
        {
          column: 'monthly_spend',
          sum: { value: 24000, noiseScale: noise, ci95: { low: 23000, high: 25000 } },
          mean: { value: 200, noiseScale: { sum: noise, count: noise }, ci95: { low: 180, high: 220 } },
        },
      ],
      score: null,
      rank: null,
    },
  ],
};
const sampleBudget: S.BudgetView = {
  agreementId: AGREEMENT_ID,
  pair: { peerNodeId: `sha256:${'7'.repeat(64)}`, localDataset: 'customers', peerDataset: 'subscribers' },
  period: 0,
  periodStart: T0,
  periodEnd: '2026-01-31T00:00:00.000Z',
  spent: { epsilon: '1', delta: '0' },
  agreementSpent: { epsilon: '1', delta: '0' },
  total: { epsilon: '10', delta: '0' },
  perQuery: { epsilon: '1', delta: '0' },
  queriesLeft: 9,
};

const sampleRun: S.RunView = {
  id: 'run-1',
  agreementId: AGREEMENT_ID,
  operation: 'overlap',
  role: 'querier',
  peerNodeId: `sha256:${'b'.repeat(64)}`,
  status: 'succeeded',
  dataset: 'customers',
  localSize: 1000,
  peerSize: 5000,
  resultCount: 420,
  attribute: null,
  messagesSent: 4,
  messagesReceived: 4,
  bytesSent: 32_000,
  bytesReceived: 160_000,
  transcriptHash: 'd'.repeat(64),
  errorCode: null,
  errorMessage: null,
  startedAt: T0,
  finishedAt: T0,
};

export const JOB_ID = '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b';

/** A job half-way through, as a UI would poll it. */
export const sampleJob: S.JobView = {
  id: JOB_ID,
  kind: 'overlap',
  agreementIds: [AGREEMENT_ID],
  options: {},
  status: 'running',
  attempt: 1,
  phase: 'exchange',
  progress: { done: 3000, total: 6000, rate: 1500, etaSeconds: 2 },
  result: null,
  runIds: ['run-1'],
  error: null,
  cancelRequested: false,
  createdBy: 'token:operator-1',
  createdAt: T0,
  startedAt: T0,
  updatedAt: T0,
  finishedAt: null,
};

export const sampleAudit: S.AuditEntryView[] = [1, 2, 3].map((seq) => ({
  seq,
  at: T0,
  actor: 'token:admin-1',
  action: seq === 2 ? 'agreement.accept' : 'dataset.import',
  subject: seq === 2 ? AGREEMENT_ID : 'customers',
  details: { rows: seq * 10 },
  prevHash: String(seq - 1).repeat(64),
  hash: String(seq).repeat(64),
  signature: `sig-${seq}`,
}));

export interface FakeServices extends S.NodeServices {
  calls: Call[];
  /** Content of each file passed to `datasets.import`, read during the call (null: no such file). */
  imported: { file: string; content: string | null }[];
  /** Makes the next call of `method` throw `err`. */
  failNext(method: Method, err: unknown): void;
  /**
   * Forgets the calls, imported files and pending failures, and puts back any method a test
   * replaced (`services.jobs.get = () => …`): one app then serves all of a file's tests.
   */
  reset(): void;
}

export function fakeServices(): FakeServices {
  const calls: Call[] = [];
  const imported: { file: string; content: string | null }[] = [];
  const failures = new Map<string, unknown>();
  const record = (method: Method, ...args: unknown[]) => {
    calls.push({ method, args });
    if (failures.has(method)) {
      const err = failures.get(method);
      failures.delete(method);
      throw err;
    }
  };
  const fake: FakeServices = {
    calls,
    imported,
    failNext: (method, err) => void failures.set(method, err),
    reset() {
      calls.length = 0;
      imported.length = 0;
      failures.clear();
      fake.health = health;
      for (const [group, members] of originals) Object.assign(group, members);
    },
    insight: notProvided<S.NodeServices['insight']>('insight'),
    trees: notProvided<S.NodeServices['trees']>('trees'),
    events: {
      maxBatch: 1000,
      async ingest(events, actor, options) {
        record('events.ingest', events, actor, options);
        return { accepted: events.length, duplicates: 0, quarantined: 0, paused: 0, rejected: [] };
      },
      async importFile(file, options, actor) {
        record('events.importFile', readFileSync(file, 'utf8'), actor, options);
        return { format: options.format ?? 'csv', rows: 0, accepted: 0, duplicates: 0, quarantined: 0, paused: 0, rejected: 0, firstRejected: [] };
      },
    },
    trackingPlan: notProvided<S.NodeServices['trackingPlan']>('trackingPlan'),
    analytics: notProvided<S.NodeServices['analytics']>('analytics'),
    alerts: notProvided<S.NodeServices['alerts']>('alerts'),
    journeys: notProvided<S.NodeServices['journeys']>('journeys'),
    templates: notProvided<S.NodeServices['templates']>('templates'),
    pipeline: {
      frequency: notProvided<S.NodeServices['pipeline']['frequency']>('frequency'),
      localChannels: notProvided<S.NodeServices['pipeline']['localChannels']>('localChannels'),
      reachReports: notProvided<S.NodeServices['pipeline']['reachReports']>('reachReports'),
      reach: { deadLetters: notProvided<S.NodeServices['pipeline']['reach']['deadLetters']>('deadLetters') },
    },
    async health() {
      record('health');
      return {
        status: 'ok',
        nodeId: `sha256:${'a'.repeat(64)}`,
        name: 'bank',
        version: '0.1.0',
        uptimeSeconds: 12,
        peers: [{ name: 'telco', nodeId: `sha256:${'b'.repeat(64)}`, address: '10.0.0.7:7443', reachable: false, error: 'PEER_UNREACHABLE' }],
      };
    },
    datasets: {
      // testApp passes its own upload directory.
      uploadDir: tmpdir(),
      list() {
        record('datasets.list');
        return [
          {
            name: 'customers',
            idColumn: 'msisdn',
            idKind: 'phone',
            columns: [{ name: 'msisdn', type: 'string' }],
            rowCount: 1000,
            rejectedCount: 0,
            generation: 1,
            sourceSha256: 'e'.repeat(64),
            importedAt: T0,
          },
        ];
      },
      imports(dataset, limit) {
        record('datasets.imports', dataset, limit);
        return [];
      },
      async import(input, actor) {
        record('datasets.import', input, actor);
        imported.push({ file: input.file, content: existsSync(input.file) ? readFileSync(input.file, 'utf8') : null });
        return {
          dataset: input.dataset,
          generation: 2,
          rowsRead: 2,
          imported: 2,
          rejected: 0,
          badRows: [],
          columns: [{ name: input.idColumn, type: 'string' }],
          sourceSha256: 'f'.repeat(64),
          durationMs: 3,
        };
      },
    },
    agreements: {
      list(filter) {
        record('agreements.list', filter);
        return [sampleAgreement];
      },
      get(id) {
        record('agreements.get', id);
        // A single read carries the pair block, as the node's does.
        return { ...sampleAgreement, pair: samplePair };
      },
      async propose(input, actor) {
        record('agreements.propose', input, actor);
        return { ...sampleAgreement, status: 'proposed' };
      },
      async accept(id, actor, options) {
        record('agreements.accept', id, actor, options);
        return sampleAgreement;
      },
      async revoke(id, reason, actor) {
        record('agreements.revoke', id, reason, actor);
        return { ...sampleAgreement, status: 'revoked', revokedBy: actor.id, revokedReason: reason };
      },
    },
    jobs: {
      async runQuery(input, actor) {
        record('jobs.runQuery', input, actor);
        return sampleRun;
      },
      submit(input, actor, origin) {
        // The real input rules: they live in the jobs service, which the route leaves them to.
        checkJobInput(input, origin);
        record('jobs.submit', input, actor, origin);
        return {
          ...sampleJob,
          kind: input.kind,
          agreementIds: input.agreementIds,
          options: { ...(input.attribute ? { attribute: input.attribute } : {}), ...(input.aggregate ? { aggregate: input.aggregate } : {}) },
          status: 'queued',
          attempt: 0,
          phase: null,
          progress: { done: 0, total: 0, rate: null, etaSeconds: null },
          runIds: [],
          createdBy: actor.id,
          startedAt: null,
        };
      },
      async wait(id) {
        record('jobs.wait', id);
        return sampleJob;
      },
      get(id) {
        record('jobs.get', id);
        return sampleJob;
      },
      list(filter) {
        record('jobs.list', filter);
        return [sampleJob];
      },
      cancel(id, reason, actor) {
        record('jobs.cancel', id, reason, actor);
        return { ...sampleJob, cancelRequested: true };
      },
    },
    runs: {
      cancel(id, actor) {
        record('runs.cancel', id, actor);
        return { ...sampleRun, id, role: 'responder', status: 'running', resultCount: null, finishedAt: null };
      },
      list(filter) {
        record('runs.list', filter);
        return [sampleRun];
      },
      get(id) {
        record('runs.get', id);
        return sampleRun;
      },
    },
    scores: {
      list(filter) {
        record('scores.list', filter);
        return [sampleScoreSet];
      },
      get(id) {
        record('scores.get', id);
        return { ...sampleScoreSet, id, runId: id };
      },
    },
    privacy: {
      budget(agreementId) {
        record('privacy.budget', agreementId);
        return { ...sampleBudget, agreementId };
      },
    },
    audit: {
      list(filter) {
        record('audit.list', filter);
        return sampleAudit;
      },
      async verify() {
        record('audit.verify');
        return { ok: true, entries: 3, head: { seq: 3, hash: '3'.repeat(64) }, checked: ['chain', 'signatures'] };
      },
      async export(format, out, filter) {
        record('audit.export', format, out, filter);
        for (const e of sampleAudit) {
          out.write(format === 'jsonl' ? `${JSON.stringify(e)}\n` : `${e.seq},${e.at},${e.actor},${e.action}\n`);
          // Yield between entries, like a real export reading from the database in pages.
          await new Promise((r) => setImmediate(r));
        }
        out.end();
      },
      record(entry) {
        record('audit.record', entry);
      },
    },
  };
  const { health } = fake;
  const originals = [fake.events, fake.datasets, fake.agreements, fake.jobs, fake.runs, fake.scores, fake.privacy, fake.audit].map(
    (group) => [group, { ...group }] as const,
  );
  return fake;
}
