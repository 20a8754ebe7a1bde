/**
 * Debian's `chromium` (installed by scripts/ensure-chromium.mjs, which `npm test` runs first) driven
 * by playwright-core, for the console tests and bench:console. No vitest here, so a bench can use it.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = process.env.MOFANG_CHROMIUM ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };

export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run node scripts/ensure-chromium.mjs (npm test runs it first)`);
  // Without the background-networking flags Chromium keeps calling Google's services, which a
  // closed network refuses. playwright-core adds --headless and a fresh --user-data-dir itself.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
