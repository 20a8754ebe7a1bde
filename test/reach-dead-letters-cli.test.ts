import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKey } from '../node/journeys/outbox.js';
import { MofangNode } from '../node/node.js';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangAsync, mofangJsonAsync } from './support/node-processes.js';

// `mofang reach …` as an operator runs it, against the built dist/ and a real node directory whose
// outbox holds three dead messages (written and ended through the outbox contract).
describe('mofang reach', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-reach-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const keys: string[] = [];

  beforeAll(() => {
    const init = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
    expect(init.code, init.err).toBe(0);
    const node = MofangNode.open(cfg, { quietLogs: true, metrics: false });
    try {
      const outbox = node.pipeline.journeyEngine.outbox;
      const at = new Date().toISOString();
      for (const [journeyId, entryId, channel] of [
        [7, 1, 'sms'],
        [7, 2, 'email'],
        [8, 3, 'sms'],
      ] as const) {
        const parts = { journeyId, journeyVersion: 1, nodeId: 'offer', entryId };
        const key = idempotencyKey(parts);
        outbox.write({
          ...parts,
          idempotencyKey: key,
          customer: { dataset: 'customers', customerId: 'li-8812' },
          channel,
          template: { body: 'Hi' },
          variables: {},
          scheduledAt: at,
          priority: 5,
          transactional: false,
          createdAt: at,
        });
        outbox.complete(key, { status: 'dead', reason: 'HTTP 400: unknown number' });
        keys.push(key);
      }
    } finally {
      node.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('dead-letters lists them, filtered and paged, and never prints the customer', async () => {
    const all = await mofangJsonAsync(cfg, 'reach', 'dead-letters');
    expect(all.total).toBe(3);
    expect(JSON.stringify(all)).not.toContain('li-8812');
    const sms = await mofangJsonAsync(cfg, 'reach', 'dead-letters', '--channel', 'sms', '--limit', '1');
    expect(sms.total).toBe(2);
    expect(sms.deadLetters).toHaveLength(1);
    const human = await mofangAsync(cfg, 'reach', 'dead-letters', '--journey', '7');
    expect(human.code, human.err).toBe(0);
    expect(human.out).toContain('2 of 2 dead messages');
    expect(human.out).toContain('HTTP 400: unknown number');
    const bad = await mofangAsync(cfg, 'reach', 'dead-letters', '--channel', 'fax');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--channel: expected one of');
  });

  it('redrive sends them back by key, by filter or all, and refuses a request naming nothing', async () => {
    const none = await mofangAsync(cfg, 'reach', 'redrive');
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('REACH_REDRIVE_INVALID');
    const unknown = await mofangAsync(cfg, 'reach', 'redrive', 'j9.v1.noffer.e9');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('REACH_DEAD_LETTER_NOT_FOUND');
    expect(await mofangJsonAsync(cfg, 'reach', 'redrive', keys[0])).toEqual({ redriven: 1 });
    const byJourney = await mofangAsync(cfg, 'reach', 'redrive', '--journey', '7');
    expect(byJourney.out.trim()).toBe('1 message re-driven');
    expect(await mofangJsonAsync(cfg, 'reach', 'redrive', '--all')).toEqual({ redriven: 1 });
    expect((await mofangJsonAsync(cfg, 'reach', 'dead-letters')).total).toBe(0);
    const audit = await mofangJsonAsync(cfg, 'audit', 'list', '--action', 'reach.redriven');
    expect(JSON.stringify(audit)).not.toContain('li-8812');
  });
});
