/**
 * Page checks for the console tests in headless Chromium (./chromium.ts launches it): one browser per
 * test file; each test opens a fresh context (its own sessionStorage and localStorage).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { packageRoot } from '../../node/paths.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is and fails with each violation's rule and elements. axe is
 * injected through the DevTools protocol (addScriptTag would be an inline script, which the
 * console's CSP refuses — as it should).
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }> } }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  });
  expect(violations, `axe violations on ${what}`).toEqual([]);
}

/** No horizontal scrolling at the page's viewport: the layout fits 1280 px. */
export async function expectNoHorizontalScroll(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `${what} is ${scroll}px wide in a ${client}px viewport`).toBeLessThanOrEqual(client);
}

const SHOTS = join(packageRoot(), 'docs', 'screenshots');

/** A screenshot for the docs (docs/screenshots/<name>.png): the viewport only, to keep the files small. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), type: 'png' });
}
