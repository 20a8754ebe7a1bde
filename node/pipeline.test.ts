import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trackingPlanFixture, type TrackingPlanFixture } from '../test/support/tracking-plan-fixture.js';
import { createMetrics } from './metrics/metrics.js';
import { composePipeline } from './pipeline.js';

let fx: TrackingPlanFixture;
let dataDir: string;

beforeEach(async () => {
  fx = await trackingPlanFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'mofang-pipeline-'));
});
afterEach(() => {
  fx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('composePipeline', () => {
  it('serves the durable paused-drop counters on /metrics, per event name', async () => {
    const metrics = createMetrics();
    const pipeline = composePipeline({ dataDir, db: fx.db, audit: fx.audit, now: fx.now, metrics });
    const admin = { id: 'token:admin-1', role: 'admin' as const };
    pipeline.trackingPlan.apply({ events: { 'promo.viewed': {}, 'app.opened': {} } }, admin);
    pipeline.trackingPlan.pause('promo.viewed', admin);
    pipeline.trackingPlan.countPaused(new Map([['promo.viewed', 4]]));
    // Counted by another process (the CLI's import) into the same database.
    const cli = fx.otherProcess();
    cli.plan.countPaused(new Map([['promo.viewed', 3]]));
    cli.close();
    const { body } = await metrics.render();
    expect(body).toContain('mofang_events_paused_dropped_total{event="promo.viewed"} 7');
    expect(body).not.toContain('event="app.opened"');
    pipeline.close();
  });
});
