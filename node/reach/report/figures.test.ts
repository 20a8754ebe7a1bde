import { describe, expect, it } from 'vitest';
import { campaignFigures, sumFigures } from './figures.js';

const costs: Record<string, number> = { sms: 0.05, call: 3 };

describe('campaign figures', () => {
  it('adds ledger outcomes, gate suppressions, credits and task deals per node, channel and group, and ROI from the sums', () => {
    const f = campaignFigures({
      reachNodes: [
        { node: 'text', channel: 'sms' },
        { node: 'ring', channel: 'call' },
        { node: 'later', channel: 'sms' },
      ],
      entered: {
        total: 1000,
        byNode: new Map([
          ['text', 600],
          ['ring', 200],
        ]),
        byVariant: new Map([
          ['a', 500],
          ['b', 400],
          ['control', 100],
        ]),
      },
      outcomes: [
        { node: 'text', channel: 'sms', outcome: 'sent', detail: null, count: 300, value: 0, variant: 'a' },
        { node: 'text', channel: 'sms', outcome: 'sent', detail: null, count: 250, value: 0, variant: 'b' },
        { node: 'text', channel: 'sms', outcome: 'suppressed', detail: 'no_contact', count: 10, value: 0, variant: 'a' },
        { node: 'text', channel: 'sms', outcome: 'suppressed', detail: 'bounced_before', count: 2, value: 0, variant: 'b' },
        { node: 'text', channel: 'sms', outcome: 'suppressed', detail: 'journey_stopped', count: 5, value: 0, variant: 'b' },
        { node: 'text', channel: 'sms', outcome: 'suppressed', detail: 'expired', count: 3, value: 0, variant: 'a' },
        { node: 'ring', channel: 'call', outcome: 'sent', detail: null, count: 20, value: 0, variant: 'a' },
        { node: 'ring', channel: 'call', outcome: 'task_outcome', detail: 'interested', count: 4, value: 1200, variant: 'a' },
      ],
      gate: [
        { node: 'text', channel: 'sms', reason: 'cap', count: 30 },
        { node: 'text', channel: 'sms', reason: 'quiet_hours', count: 8 },
      ],
      credits: [
        { node: 'text', channel: 'sms', variant: 'a', conversions: 12.5, value: 500 },
        { node: 'text', channel: 'sms', variant: 'b', conversions: 7, value: 210 },
        { node: 'ring', channel: 'call', variant: 'a', conversions: 1, value: 90 },
      ],
      costOf: (channel) => costs[channel] ?? 0,
    });
    // cost: 550 SMS × 0.05 = 27.5, 20 calls × 3 = 60; value: 500 + 210 + 90 credited, 1,200 in deals.
    expect(f.totals).toMatchObject({ entered: 1000, sent: 570, tasks: 4, converted: 20.5, conversionValue: 800, taskValue: 1200, value: 2000, cost: 87.5 });
    expect(f.totals.roi).toBeCloseTo((2000 - 87.5) / 87.5, 12);
    expect(f.totals.suppressed).toEqual({
      cap: 30,
      quiet_hours: 8,
      holiday: 0,
      no_consent: 0,
      opted_out: 0,
      no_contact: 10,
      journey_stopped: 5,
      expired: 3,
      other: 2,
    });
    expect(f.channels.map((c) => [c.channel, c.entered, c.sent, c.cost, c.value])).toEqual([
      ['call', 200, 20, 60, 1290],
      ['sms', 600, 550, 27.5, 710],
    ]);
    expect(f.channels[0].roi).toBeCloseTo((1290 - 60) / 60, 12);
    // A reach node nothing happened at yet still has its row, with ROI null (no cost).
    expect(f.nodes.find((n) => n.node === 'later')).toMatchObject({ entered: 0, sent: 0, cost: 0, roi: null });
    expect(f.variants.map((v) => [v.variant, v.entered, v.sent, v.converted, v.cost])).toEqual([
      ['a', 500, 320, 13.5, 15 + 60],
      ['b', 400, 250, 7, 12.5],
      ['control', 100, 0, 0, 0],
    ]);
    expect(f.variants[0].suppressed.no_contact).toBe(10);
  });

  it('adds instances up and computes ROI from the sums, never averaging ratios', () => {
    const one = (sent: number, cost: number, value: number) =>
      campaignFigures({
        reachNodes: [],
        entered: { total: sent, byNode: new Map(), byVariant: new Map() },
        outcomes: [{ node: 'n', channel: 'sms', outcome: 'sent', detail: null, count: sent, value: 0 }],
        gate: [],
        credits: [{ node: 'n', channel: 'sms', variant: null, conversions: 1, value }],
        costOf: () => cost / sent,
      }).totals;
    const sum = sumFigures([one(10, 10, 30), one(10, 90, 90)]);
    expect(sum).toMatchObject({ entered: 20, sent: 20, converted: 2, value: 120, cost: 100, roi: 0.2 });
  });
});
