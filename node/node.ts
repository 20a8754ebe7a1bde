/**
 * The composition root: one running node — its config, identity, database, audit log, pinned
 * peers — and the services the CLI and the HTTP API call. Business rules live in the domain
 * modules; this file wires them and adds the cross-cutting duties (audit every state change,
 * handshake before talking to a peer).
 */
import { dirname, join } from 'node:path';
import { defaultGroup } from '../protocols/group/index.js';
import type { Group } from '../protocols/group/group.js';
import { AuditLog } from './audit/log.js';
import { exportAudit, listAudit, verifyAudit } from './audit/index.js';
import type {
  Actor,
  AgreementView,
  AuditVerifyView,
  HealthView,
  ImportInput,
  ImportReport,
  NodeServices,
  ProposeInput,
  QueryInput,
  RunView,
  SubmitJobInput,
} from './api/services.js';
import { checkAggregateJobOptions } from './jobs/aggregate-options.js';
import { getScoreSet, listScoreSets, type ScoreSet } from './scores/joint-scores.js';
import { budgetView, type BudgetView } from './privacy/budget-view.js';
import { draftTerms, labelColumnIssues, otherParty } from './agreements/model.js';
import { aggregateColumnIssues } from './agreements/aggregate-terms.js';
import { checkTermsAgainstPolicy, enforcePolicyFloors, policyOverrideEntry } from './agreements/floors.js';
import { disclosureOf } from './agreements/disclosure.js';
import { signTerms } from './agreements/signing.js';
import {
  acceptAgreement,
  getAgreement,
  listAgreements,
  revokeAgreement,
  saveProposal,
  type AgreementContext,
  type StoredAgreement,
} from './agreements/store.js';
import { agreementDeliverer, type AgreementDeliverer, type DeliveryTuning } from './agreements/deliverer.js';
import { deliveryView, getDelivery, enqueueDelivery, type OutboxRow } from './agreements/outbox.js';
import type { NodeConfig } from './config/schema.js';
import { loadConfig } from './config/load.js';
import { importDataset } from './datasets/import.js';
import { checkImportPath } from './datasets/import-path.js';
import { uploadDir } from './api/upload.js';
import { untrustedText } from './text/untrusted.js';
import { getDataset, listDatasets } from './datasets/store.js';
import { MofangError, type ErrorCode } from './errors.js';
import { loadIdentity, verifySignature, type Identity } from './identity/identity.js';
import { createLogger, type Logger } from './log/logger.js';
import { packageVersion } from './paths.js';
import type { PeerClient } from './peer/client.js';
import { PeerDirectory, type Peer } from './peer/directory.js';
import { PeerHandlers } from './peer/handlers.js';
import { PROTOCOL_VERSION } from './peer/wire.js';
import { getRun, listRuns, onRunFinished, requestRunCancel } from './session/runs.js';
import { createMetrics, uncountedMetrics, type Metrics } from './metrics/metrics.js';
import { SenderCache } from './session/sender-cache.js';
import { CryptoPool } from './crypto-pool/pool.js';
import { jobExecutor } from './jobs/execute.js';
import { JobRunner } from './jobs/runner.js';
import { createJob, getJob, isTerminal, jobCounts, listJobs, liveRunner, requestCancel, type JobView } from './jobs/store.js';
import type { BatchMultiply } from '../protocols/psi/index.js';
import type { SessionEnv } from './session/env.js';
import type { GroupSource } from './session/group-source.js';
import { openNodeDatabase } from './database.js';
import type { Db } from './store/db.js';
import { Insight } from './insight/insight.js';
import { segmentGroups } from './insight/segment-groups.js';
import { treeService, type TreeService } from './insight/tree/service.js';

/**
 * gRPC (≈ 70 modules) is imported by the first peer call: a CLI command that only submits a job
 * for the running node, or reads, never loads it.
 */
const peerClientModule = () => import('./peer/client.js');

/** A health probe waits at most this long for each peer (monitoring calls /v1/health often). */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

export interface NodeOptions {
  logger?: Logger;
  /** Clock for agreement expiry checks; tests move it. */
  now?: () => Date;
  /** One-shot CLI commands log warnings and errors only. */
  quietLogs?: boolean;
  /** False in one-shot CLI commands: they serve no /metrics, so they keep no Prometheus series. */
  metrics?: boolean;
  /** The file the config was read from: its directory is one of the node's own (never imported by path). */
  configFile?: string;
  /** Retry timing of agreement deliveries; tests shorten it. */
  delivery?: Partial<DeliveryTuning>;
}

