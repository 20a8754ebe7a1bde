/** The README's main job, `mofang demo`, at its smallest size: exact results and verified audit logs. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEMO_MARKER, DEMO_MIN_BANK_ROWS, prepareDemoDir, runDemo } from '../node/demo/demo.js';
import { mofang } from './support/node-processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-demo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('runs the demo end to end at the smallest bank file it accepts: a noisy overlap near the planted one, enrich equal to it, segments are scored, the bank app events are analysed, both audits verify', async () => {
  const lines: string[] = [];
  const result = await runDemo({ dir: join(dir, 'demo'), bankRows: DEMO_MIN_BANK_ROWS, partnerRows: 300, overlap: 240, print: (l) => lines.push(l) });
  expect(result).toMatchObject({ expectedOverlap: 240, enrichCount: 240, auditOk: { bank: true, partner: true } });
  // Noise of scale 1 (ε 1): beyond ±20 with probability below 10⁻⁸; the interval is around the released value.
  expect(Math.abs(result.overlapCount! - 240)).toBeLessThanOrEqual(20);
  expect(result.overlapInterval!.low).toBeLessThan(result.overlapCount!);
  expect(result.overlapInterval!.high).toBeGreaterThan(result.overlapCount!);
  // Two disjoint segments by age cover the 240 matched customers; their noisy counts are near it. The smaller holds about
  // 77, far above the demo's minimum group of 20: with 120 matched (about 38 in it) the noise once pushed it under the
  // minimum, so it was suppressed and had no rank.
  expect(result.scores.map((s) => s.label).sort()).toEqual(['age-40-plus', 'under-40']);
  expect(result.scores.map((s) => s.rank).sort()).toEqual([1, 2]);
  const counted = result.scores.reduce((sum, s) => sum + (s.count ?? 0), 0);
  expect(Math.abs(counted - 240)).toBeLessThan(40);
  for (const s of result.scores) {
    expect(s.meanSpend!).toBeGreaterThan(10);
    expect(s.meanSpend!).toBeLessThan(500);
  }
  const text = lines.join('\n');
  expect(text).toMatch(new RegExp(`overlap: noisy count ${result.overlapCount} \\(±\\d+ at 95 %\\), 95 % interval \\d+…\\d+ \\(planted: 240\\)`));
  // The telco's copy of the shared count is the same noisy release.
  expect(text).toContain(`overlap: noisy count ${result.overlapCount} (±`);
  expect(text).toMatch(new RegExp(`the telco learned: .*overlap: noisy count ${result.overlapCount} \\(±\\d+ at 95 %\\) \\(shared by the agreement\\)`));
  // Enrich marks the other bank customers false, not nothing.
  expect(text).toContain(`240 customers marked partner:telco:member = true, ${DEMO_MIN_BANK_ROWS - 240} = false`);
  // Events: every event the app's SDK sent is stored, and the models read them back on the bank's customers.
  const { events } = result;
  expect(events.sent).toBeGreaterThan(2000);
  expect(events.accepted).toBe(events.sent);
  expect(text).toContain(`the app's SDK sent ${events.sent} events of ${DEMO_MIN_BANK_ROWS} customers over the last 30 days: ${events.sent} accepted`);
  // Every customer with events opens the app first; each later step keeps only some of the previous one.
  expect(events.funnel[0]).toBe(DEMO_MIN_BANK_ROWS);
  for (let i = 1; i < 4; i++) {
    expect(events.funnel[i]).toBeGreaterThan(0);
    expect(events.funnel[i]).toBeLessThan(events.funnel[i - 1]);
  }
  // One application per applicant; each is credited to a campaign or counted as direct, in both models.
  expect(events.goals).toBe(events.applicants);
  for (const model of ['last', 'linear'] as const) {
    const credits = events.attribution[model];
    expect(Object.keys(credits).sort()).toEqual(['sms-cashback', 'spring-mortgage', 'wechat-car-loan']);
    const credited = Object.values(credits).reduce((sum, c) => sum + c, 0);
    expect(credited + events.attribution.direct).toBeCloseTo(events.goals, 6);
  }
  expect(events.day7Retention).toBeGreaterThan(0);
  // The segment joins profiles (age ≥ 40) to events (applied): some applicants, not all.
  expect(events.segmentSize).toBeGreaterThan(0);
  expect(events.segmentSize).toBeLessThan(events.applicants);
  expect(text).toContain(`segment loan-applicants-40-plus (age ≥ 40 and applied for a loan in the last 30 days): ${events.segmentSize} customers`);
  // A second run in the same directory may replace what the first one made.
  expect(existsSync(join(dir, 'demo', DEMO_MARKER))).toBe(true);
});

it('refuses sizes its agreements would refuse half-way, up front, naming the minimum', async () => {
  const run = (bankRows: number, partnerRows: number, overlap: number) => runDemo({ dir: join(dir, 'demo'), bankRows, partnerRows, overlap, print: () => {} });
  await expect(run(300, 200, 150)).rejects.toMatchObject({
    code: 'REQUEST_INVALID',
    message: expect.stringContaining(`--bank-rows 300: the demo needs at least ${DEMO_MIN_BANK_ROWS}`),
  });
  await expect(run(1000, 50, 40)).rejects.toMatchObject({
    code: 'REQUEST_INVALID',
    message: expect.stringContaining('--partner-rows 50: the demo needs at least 100'),
  });
  await expect(run(1000, 500, 99)).rejects.toMatchObject({
    code: 'REQUEST_INVALID',
    message: expect.stringContaining('--overlap 99: the demo needs at least 100'),
  });
  expect(existsSync(join(dir, 'demo'))).toBe(false);
});

it('mofang demo --dir refuses a non-empty directory it did not create, and deletes nothing', () => {
  const target = join(dir, 'home');
  mkdirSync(target);
  writeFileSync(join(target, 'thesis.tex'), 'years of work');
  const r = mofang(null, 'demo', '--dir', target, '--bank-rows', '500', '--partner-rows', '150', '--overlap', '120');
  expect(r.code).not.toBe(0);
  expect(r.err).toContain('REQUEST_INVALID');
  expect(r.err).toContain(`the directory is not empty and was not created by mofang demo (no ${DEMO_MARKER} file); nothing was deleted`);
  expect(readFileSync(join(target, 'thesis.tex'), 'utf8')).toBe('years of work');
});

it('a directory the demo made (its marker file) is emptied for the next run; an empty or new one is used as is', () => {
  const made = join(dir, 'made');
  prepareDemoDir(made);
  writeFileSync(join(made, 'old-run.txt'), 'x');
  prepareDemoDir(made);
  expect(readdirSync(made)).toEqual([DEMO_MARKER]);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  prepareDemoDir(empty);
  expect(readdirSync(empty)).toEqual([DEMO_MARKER]);
  writeFileSync(join(dir, 'file'), 'x');
  expect(() => prepareDemoDir(join(dir, 'file'))).toThrow('exists and is not a directory');
});
