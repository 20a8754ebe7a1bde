/**
 * Test support: the node's own pipeline wiring (node/pipeline.ts) over a fixture's database and
 * audit log, with the config's defaults for every section a test does not set.
 */
import type { AuditLog } from '../../node/audit/log.js';
import { validateConfig } from '../../node/config/load.js';
import type { NodeConfig } from '../../node/config/schema.js';
import type { Insight } from '../../node/insight/insight.js';
import { createMetrics, type Metrics } from '../../node/metrics/metrics.js';
import { composePipeline, type Pipeline } from '../../node/pipeline.js';
import type { Db } from '../../node/store/db.js';
import { captureLogger } from './capture-logger.js';

export interface TestPipelineOptions {
  dir: string;
  db: Db;
  audit: AuditLog;
  now: () => Date;
  /** Absent: a test that never restricts a model to a segment. */
  insight?: Insight;
  metrics?: Metrics;
  /** Config sections over the defaults, e.g. `{ events: { identifierKind: 'phone' } }`. */
  config?: Partial<Record<'events' | 'analytics' | 'alerts' | 'journeys' | 'reach', unknown>>;
}

/** A full config for node `bank` in `dir`: the schema's defaults plus `sections`. */
function testConfig(dir: string, sections: TestPipelineOptions['config'] = {}): NodeConfig {
  return validateConfig({
    node: { name: 'bank', dataDir: dir },
    identity: { key: 'node.key', certificate: 'node.crt' },
    grpc: { listen: '127.0.0.1:1' },
    http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
    peers: [],
    ...sections,
  });
}

/** @example const pipeline = testPipeline({ dir: fx.dir, db: fx.db, audit: fx.audit, now, insight: fx.insight }); */
export function testPipeline(options: TestPipelineOptions): Pipeline {
  const { insight } = options;
  return composePipeline({
    dataDir: options.dir,
    db: options.db,
    audit: options.audit,
    now: options.now,
    metrics: options.metrics ?? createMetrics(),
    logger: captureLogger().logger,
    config: testConfig(options.dir, options.config),
    insight: () => {
      if (!insight) throw new Error('this test pipeline has no insight');
      return insight;
    },
    // Any stable text will do: A/B assignment only derives its secret from it.
    identity: { keyPem: 'test node key' },
  });
}