export class MofangNode implements NodeServices {
  readonly db: Db;
  readonly identity: Identity;
  readonly audit: AuditLog;
  readonly peers: PeerDirectory;
  readonly group: Group = defaultGroup();
  readonly logger: Logger;
  readonly startedAt = Date.now();
  /** This node's Prometheus series (its own registry); served by the HTTP API at /metrics. */
  readonly metrics: Metrics;
  private readonly now: () => Date;
  private readonly configFile: string | undefined;

  constructor(
    readonly config: NodeConfig,
    private readonly options: NodeOptions = {},
  ) {
    this.logger = options.logger ?? createLogger({ level: options.quietLogs ? 'warn' : (config.log.level as 'info'), name: config.node.name });
    this.now = options.now ?? (() => new Date());
    this.configFile = options.configFile;
    this.identity = loadIdentity(config.identity.key, config.identity.certificate);
    this.peers = PeerDirectory.fromConfig(config.peers);
    this.db = openNodeDatabase(join(config.node.dataDir, 'mofang.db'));
    const metrics = options.metrics === false ? uncountedMetrics : createMetrics({ jobCounts: () => jobCounts(this.db) });
    this.metrics = metrics;
    onRunFinished(this.db, (run) => metrics.runFinished({ ...run, peer: this.peers.byNodeId(run.peerNodeId)?.name ?? 'unpinned' }));
    this.audit = new AuditLog(this.db, this.identity, {
      headFile: join(config.node.dataDir, 'audit-head.json'),
      onAppend: (action) => metrics.auditAppended(action),
    });
    this.senderCache = new SenderCache(join(config.node.dataDir, 'oprf'), this.group, this.audit);
    this.insight = new Insight({ db: this.db, audit: this.audit, now: this.now, logger: this.logger });
    this.trees = treeService({ db: this.db, audit: this.audit, insight: this.insight, now: this.now });
  }

  /** Profiles, segments, layering and flows (node/insight). */
  readonly insight: Insight;
  /** Decision trees on profiles (node/insight/tree). */
  readonly trees: TreeService;

  readonly senderCache: SenderCache;
  private pool: CryptoPool | null = null;

  /** Worker threads for the group operations, started on first use (one-shot CLI commands never pay for them). */
  get cryptoPool(): CryptoPool {
    this.pool ??= new CryptoPool({ threads: this.config.jobs.threads === 0 ? undefined : this.config.jobs.threads });
    return this.pool;
  }

  /** Batch scalar multiplication for protocol runs, spread over all cores. */
  readonly multiply: BatchMultiply = (scalar, points, signal) => this.cryptoPool.multiply(scalar, points, signal);

  static open(configFile: string, options: NodeOptions = {}): MofangNode {
    return new MofangNode(loadConfig(configFile), { ...options, configFile });
  }

  close(): void {
    void this.pool?.close();
    this.pool = null;
    this.db.close();
  }

  get agreementContext(): AgreementContext {
    return { db: this.db, localNodeId: this.identity.nodeId, audit: this.audit, verify: verifySignature, now: this.now };
  }

  sessionEnv(peer: Peer): SessionEnv {
    return {
      db: this.db,
      group: this.group,
      multiply: this.multiply,
      senderCache: this.senderCache,
      identity: this.identity,
      audit: this.audit,
      limits: this.config.limits,
      peer,
      now: this.now,
    };
  }

  /** The handlers our gRPC server runs for calls from pinned peers. */
  peerHandlers(): PeerHandlers {
    return new PeerHandlers(this);
  }

  // ---- peers -------------------------------------------------------------------------------

