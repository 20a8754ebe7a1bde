/**
 * The web console in headless Chromium against real nodes started from the built dist/ (the node
 * serves dist/console): log in, role-aware navigation, the overview's identity, the audit chain,
 * both languages, and a journey built on the canvas by dragging and connecting, with the server's
 * validation and the dry run's counts. axe-core on every page; no horizontal scroll at 1280×800.
 * Writes docs/screenshots/<page>-<language>.png. Each page's own tests are in ./<page>.page.ts and
 * run here, against the one cluster of ./harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { mofang, mofangJson } from '../support/node-processes.js';
import { agreementsPageTests } from './agreements.page.js';
import { dataPageTests } from './data.page.js';
import { analyticsPageTests } from './analytics.page.js';
import { checkPage, ctx, navItems, open, poll, type Role, signIn, useConsoleCluster } from './harness.js';
import { jointPageTests } from './joint.page.js';
import { insightPageTests } from './insight.page.js';
import { reachPageTests } from './reach.page.js';

useConsoleCluster();

/** The navigation in the order of console/src/pages.ts: each page's label in both languages and the roles that see it. */
const NAV: { 'zh-CN': string; en: string; roles: Role[] }[] = [
  { 'zh-CN': '概览', en: 'Overview', roles: ['admin', 'operator', 'compliance'] },
  { 'zh-CN': '数据', en: 'Data', roles: ['admin', 'operator', 'compliance'] },
  { 'zh-CN': '协议', en: 'Agreements', roles: ['admin', 'operator', 'compliance'] },
  { 'zh-CN': '联合受众', en: 'Joint audience', roles: ['operator', 'compliance'] },
  { 'zh-CN': '洞察', en: 'Insight', roles: ['operator', 'compliance'] },
  { 'zh-CN': '分析', en: 'Analytics', roles: ['operator', 'compliance'] },
  { 'zh-CN': '策略', en: 'Strategy', roles: ['operator', 'compliance'] },
  { 'zh-CN': '触达与监控', en: 'Reach', roles: ['operator', 'compliance'] },
  { 'zh-CN': '合规', en: 'Compliance', roles: ['compliance'] },
];
const navFor = (role: Role, language: 'zh-CN' | 'en') => NAV.filter((p) => p.roles.includes(role)).map((p) => p[language]);

