/**
 * The composition root: opens one node's config, identity, database, audit log, metrics and
 * pinned peers, and builds the domain services with the narrow ports each needs. It holds no
 * rules and no SQL; the database and the audit log stay private to it.
 */
import { dirname, join } from 'node:path';
import { defaultGroup } from '../protocols/group/index.js';
import type { Group } from '../protocols/group/group.js';
import type { BatchMultiply } from '../protocols/psi/index.js';
import { agreementWorkflow, type AgreementWorkflow } from './agreements/workflow.js';
import { uploadDir } from './api/upload.js';
import { AuditLog } from './audit/log.js';
import { auditService, type AuditService } from './audit/service.js';
import type { NodeConfig } from './config/schema.js';
import { loadConfig } from './config/load.js';
import { CryptoPool } from './crypto-pool/pool.js';
import { openNodeDatabase } from './database.js';
import { jointAttributeWriter } from './datasets/joint-attribute-writer.js';
import { datasetService, type DatasetService } from './datasets/service.js';
import { loadIdentity, type Identity } from './identity/identity.js';
import { Insight } from './insight/insight.js';
import { segmentGroups } from './insight/segment-groups.js';
import { treeService, type TreeService } from './insight/tree/service.js';
import { jobService, type JobService } from './jobs/service.js';
import { jobCounts } from './jobs/store.js';
import { createLogger, type Logger } from './log/logger.js';
import { createMetrics, uncountedMetrics, type Metrics } from './metrics/metrics.js';
import { peerConnector, type Connect, type HealthView } from './peer/connector.js';
import { PeerDirectory, type Peer } from './peer/directory.js';
import { PeerHandlers } from './peer/handlers.js';
import { pairSummary } from './privacy/budget-view.js';
import { guardKey } from './privacy/guard-key.js';
import { privacyService, type PrivacyApi } from './privacy/service.js';
import { scoreService, type ScoresApi } from './scores/service.js';
import type { SessionEnv } from './session/env.js';
import { runService, type RunService } from './session/run-service.js';
import { onRunFinished } from './session/runs.js';
import { SenderCache } from './session/sender-cache.js';
import type { NodeServices } from './api/services.js';
import type { Db } from './store/db.js';
import type { NodeOptions } from './node-options.js';
import { composePipeline, type Pipeline } from './pipeline.js';