  /** Opens a client to a pinned peer and checks versions first; the caller closes it. */
  async connect(peerName: string, actor: string): Promise<{ peer: Peer; client: PeerClient }> {
    const peer = this.peers.byName(peerName);
    const { PeerClient } = await peerClientModule();
    const client = new PeerClient({
      peer,
      keyPem: this.identity.keyPem,
      certPem: this.identity.certPem,
      limits: this.config.limits,
      onPinMismatch: (presented) =>
        this.audit.append({
          actor,
          action: 'peer.refused',
          subject: peer.nodeId,
          details: { peer: peer.name, reason: 'server certificate not pinned', presented, direction: 'outbound' },
        }),
    });
    try {
      const res = await client.handshake({
        nodeId: this.identity.nodeId,
        nodeName: this.config.node.name,
        protocolVersion: PROTOCOL_VERSION,
        suites: [this.group.suite],
        software: `mofang/${packageVersion()}`,
      });
      if (res.protocolVersion !== PROTOCOL_VERSION || res.nodeId !== peer.nodeId || res.suite !== this.group.suite) {
        throw new MofangError(
          'PEER_VERSION_MISMATCH',
          `peer ${peer.name} answered protocol ${res.protocolVersion}, suite ${res.suite || 'none'}; this node needs protocol ${PROTOCOL_VERSION}, suite ${this.group.suite}`,
        );
      }
      this.agreementDelivery.peerReachable(peer.nodeId);
      return { peer, client };
    } catch (err) {
      client.close();
      const e = err instanceof MofangError ? err : new MofangError('PEER_UNREACHABLE', String(err));
      if (e.code === 'PEER_VERSION_MISMATCH') {
        this.audit.append({
          actor,
          action: 'peer.handshake_refused',
          subject: peer.nodeId,
          details: { peer: peer.name, code: e.code, reason: e.message, direction: 'outbound' },
        });
      }
      throw e;
    }
  }

  peerOfAgreement(a: StoredAgreement): Peer {
    const peer = this.peers.byNodeId(a.peerNodeId);
    if (!peer) throw new MofangError('PEER_UNKNOWN', `the counter-party of agreement ${a.id} (${a.peerNodeId}) is not pinned in this node's configuration`);
    return peer;
  }

  // ---- services ----------------------------------------------------------------------------

  async health(): Promise<HealthView> {
    const peers = await Promise.all(this.peers.list().map(async (p) => ({ name: p.name, nodeId: p.nodeId, address: p.address, ...(await this.probe(p)) })));
    return {
      status: 'ok',
      nodeId: this.identity.nodeId,
      name: this.config.node.name,
      version: packageVersion(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      peers,
    };
  }

  /**
   * One handshake with a short deadline. Not audited, unlike `connect`: monitoring polls health,
   * and a peer that is down must not flood the log; a pin mismatch is still logged as a warning.
   */
  private async probe(peer: Peer): Promise<{ reachable: boolean; error?: string }> {
    const { PeerClient } = await peerClientModule();
    const client = new PeerClient({
      peer,
      keyPem: this.identity.keyPem,
      certPem: this.identity.certPem,
      limits: { ...this.config.limits, peerTimeoutMs: Math.min(HEALTH_PROBE_TIMEOUT_MS, this.config.limits.peerTimeoutMs) },
      onPinMismatch: () => this.logger.warn({ peer: peer.name }, 'health probe: the peer presented a certificate other than the pinned one'),
    });
    try {
      const res = await client.handshake({
        nodeId: this.identity.nodeId,
        nodeName: this.config.node.name,
        protocolVersion: PROTOCOL_VERSION,
        suites: [this.group.suite],
        software: `mofang/${packageVersion()}`,
      });
      return res.nodeId === peer.nodeId ? { reachable: true } : { reachable: false, error: 'PEER_NOT_PINNED' };
    } catch (err) {
      return { reachable: false, error: err instanceof MofangError ? err.code : 'PEER_UNREACHABLE' };
    } finally {
      client.close();
    }
  }

  listDatasets() {
    return listDatasets(this.db);
  }

  /** Where the API stages uploads (inside the data directory, 0700). */
  get uploadDir(): string {
    return uploadDir(this.config.node.dataDir);
  }

  /** The node's own directories, which an API path import never reads. */
  private get nodeDirs(): string[] {
    const { node, identity, http } = this.config;
    return [...(this.configFile ? [dirname(this.configFile)] : []), node.dataDir, dirname(identity.key), dirname(identity.certificate), dirname(http.tokens)];
  }

  async importDataset(
    input: ImportInput,
    actor: Actor,
    onProgress?: (p: { rowsRead: number; bytesRead: number; totalBytes: number }) => void,
  ): Promise<ImportReport> {
    const { origin, encoding, ...options } = input;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const checked =
        origin === 'request' ? checkImportPath(input.file, { allowedDirs: this.config.imports.allowedDirs, nodeDirs: this.nodeDirs }) : { file: input.file };
      const report = await importDataset(this.db, { ...options, ...checked, encoding, group: this.group, pool: this.cryptoPool, onProgress });
      this.metrics.importFinished('succeeded', report.imported, seconds());
      const { badRows, ...summary } = report;
      this.audit.append({
        actor: actor.id,
        action: 'dataset.imported',
        subject: input.dataset,
        details: {
          ...summary,
          origin,
          encoding: encoding ?? null,
          badRows: badRows.slice(0, 20),
          idColumn: input.idColumn,
          idKind: input.idKind,
          skipBad: !!input.skipBad,
        },
      });
      return report;
    } catch (err) {
      this.metrics.importFinished('failed', 0, seconds());
      this.audit.append({ actor: actor.id, action: 'dataset.import_failed', subject: input.dataset, details: importFailure(err, input) });
      throw err;
    }
  }

