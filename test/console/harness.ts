/**
 * One pair of real nodes (bank, partner) and one headless Chromium for every console test: the
 * browser tests are the slowest in the suite, so each page's tests live in their own module
 * (test/console/<page>.page.ts, a function that declares a `describe`) and console.test.ts runs them
 * all against this one cluster. A page module sets up its own data in its own `beforeAll`, under
 * names no other module uses.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { packageRoot } from '../../node/paths.js';
import { expectAccessible, expectNoHorizontalScroll, screenshot } from '../support/browser.js';
import { launchChromium, VIEWPORT } from '../support/chromium.js';
import { createNodes, mofang, mofangJson, type NodeProcess } from '../support/node-processes.js';

export type Role = 'admin' | 'operator' | 'compliance';

/** The running cluster; filled by `useConsoleCluster`'s beforeAll. */
export const ctx = {
  cluster: undefined as unknown as Awaited<ReturnType<typeof createNodes>>,
  bank: undefined as unknown as NodeProcess,
  partner: undefined as unknown as NodeProcess,
  browser: undefined as unknown as Browser,
  /** An API token per role on the bank's node. */
  tokens: {} as Record<Role, string>,
  /** A temporary directory for files the tests write (CSV files to import …). */
  work: '',
  /** Every Content-Security-Policy refusal the pages reported: the console must need none. */
  cspRefusals: [] as string[],
};

/**
 * Starts the cluster before the file's tests and removes it after. The bank has a dataset
 * `customers` (12 rows, c0…c11, income 40,000 + 5,000·i) and a segment `high-value` (income ≥ 60,000).
 */
export function useConsoleCluster(): void {
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  beforeAll(async () => {
    if (!existsSync(join(packageRoot(), 'dist', 'console', 'index.html'))) throw new Error('dist/console is missing: run npm run build first');
    ctx.work = mkdtempSync(join(tmpdir(), 'mofang-console-e2e-'));
    ctx.cluster = await createNodes(['bank', 'partner']);
    [ctx.bank, ctx.partner] = ctx.cluster.nodes;
    const rows = Array.from({ length: 12 }, (_, i) => `c${i},${40_000 + i * 5_000}`);
    const csv = join(ctx.work, 'customers.csv');
    writeFileSync(csv, `id,income\n${rows.join('\n')}\n`);
    for (const args of [
      ['import', csv, '--dataset', 'customers', '--id', 'id:raw'],
      ['segments', 'create', 'high-value', '--dataset', 'customers', '--rule', '{"attr":"income","op":"gte","value":60000}'],
    ]) {
      const r = mofang(ctx.bank.config, ...args);
      expect(r.code, r.err).toBe(0);
    }
    for (const role of ['admin', 'operator', 'compliance'] as const) {
      ctx.tokens[role] = mofangJson<{ token: string }>(ctx.bank.config, 'token', 'create', '--name', `${role}-ui`, '--role', role).token;
    }
    await Promise.all(ctx.cluster.nodes.map((n) => n.start()));
    chromium = await launchChromium();
    ctx.browser = chromium.browser;
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await ctx.cluster?.cleanup();
    if (ctx.work) rmSync(ctx.work, { recursive: true, force: true });
  });
}

/** A fresh browser context (its own storage) on the bank's console (or `node`'s), in `language` unless the page switches. */
export async function open(language: 'zh-CN' | 'en' = 'zh-CN', node: NodeProcess = ctx.bank): Promise<{ context: BrowserContext; page: Page }> {
  const context = await ctx.browser.newContext({ viewport: VIEWPORT, locale: language });
  // The language a user chose before: set once, so that a reload keeps what the page switched to.
  await context.addInitScript((lang) => {
    if (!localStorage.getItem('mofang.language')) localStorage.setItem('mofang.language', lang);
  }, language);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) ctx.cspRefusals.push(m.text());
  });
  await page.goto(`${node.httpUrl}/`);
  return { context, page };
}

export async function signIn(page: Page, role: Role): Promise<void> {
  await page.locator('#token').fill(ctx.tokens[role]);
  await page.locator('button[type=submit]').click();
  await page.locator('nav').waitFor();
}

/** Waits for what the page shows after a call to the node, which takes its time on a busy machine. */
export const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

export const navItems = (page: Page) => page.locator('nav a').allTextContents();

/** Checks a page the way every page is checked, and writes its screenshot. */
export async function checkPage(page: Page, name: string, language: string): Promise<void> {
  await expectNoHorizontalScroll(page, name);
  await expectAccessible(page, `${name} (${language})`);
  await screenshot(page, `${name}-${language}`);
}