export class MofangNode implements NodeServices {
  readonly identity: Identity;
  readonly peers: PeerDirectory;
  readonly logger: Logger;
  /** This node's Prometheus series (its own registry); served by the HTTP API at /metrics. */
  readonly metrics: Metrics;
  /** The anchor file of the audit log's head (checked for its mode at start). */
  readonly auditHeadFile: string;
  readonly health: () => Promise<HealthView>;
  readonly datasets: DatasetService;
  readonly agreements: AgreementWorkflow;
  readonly jobs: JobService;
  readonly runs: RunService;
  readonly scores: ScoresApi;
  readonly privacy: PrivacyApi;
  readonly audit: AuditService;
  /** Profiles, segments, layering and flows (node/insight). */
  readonly insight: Insight;
  /** Decision trees on profiles (node/insight/tree). */
  readonly trees: TreeService;
  /** The handlers our gRPC server runs for calls from pinned peers. */
  readonly peerHandlers: () => PeerHandlers;
  readonly group: Group = defaultGroup();
  /** Opens a handshaken client to a pinned peer; the caller closes it. */
  readonly connect: Connect;
  private readonly db: Db;
  private readonly session: Omit<SessionEnv, 'peer'>;
  private pool: CryptoPool | null = null;
  /** The local pipeline after the joint queries: events in (HTTP batches and file imports), the tracking plan, the analysis models, alerts, journeys, templates. */
  readonly pipeline: Pipeline;
  readonly events: Pipeline['ingest'];
  readonly trackingPlan: Pipeline['trackingPlan'];
  readonly analytics: Pipeline['analytics'];
  readonly alerts: Pipeline['alerts'];
  readonly journeys: Pipeline['journeys'];
  readonly templates: Pipeline['templates'];
  constructor(
    readonly config: NodeConfig,
    options: NodeOptions = {},
  ) {
    const startedAt = Date.now();
    const now = options.now ?? (() => new Date());
    const group = this.group;
    const quiet = options.quietLogs === true;
    const logger = (this.logger =
      options.logger ?? createLogger({ level: quiet ? 'warn' : (config.log.level as 'info'), name: config.node.name, stderr: quiet }));
    const identity = (this.identity = loadIdentity(config.identity.key, config.identity.certificate));
    const peers = (this.peers = PeerDirectory.fromConfig(config.peers));
    const db = (this.db = openNodeDatabase(join(config.node.dataDir, 'mofang.db')));
    const metrics = (this.metrics = options.metrics === false ? uncountedMetrics : createMetrics({ jobCounts: () => jobCounts(db) }));
    onRunFinished(db, (run) => metrics.runFinished({ ...run, peer: peers.byNodeId(run.peerNodeId)?.name ?? 'unpinned' }));
    this.auditHeadFile = join(config.node.dataDir, 'audit-head.json');
    const log = new AuditLog(db, identity, { headFile: this.auditHeadFile, onAppend: (action) => metrics.auditAppended(action) });
    const nodeName = config.node.name;
    const peerReachable = (nodeId: string) => this.agreements.deliverer.peerReachable(nodeId);
    const connector = peerConnector({ identity, nodeName, suite: group.suite, limits: config.limits, peers, audit: log, logger, startedAt, peerReachable });
    const senderCache = new SenderCache(join(config.node.dataDir, 'oprf'), group, log);
    /** Batch scalar multiplication for protocol runs, spread over all cores. */
    const multiply: BatchMultiply = (scalar, points, signal) => this.cryptoPool.multiply(scalar, points, signal);
    const guard = () => guardKey(join(config.node.dataDir, 'privacy-guard.key'), db, identity.keyPem);
    this.session = { db, group, multiply, senderCache, identity, audit: log, limits: config.limits, now, guardKey: guard, policy: config.policy, metrics };
    const sessionEnv = (peer: Peer) => this.sessionEnv(peer);
    this.connect = connector.connect;
    this.health = connector.health;
    this.pipeline = composePipeline({ dataDir: config.node.dataDir, db, audit: log, now, metrics, logger, config, insight: () => this.insight, identity });
    ({ ingest: this.events, trackingPlan: this.trackingPlan, analytics: this.analytics, alerts: this.alerts } = this.pipeline);
    ({ journeys: this.journeys, templates: this.templates } = this.pipeline);
    this.insight = new Insight({ db, audit: log, now, logger, events: this.pipeline.behaviour });
    this.trees = treeService({ db, audit: log, insight: this.insight, now });
    const { connect, peerOfAgreement } = connector;
    const peerName = (nodeId: string) => peers.byNodeId(nodeId)?.name;
    this.agreements = agreementWorkflow({
      db,
      audit: log,
      identity,
      nodeName,
      policy: config.policy,
      now,
      logger,
      connect,
      peerOfAgreement,
      peerName,
      pairSummary: (a) => ({ ...pairSummary(db, a, now()), querierReimports: this.runs.querierReimports(a) }),
      delivery: options.delivery,
    });
    const nodeDirs = [config.node.dataDir, dirname(config.identity.key), dirname(config.identity.certificate), dirname(config.http.tokens)];
    this.datasets = datasetService({
      db,
      audit: log,
      metrics,
      group,
      pool: () => this.cryptoPool,
      allowedDirs: config.imports.allowedDirs,
      nodeDirs: options.configFile ? [dirname(options.configFile), ...nodeDirs] : nodeDirs,
      stagingDir: () => uploadDir(config.node.dataDir),
    });
    this.jobs = jobService({
      db,
      audit: log,
      logger,
      config: config.jobs,
      executor: {
        agreement: (id) => this.agreements.stored(id),
        peerOfAgreement,
        connect,
        sessionEnv,
        segments: (names) => segmentGroups(this.insight, names),
        jointAttributes: jointAttributeWriter(db),
      },
    });
    this.runs = runService({ db, audit: log, now, policy: config.policy });
    this.scores = scoreService(db);
    this.privacy = privacyService(db, now);
    this.audit = auditService({ db, log, certPem: identity.certPem, peerCheckpoints: connector.checkpointsHeldByPeers });
    this.peerHandlers = () =>
      new PeerHandlers({
        nodeId: identity.nodeId,
        nodeName,
        suite: group.suite,
        audit: log,
        agreements: this.agreements.context,
        agreement: (id) => this.agreements.stored(id),
        peerReachable,
        sessionEnv,
        peerByNodeId: (nodeId) => peers.byNodeId(nodeId),
        logger,
      });
  }

  static open(configFile: string, options: NodeOptions = {}): MofangNode {
    return new MofangNode(loadConfig(configFile), { ...options, configFile });
  }

  /** Worker threads for the group operations, started on first use (one-shot CLI commands never pay for them). */
  get cryptoPool(): CryptoPool {
    this.pool ??= new CryptoPool({ threads: this.config.jobs.threads === 0 ? undefined : this.config.jobs.threads });
    return this.pool;
  }

  /** What a protocol session with `peer` runs on (the peer handlers' and the job executor's). */
  sessionEnv(peer: Peer): SessionEnv {
    return { ...this.session, peer };
  }

  /** For the readiness probe. */
  databaseOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    void this.pool?.close();
    this.pool = null;
    this.pipeline.close();
    this.db.close();
  }
}