  listAgreements(filter: { status?: AgreementView['status'] }): AgreementView[] {
    return listAgreements(this.db, filter).map((a) => this.view(a));
  }

  getAgreement(id: string): AgreementView {
    return this.view(getAgreement(this.db, id));
  }

  private view(a: StoredAgreement): AgreementView {
    const delivery = deliveryView(this.db, a.id);
    return {
      ...a,
      terms: a.terms as unknown as Record<string, unknown>,
      peerName: this.peers.byNodeId(a.peerNodeId)?.name,
      ...(delivery ? { delivery } : {}),
      policyIssues: checkTermsAgainstPolicy(a.terms, this.config.policy),
      disclosure: disclosureOf(a.terms),
    };
  }

  private deliverer: AgreementDeliverer | null = null;

  /** Tells peers of our acceptances and revocations until they acknowledge; `mofang start` runs it. */
  get agreementDelivery(): AgreementDeliverer {
    this.deliverer ??= agreementDeliverer({
      db: this.db,
      audit: this.audit,
      logger: this.logger,
      now: this.now,
      ...this.options.delivery,
      send: (row) => this.sendDelivery(row),
      probe: async (peerNodeId) => {
        const peer = this.peers.byNodeId(peerNodeId);
        if (!peer) return false;
        const { client } = await this.connect(peer.name, 'system:delivery');
        client.close();
        return true;
      },
    });
    return this.deliverer;
  }

  /** Sends one outbox entry: the acceptor signature or the signed revocation stored with the agreement. */
  private async sendDelivery(row: OutboxRow): Promise<string> {
    const a = getAgreement(this.db, row.agreementId);
    const sig = row.action === 'accept' ? a.acceptorSignature : a.revocationSignature;
    if (!sig) throw new MofangError('INTERNAL', `agreement ${a.id}: no stored ${row.action === 'accept' ? 'acceptor' : 'revocation'} signature to deliver`);
    const wireSig = { signer: sig.signer, signature: Buffer.from(sig.signature, 'base64'), at: sig.at };
    const { client } = await this.connect(this.peerOfAgreement(a).name, 'system:delivery');
    try {
      const ack =
        row.action === 'accept'
          ? await client.acceptAgreement({ agreementId: a.id, termsHash: a.termsHash, acceptorSignature: wireSig })
          : await client.revokeAgreement({ agreementId: a.id, reason: a.revokedReason!, revokerSignature: wireSig });
      return ack.status;
    } finally {
      client.close();
    }
  }

