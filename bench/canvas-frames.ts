/**
 * The journey canvas's frame rate while a node is dragged, in headless Chromium: a journey of 60
 * nodes (a segment entry, 58 delays, an exit) open on the canvas, the middle node dragged in small
 * mouse steps, frames counted with requestAnimationFrame during the drag. The same drag over a page
 * without a canvas (the login page) is the baseline: what this browser and this machine's load allow
 * at all. The count runs in the page through the DevTools protocol (page.evaluate), not an inline
 * script, so the console's Content-Security-Policy stays as it is.
 */
import type { Browser, Page } from 'playwright-core';
import { VIEWPORT } from '../test/support/chromium.js';

/** The 60-node chain: valid, so the node saves it (a journey with problems is refused). */
export function sixtyNodeJourney(dataset: string, segment: string) {
  const delays = Array.from({ length: 58 }, (_, i) => `wait_${i + 1}`);
  const ids = ['start', ...delays, 'done'];
  return {
    dataset,
    nodes: ids.map((id, i) => ({
      id,
      type: id === 'start' ? 'segment_entry' : id === 'done' ? 'exit' : 'delay',
      params:
        id === 'start'
          ? { segment, schedule: { kind: 'once' }, reentry: { kind: 'never' } }
          : id === 'done'
            ? {}
            : { kind: 'duration', duration: { amount: 1, unit: 'days' } },
      ...(i < ids.length - 1 ? { next: { out: ids[i + 1] } } : {}),
      position: { x: (i % 10) * 260, y: Math.floor(i / 10) * 180 },
    })),
  };
}

export interface DragFrames {
  fps: number;
  /** The longest time between two frames, in ms: a stall a user would see as a jerk. */
  worstFrameMs: number;
  moves: number;
  seconds: number;
}

const STEPS = 240;

/** Drags from (x, y) 300 px right and 120 px down in STEPS mouse moves, counting frames meanwhile. */
async function dragCounting(page: Page, x: number, y: number): Promise<DragFrames> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __counting: boolean };
    w.__frames = [];
    w.__counting = true;
    const tick = (t: number) => {
      if (!w.__counting) return;
      w.__frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  const started = performance.now();
  for (let i = 1; i <= STEPS; i++) await page.mouse.move(x + (300 * i) / STEPS, y + (120 * i) / STEPS);
  await page.mouse.up();
  const seconds = (performance.now() - started) / 1000;
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __counting: boolean };
    w.__counting = false;
    return w.__frames;
  });
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const span = (frames[frames.length - 1] - frames[0]) / 1000;
  return { fps: (frames.length - 1) / span, worstFrameMs: Math.max(...gaps), moves: STEPS, seconds };
}

/**
 * @example const { canvas, baseline } = await measureCanvasDrag(browser, { url, token, journeyId });
 */
export async function measureCanvasDrag(
  browser: Browser,
  at: { url: string; token: string; journeyId: number },
): Promise<{ canvas: DragFrames; baseline: DragFrames; moved: boolean }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(`${at.url}/`);
    await page.locator('#token').waitFor();
    const baseline = await dragCounting(page, 200, 300);

    await page.locator('#token').fill(at.token);
    await page.locator('button[type=submit]').click();
    await page.locator('nav').waitFor();
    await page.goto(`${at.url}/console/strategy/${at.journeyId}`);
    const node = page.locator('.react-flow__node[data-id=wait_25]');
    await node.waitFor();
    if ((await page.locator('.react-flow__node').count()) !== 60) throw new Error('the canvas does not show the 60 nodes');
    const before = await node.boundingBox();
    if (!before) throw new Error('wait_25 is not on screen');
    const canvas = await dragCounting(page, before.x + before.width / 2, before.y + 12);
    const after = await node.boundingBox();
    return { canvas, baseline, moved: !!after && after.x - before.x > 100 };
  } finally {
    await context.close();
  }
}
