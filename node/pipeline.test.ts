import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testPipeline } from '../test/support/pipeline.js';
import { trackingPlanFixture, type TrackingPlanFixture } from '../test/support/tracking-plan-fixture.js';
import { EventStore } from './events/store.js';
import { createMetrics } from './metrics/metrics.js';
import { behaviourEvents } from './pipeline.js';

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
    const pipeline = testPipeline({ dir: dataDir, db: fx.db, audit: fx.audit, now: fx.now, metrics });
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

describe('the pipeline wiring', () => {
  it("hands insight the events' identifier kind and time zone, and opens the store only when a behaviour rule reads it", async () => {
    const store = await EventStore.open(':memory:');
    let opened = 0;
    const port = behaviourEvents({ identifierKind: 'phone', timeZone: 'Asia/Shanghai' }, async () => {
      opened++;
      return store;
    });
    try {
      expect(port).toMatchObject({ identifierKind: 'phone', timeZone: 'Asia/Shanghai' });
      expect(opened).toBe(0);
      expect(await (await port.reader()).all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(opened).toBe(1);
    } finally {
      store.close();
    }
  });
});