  async proposeAgreement(input: ProposeInput, actor: Actor): Promise<AgreementView> {
    // Before connecting: terms this node's policy refuses never reach the peer.
    const overridden = enforcePolicyFloors(
      input.operations.includes('aggregate') ? input : { ...input, aggregate: undefined },
      this.config.policy,
      input.overridePolicy === true,
      'propose',
    );
    const { peer, client } = await this.connect(input.peer, actor.id);
    try {
      const local = getDataset(this.db, input.localDataset);
      const aggregate = input.operations.includes('aggregate') ? input.aggregate : undefined;
      if (input.operations.includes('aggregate') !== (input.aggregate !== undefined)) {
        throw new MofangError(
          'AGREEMENT_INVALID',
          input.aggregate
            ? "aggregate: the section needs 'aggregate' in operations"
            : "aggregate: is required when 'aggregate' is allowed (columns, mechanism, ε, budget, group limits)",
        );
      }
      if (aggregate?.valueHolder === 'proposer') {
        // We would hold the values: our own dataset must be able to deliver them.
        const issues = aggregateColumnIssues(aggregate.columns, local.columns);
        if (issues.length > 0) throw new MofangError('AGREEMENT_INVALID', issues[0], { issues });
      }
      if (local.idKind !== input.idKind) {
        throw new MofangError('AGREEMENT_INVALID', `idKind: dataset ${input.localDataset} is keyed by ${local.idKind}, not ${input.idKind}`);
      }
      const terms = draftTerms(
        {
          title: input.title,
          expiresAt: input.expiresAt,
          parties: {
            proposer: { nodeId: this.identity.nodeId, name: this.config.node.name, dataset: input.localDataset, columns: [local.idColumn] },
            acceptor: {
              nodeId: peer.nodeId,
              name: peer.name,
              dataset: input.peerDataset,
              columns: [input.peerIdColumn ?? local.idColumn, ...(input.labels ?? []).map((l) => l.column)],
            },
          },
          operations: input.operations,
          // The proposer is the querier and receives what it asks; membership never goes to the partner.
          outputs: {
            overlap: !input.operations.includes('overlap') ? [] : input.shareOverlapWithAcceptor ? ['proposer', 'acceptor'] : ['proposer'],
            enrich: input.operations.includes('enrich') ? ['proposer'] : [],
            // Aggregates go to the party that holds the groups, never to the value holder.
            ...(aggregate ? { aggregate: [otherParty(aggregate.valueHolder ?? 'acceptor')] } : {}),
          },
          minIntersection: input.minIntersection,
          ...(input.maxQueriesPerDay ? { maxQueriesPerDay: input.maxQueriesPerDay } : {}),
          idKind: input.idKind as never,
          ...(input.operations.includes('enrich') ? { enrichAttribute: input.enrichAttribute ?? `partner:${peer.name}:member` } : {}),
          ...(input.labels?.length ? { labels: input.labels } : {}),
          ...(input.oprfKeyEpochDays ? { oprfKeyEpochDays: input.oprfKeyEpochDays } : {}),
          ...(aggregate ? { aggregate } : {}),
          ...(input.exactCounts !== undefined ? { exactCounts: input.exactCounts } : {}),
          ...(overridden.length > 0 ? { proposerPolicyOverride: overridden } : {}),
        },
        this.now(),
      );
      const proposerSignature = signTerms(terms, this.identity, this.now());
      // The peer stores it first: a proposal the peer never received must not sit here as sent.
      await client.proposeAgreement({
        termsJson: JSON.stringify(terms),
        proposerSignature: { signer: proposerSignature.signer, signature: Buffer.from(proposerSignature.signature, 'base64'), at: proposerSignature.at },
      });
      const saved = this.db
        .transaction(() => {
          const stored = saveProposal(this.agreementContext, { terms, proposerSignature });
          if (overridden.length > 0) this.audit.append(policyOverrideEntry(actor.id, terms.id, 'proposer', overridden));
          return stored;
        })
        .immediate();
      return this.view(saved);
    } finally {
      client.close();
    }
  }

  /**
   * Accepts locally (signing, and queueing the delivery in the same transaction), then tries once
   * to tell the proposer. An unreachable proposer leaves the delivery pending — the view says so —
   * and a running node keeps retrying. Accepting an accepted agreement tries an undelivered
   * acceptance again.
   */
  async acceptAgreement(id: string, actor: Actor, options: { overridePolicy?: boolean } = {}): Promise<AgreementView> {
    const current = getAgreement(this.db, id);
    if (current.localParty !== 'acceptor') throw new MofangError('AGREEMENT_STATE', `agreement ${id}: only the acceptor accepts; this node proposed it`);
    this.peerOfAgreement(current);
    if (current.status !== 'accepted') {
      const overridden = current.status === 'pending' ? this.checkOurSide(current, options.overridePolicy === true) : [];
      this.db
        .transaction(() => {
          acceptAgreement(this.agreementContext, id, this.identity); // refuses a revoked one, naming the state
          if (overridden.length > 0) this.audit.append(policyOverrideEntry(actor.id, id, 'acceptor', overridden));
        })
        .immediate();
    } else if (!getDelivery(this.db, id, 'accept')) {
      // Accepted before deliveries were tracked: whether the proposer heard is unknown, so send again.
      this.db.transaction(() => enqueueDelivery(this.db, id, current.peerNodeId, 'accept', this.now())).immediate();
    }
    await this.agreementDelivery.deliver(id, 'accept');
    return this.getAgreement(id);
  }

