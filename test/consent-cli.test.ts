import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangAsync } from './support/node-processes.js';

// `mofang consent …` as an operator runs it, against the built dist/ and a real node directory
// with a dataset of phone numbers imported by the CLI too.
describe('mofang consent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-consent-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  beforeAll(async () => {
    const init = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'), '--template', join(packageRoot(), 'config', 'bank.yaml'));
    expect(init.code, init.err).toBe(0);
    const csv = file('customers.csv', 'phone,segment\n+86 138 0013 8000,a\n+86 139 0013 9000,b\n+1 212 555 0100,c\n');
    const r = await mofangAsync(cfg, 'import', csv, '--dataset', 'customers', '--id', 'phone:phone');
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('set records an opt-out under the normalised id; show lists every channel with its model', async () => {
    const set = await mofangAsync(cfg, 'consent', 'set', 'customers', '+86 138-0013-8000', 'sms', 'opted_out', '--source', 'branch-form');
    expect(set.code, set.err).toBe(0);
    expect(set.out).toContain('customers: 1 entry recorded, 1 changed');
    const show = await mofangAsync(cfg, '--json', 'consent', 'show', 'customers', '+8613800138000');
    expect(show.code, show.err).toBe(0);
    const channels = JSON.parse(show.out).channels;
    expect(channels.find((c: { channel: string }) => c.channel === 'sms')).toMatchObject({ model: 'opt_out', status: 'opted_out', source: 'branch-form' });
    expect(channels.find((c: { channel: string }) => c.channel === 'email')).toMatchObject({ status: null });
    const human = await mofangAsync(cfg, 'consent', 'show', 'customers', '+8613800138000');
    expect(human.out).toMatch(/^sms +opt_out +opted_out +branch-form /m);
    expect(human.out).toMatch(/^email +opt_out +\(none recorded\)/m);
  });

  it('import records a CSV whole; a bad row fails the file naming its line and field, never the id, and records nothing', async () => {
    const good = file('consent.csv', 'customer_id,channel,status,source\n+86 139 0013 9000,email,opted_in,web\n+1 212 555 0100,push,opted_out,\n');
    const r = await mofangAsync(cfg, '--json', 'consent', 'import', good, '--dataset', 'customers');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ dataset: 'customers', entries: 2, changed: 2 });
    const pushed = JSON.parse((await mofangAsync(cfg, '--json', 'consent', 'show', 'customers', '+12125550100')).out).channels;
    expect(pushed.find((c: { channel: string }) => c.channel === 'push')).toMatchObject({ status: 'opted_out', source: 'import' });

    const bad = file('bad.csv', 'customer_id,channel,status\n+86 139 0013 9000,wechat,opted_in\n+86 999,sms,opted_out\n');
    const refused = await mofangAsync(cfg, 'consent', 'import', bad, '--dataset', 'customers');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/CONSENT_INVALID: line 3 customerId: not a valid identifier of dataset customers/);
    expect(refused.err).not.toContain('999');
    const wechat = JSON.parse((await mofangAsync(cfg, '--json', 'consent', 'show', 'customers', '+8613900139000')).out).channels;
    expect(wechat.find((c: { channel: string }) => c.channel === 'wechat')).toMatchObject({ status: null });

    const header = await mofangAsync(cfg, 'consent', 'import', file('header.csv', 'id,channel\nx,sms\n'), '--dataset', 'customers');
    expect(header.err).toMatch(/CONSENT_INVALID: the header lacks customer_id, status/);
  });

  it('refuses an unknown channel, an unknown status, a bad id and an unknown dataset with the code and field', async () => {
    const cases: [string[], RegExp][] = [
      [['customers', '+8613800138000', 'fax', 'opted_in'], /CONSENT_INVALID: entries\[0\]\.channel: not a channel; one of sms, email/],
      [['customers', '+8613800138000', 'sms', 'yes'], /CONSENT_INVALID: entries\[0\]\.status: must be one of opted_in, opted_out/],
      [['customers', 'not-a-phone', 'sms', 'opted_in'], /CONSENT_INVALID: entries\[0\]\.customerId: not a valid identifier/],
      [['nobody', '+8613800138000', 'sms', 'opted_in'], /DATASET_NOT_FOUND/],
    ];
    for (const [args, message] of cases) {
      const r = await mofangAsync(cfg, 'consent', 'set', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toContain('not-a-phone');
    }
  });
});