describe('the console', () => {
  it('signs in with a pasted token kept in sessionStorage only, and shows each role only its pages', async () => {
    const { context, page } = await open('en');
    expect(page.url()).toBe(`${ctx.bank.httpUrl}/console/`);
    await page.locator('#token').fill(`mfg_operator_${'A'.repeat(43)}`);
    await page.locator('button[type=submit]').click();
    await poll(() => page.locator('[role=alert]').textContent()).toContain('AUTH_REQUIRED');
    expect(await page.locator('[role=alert]').textContent()).toContain('not valid');
    await checkPage(page, 'login', 'en');

    for (const role of ['admin', 'operator', 'compliance'] as const) {
      await signIn(page, role);
      expect(await navItems(page)).toEqual(navFor(role, 'en'));
      const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('mofang.token'), local: JSON.stringify(localStorage) }));
      expect(stored.session).toBe(ctx.tokens[role]);
      expect(stored.local).not.toContain(ctx.tokens[role]);
      expect(page.url()).not.toContain(ctx.tokens[role]);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#token').waitFor();
    }
    await context.close();
  });

  it('shows the node identity, its peer and whether it answers, in zh-CN by default and in English', async () => {
    for (const language of ['zh-CN', 'en'] as const) {
      const { context, page } = await open(language);
      await signIn(page, 'operator');
      await poll(() => page.getByTestId('node-id').textContent()).toBe(ctx.bank.nodeId);
      expect(await page.getByTestId('node-name').textContent()).toBe('bank');
      await poll(() => page.locator('table').first().textContent()).toContain('partner');
      await page.getByText(language === 'en' ? 'No jobs yet.' : '暂无任务。').waitFor();
      await checkPage(page, 'overview', language);
      await context.close();
    }
  });

  it('switches to English and back, remembers the choice, and formats dates in the chosen language', async () => {
    const { context, page } = await open('zh-CN');
    expect(await page.locator('h1').textContent()).toBe('魔方控制台');
    await checkPage(page, 'login', 'zh-CN');
    await signIn(page, 'compliance');
    expect(await navItems(page)).toEqual(navFor('compliance', 'zh-CN'));
    await page.getByLabel('语言').selectOption('en');
    expect(await navItems(page)).toEqual(navFor('compliance', 'en'));
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.reload();
    await page.locator('nav').waitFor();
    expect(await navItems(page)).toEqual(navFor('compliance', 'en'));
    await page.getByLabel('Language').selectOption('zh-CN');
    expect(await navItems(page)).toEqual(navFor('compliance', 'zh-CN'));
    await context.close();
  });

  it('compliance browses the audit log by actor, verifies the chain and sees the result', async () => {
    for (const language of ['zh-CN', 'en'] as const) {
      const { context, page } = await open(language);
      await signIn(page, 'compliance');
      await page.locator('nav a[href="/console/compliance"]').click();
      await page.locator('table.audit').waitFor();
      const actors = () => page.locator('table.audit tbody tr td:nth-child(3)').allTextContents();
      await poll(async () => new Set(await actors()).size).toBeGreaterThan(1);
      const someone = (await actors()).find((a) => a.startsWith('cli:'))!;
      await page.locator('form.filters input').first().fill(someone);
      await page.locator('form.filters button[type=submit]').click();
      await poll(async () => [...new Set(await actors())]).toEqual([someone]);
      await page.locator('form.filters input').first().fill('nobody');
      await page.locator('form.filters button[type=submit]').click();
      await page.getByText(language === 'en' ? 'No entries match.' : '没有匹配的记录。').waitFor();
      await page.locator('form.filters input').first().fill('');
      await page.locator('form.filters button[type=submit]').click();
      await poll(() => page.locator('table.audit tbody tr').count()).toBeGreaterThan(0);
      await page.locator('#verify-title ~ button').click();
      const result = page.getByTestId('verify-result');
      await poll(() => result.textContent()).toMatch(language === 'en' ? /^Chain intact: \d+ entries checked/ : /^审计链完整：已检查 \d+ 条记录/);
      await checkPage(page, 'compliance', language);
      await context.close();
    }
  });

  it('builds a journey on the canvas by dragging and connecting, shows the validation on the node and the dry run on each node, and publishes it', async () => {
    const { context, page } = await open('en');
    await signIn(page, 'operator');
    await page.getByRole('link', { name: 'Strategy' }).click();
    await page.getByText('No journeys yet.').waitFor();
    await checkPage(page, 'strategy', 'en');
    await page.getByRole('button', { name: 'New journey' }).click();
    await page.getByLabel('Journey name').fill('vip-welcome');
    await page.getByLabel('Dataset').fill('customers');

    const flow = page.getByTestId('flow');
    await page.locator('.palette-item[data-type=segment_entry]').dragTo(flow, { targetPosition: { x: 120, y: 120 } });
    await page.locator('.palette-item[data-type=exit]').dragTo(flow, { targetPosition: { x: 480, y: 160 } });
    await poll(() => page.locator('.react-flow__node').count()).toBe(2);

    // The server's problems appear on the node they name.
    await poll(() => page.getByTestId('validity').textContent()).toBe('Has problems');
    await poll(() => page.getByTestId('problems-segment_entry_1').textContent()).toMatch(/segment/);

    // Parameters in the side panel of the selected node.
    await page.locator('[data-node-id=segment_entry_1]').click();
    const panel = page.getByTestId('side-panel');
    await panel.getByLabel('segment').fill('high-value');
    await panel.getByRole('group', { name: 'schedule' }).getByLabel('kind').selectOption('once');
    await panel.getByRole('group', { name: 'reentry' }).getByLabel('kind').selectOption('never');

    // Connect by dragging from the entry's "out" outlet to the exit's inlet.
    const from = await page.locator('[data-node-id=segment_entry_1] .outlet-handle').boundingBox();
    const to = await page.locator('.react-flow__node[data-id=exit_1] .react-flow__handle.target').boundingBox();
    if (!from || !to) throw new Error('handles not on screen');
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    await poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    await poll(() => page.getByTestId('validity').textContent()).toBe('Valid');
    expect(await page.getByTestId('problems-segment_entry_1').count()).toBe(0);
    await checkPage(page, 'canvas', 'en');

    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.getByTestId('canvas-message').textContent()).toContain('vip-welcome created');
    expect(page.url()).toMatch(/\/console\/strategy\/\d+$/);
    await page.getByRole('button', { name: 'Dry run' }).click();
    // 8 of the 12 customers earn 60,000 or more.
    await poll(() => page.getByTestId('count-segment_entry_1').textContent()).toBe('8');
    expect(await page.getByTestId('count-exit_1').textContent()).toBe('8');
    await page.getByRole('button', { name: 'Publish' }).click();
    await poll(() => page.getByTestId('canvas-message').textContent()).toBe('Published.');
    expect(await page.locator('.journey-name').textContent()).toContain('published');

    // The same journey in Chinese, read back from the server.
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.reload();
    await page.locator('[data-node-id=exit_1]').waitFor();
    await poll(() => page.getByTestId('validity').textContent()).toBe('有效');
    await checkPage(page, 'canvas', 'zh-CN');
    await page.getByRole('button', { name: '返回列表' }).click();
    await page.getByRole('link', { name: 'vip-welcome' }).waitFor();
    await checkPage(page, 'strategy', 'zh-CN');
    await context.close();
  });

  it("returns to the login page with the server's reason when the token is revoked while a page is open", async () => {
    const { context, page } = await open('en');
    const token = mofangJson<{ token: string }>(ctx.bank.config, 'token', 'create', '--name', 'to-revoke', '--role', 'operator').token;
    await page.locator('#token').fill(token);
    await page.locator('button[type=submit]').click();
    await page.locator('nav').waitFor();
    expect(mofang(ctx.bank.config, 'token', 'revoke', 'to-revoke').code).toBe(0);
    // The overview polls the jobs: its next call is refused, and the console goes back to the login page.
    await page.locator('#token').waitFor();
    expect(await page.locator('[role=alert]').textContent()).toMatch(/AUTH_REQUIRED.*"to-revoke" was revoked/);
    await checkPage(page, 'login-revoked', 'en');
    await context.close();
  });

  dataPageTests();
  agreementsPageTests();
  jointPageTests();
  analyticsPageTests();
  insightPageTests();
  reachPageTests();

  it('needed no Content-Security-Policy exception on any page', () => {
    expect(ctx.cspRefusals).toEqual([]);
  });
});