  /**
   * Before accepting: the dataset the terms name on our side exists and can deliver what they
   * promise, and the terms meet our policy floors (or the operator overrides: the issues returned).
   */
  private checkOurSide(a: StoredAgreement, overridePolicy: boolean): string[] {
    const ours = a.terms.parties[a.localParty];
    const dataset = getDataset(this.db, ours.dataset);
    const issues = [
      ...(dataset.idKind !== a.terms.idKind ? [`idKind: dataset ${ours.dataset} is keyed by ${dataset.idKind}, not ${a.terms.idKind}`] : []),
      ...(dataset.idColumn !== ours.columns[0]
        ? [`parties.${a.localParty}.columns[0]: dataset ${ours.dataset} is keyed by column ${dataset.idColumn}, not ${ours.columns[0]}`]
        : []),
      ...labelColumnIssues(a.terms.labels ?? [], dataset.columns),
      ...(a.terms.aggregate?.valueHolder === a.localParty ? aggregateColumnIssues(a.terms.aggregate.columns, dataset.columns) : []),
    ];
    if (issues.length > 0) throw new MofangError('AGREEMENT_INVALID', `agreement ${a.id} cannot be accepted: ${issues[0]}`, { issues });
    return enforcePolicyFloors(a.terms, this.config.policy, overridePolicy, 'accept');
  }

  /** Revokes here at once (queueing the signed revocation for the peer), then tries once to deliver it. */
  async revokeAgreement(id: string, reason: string, _actor: Actor): Promise<AgreementView> {
    revokeAgreement(this.agreementContext, id, this.identity, reason);
    await this.agreementDelivery.deliver(id, 'revoke');
    return this.getAgreement(id);
  }

  /** Queues a joint query as a job; a running node's runner (or `awaitJob`) executes it. */
  submitJob(input: SubmitJobInput, actor: Actor): JobView {
    if (input.agreementIds.length === 0 || (input.kind !== 'intersect' && input.agreementIds.length !== 1)) {
      throw new MofangError(
        'REQUEST_INVALID',
        `agreementIds: ${input.kind} takes ${input.kind === 'intersect' ? 'two or more agreements' : 'exactly one agreement'}`,
      );
    }
    if (input.kind === 'intersect' && input.agreementIds.length < 2)
      throw new MofangError('REQUEST_INVALID', 'agreementIds: intersect takes two or more agreements');
    checkAggregateJobOptions(input.kind, input.aggregate);
    for (const id of input.agreementIds) getAgreement(this.db, id);
    const options = { ...(input.attribute ? { attribute: input.attribute } : {}), ...(input.aggregate ? { aggregate: input.aggregate } : {}) };
    const job = createJob(this.db, { kind: input.kind, agreementIds: input.agreementIds, options, createdBy: actor.id });
    this.audit.append({ actor: actor.id, action: 'job.queued', subject: job.id, details: { kind: job.kind, agreementIds: job.agreementIds } });
    return job;
  }

