/** The reach series of a node's Prometheus registry: counters the dispatcher and receipts call, gauges read from the outbox at scrape time. */
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('reach metrics', () => {
  it('counts sends per channel and status, retries and receipt lag, and reads queue depth and dead letters at scrape', async () => {
    let queue = [{ channel: 'sms', queued: 5, dead: 1 }];
    const metrics = createMetrics({ reachQueue: () => queue });
    metrics.reachSent('sms', 'sent');
    metrics.reachSent('sms', 'sent');
    metrics.reachSent('email', 'suppressed');
    metrics.reachRetried('sms');
    metrics.reachReceiptLag('sms', 'delivered', 3.5);
    const body = (await metrics.render()).body;
    expect(body).toContain('mofang_reach_sends_total{channel="sms",status="sent"} 2');
    expect(body).toContain('mofang_reach_sends_total{channel="email",status="suppressed"} 1');
    expect(body).toContain('mofang_reach_retries_total{channel="sms"} 1');
    expect(body).toContain('mofang_reach_receipt_lag_seconds_count{channel="sms",receipt="delivered"} 1');
    expect(body).toContain('mofang_reach_queue_depth{channel="sms"} 5');
    expect(body).toContain('mofang_reach_dead_letters{channel="sms"} 1');
    queue = [{ channel: 'webhook', queued: 0, dead: 2 }];
    const next = (await metrics.render()).body;
    expect(next).not.toContain('mofang_reach_queue_depth{channel="sms"}');
    expect(next).toContain('mofang_reach_dead_letters{channel="webhook"} 2');
  });
});