  /**
   * Waits for a job to end. If no node process is running jobs, this process runs it itself,
   * so the CLI works with or without `mofang start`.
   */
  async awaitJob(id: string, onUpdate?: (job: JobView) => void): Promise<JobView> {
    for (;;) {
      const job = getJob(this.db, id);
      onUpdate?.(job);
      if (isTerminal(job.status)) return job;
      if (job.status === 'queued' && !liveRunner(this.db, 3_000)) {
        await this.jobRunner().runNext(id);
        continue;
      }
      // A read of one row; the CLI's query time includes the wait for it.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Where `segments` of an aggregate or score job come from: the insight store's saved segments. */
  readonly segmentSource = (names: string[]): GroupSource => segmentGroups(this.insight, names);

  private runner: JobRunner | null = null;

  jobRunner(): JobRunner {
    this.runner ??= new JobRunner({
      db: this.db,
      audit: this.audit,
      logger: this.logger,
      execute: jobExecutor(this),
      maxAttempts: this.config.jobs.maxAttempts,
      retryDelayMs: this.config.jobs.retryDelayMs,
      leaseMs: this.config.jobs.leaseMs,
    });
    return this.runner;
  }

  /** A query as one call: queue the job, wait for it, and return its last run (or its error). */
  async runQuery(input: QueryInput, actor: Actor): Promise<RunView> {
    const job = await this.awaitJob(this.submitJob({ kind: input.operation, agreementIds: [input.agreementId] }, actor).id);
    if (job.status !== 'succeeded') {
      if (job.runIds.length > 0 && job.error?.code === 'RESULT_BELOW_MINIMUM') throw new MofangError('RESULT_BELOW_MINIMUM', job.error.message);
      throw new MofangError((job.error?.code ?? 'RUN_FAILED') as ErrorCode, job.error?.message ?? `job ${job.id} ${job.status}`, { jobId: job.id });
    }
    return getRun(this.db, job.runIds[job.runIds.length - 1]);
  }

  getJob(id: string): JobView {
    return getJob(this.db, id);
  }

  listJobs(filter: { status?: JobView['status']; limit?: number }): JobView[] {
    return listJobs(this.db, filter);
  }

  cancelJob(id: string, reason: string, actor: Actor): JobView {
    const job = requestCancel(this.db, id, reason);
    this.audit.append({ actor: actor.id, action: 'job.cancel_requested', subject: id, details: { reason } });
    return job;
  }

  /** Stops a run this node takes part in, from either side (the responder's operator too). */
  cancelRun(id: string, actor: Actor): RunView {
    requestRunCancel(this.db, id);
    this.audit.append({ actor: actor.id, action: 'run.cancel_requested', subject: id, details: {} });
    return getRun(this.db, id);
  }

  listRuns(filter: { limit?: number }): RunView[] {
    return listRuns(this.db, filter.limit);
  }

  getRun(id: string): RunView {
    return getRun(this.db, id);
  }

  listScoreSets(filter: { agreementId?: string; limit?: number }): ScoreSet[] {
    return listScoreSets(this.db, filter);
  }

  getScoreSet(runId: string): ScoreSet {
    return getScoreSet(this.db, runId);
  }

  privacyBudget(agreementId: string): BudgetView {
    return budgetView(this.db, getAgreement(this.db, agreementId), this.now());
  }

  listAudit(filter: { afterSeq?: number; limit?: number; action?: string }) {
    return listAudit(this.db, filter);
  }

  async verifyAudit(options: { withPeers?: boolean } = {}): Promise<AuditVerifyView> {
    const checkpoints = options.withPeers ? await this.peerCheckpoints() : [];
    const report = verifyAudit(this.db, this.identity.certPem, { headFile: join(this.config.node.dataDir, 'audit-head.json'), checkpoints });
    return report;
  }

  /** The latest checkpoints of our log that each reachable peer holds. */
  private async peerCheckpoints() {
    const out = [];
    for (const p of this.peers.list()) {
      try {
        const { client } = await this.connect(p.name, 'system:verify');
        try {
          const cp = await client.getCheckpoint();
          if (cp.seq > 0)
            out.push({ nodeId: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, signature: cp.signature.toString('base64'), source: `peer ${p.name}` });
        } finally {
          client.close();
        }
      } catch (err) {
        this.logger.warn({ peer: p.name, err: (err as Error).message }, 'could not fetch the audit checkpoint the peer holds');
      }
    }
    return out;
  }

  exportAudit(format: 'jsonl' | 'csv', out: NodeJS.WritableStream, filter: { from?: string; to?: string; action?: string }): Promise<void> {
    return Promise.resolve(exportAudit(this.db, format, out, filter)).then(() => undefined);
  }
}

/**
 * The audit details of a failed import: codes and counts only. Messages may describe the caller's
 * input and the entry is kept forever, so no free text from a file or request goes in — names
 * given by the caller pass through untrustedText.
 */
function importFailure(err: unknown, input: ImportInput): Record<string, unknown> {
  const e = err instanceof MofangError ? err : undefined;
  const counts: Record<string, unknown> = {};
  for (const key of ['line', 'field', 'fields', 'limit', 'rowsRead', 'badRows'] as const) {
    const value = e?.details?.[key];
    if (typeof value === 'number' && Number.isSafeInteger(value)) counts[key] = value;
  }
  const reason = e?.details?.reason;
  return {
    code: e?.code ?? 'INTERNAL',
    ...counts,
    ...(typeof reason === 'string' && /^[a-z-]{1,40}$/.test(reason) ? { reason } : {}),
    origin: input.origin,
    format: input.format ?? null,
    encoding: input.encoding === undefined ? null : untrustedText(input.encoding, 16),
    idColumn: untrustedText(input.idColumn, 64),
    idKind: untrustedText(input.idKind, 32),
    skipBad: !!input.skipBad,
  };
}
