/**
 * The Analytics page: a funnel opened over events sent to the node, its conversion in the chart's
 * table; an event trend saved as a metric with an alert rule that fires when evaluated, opened
 * again and saved as the metric's next version; compliance reads the metric and its alert without
 * the operator's buttons. Both languages' screenshots.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

const STEPS = ['analytics_view', 'analytics_cart', 'analytics_pay'] as const;

async function call(method: string, path: string, token: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${ctx.bank.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  expect(response.status, JSON.stringify(answer)).toBeLessThan(300);
  return answer;
}

/** The rows of a result table as the user reads them: one list of cell texts per row. */
const rows = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent ?? '')));

export function analyticsPageTests(): void {
  describe('analytics page', () => {
    beforeAll(async () => {
      for (const event of STEPS) {
        const properties = event === 'analytics_pay' ? { amount: { type: 'number', required: true } } : {};
        await call('PUT', `/v1/tracking-plan/events/${event}`, ctx.tokens.admin, { properties });
      }
      // Ten customers view, six of them put something in the cart, three pay: an hour between steps.
      const now = Date.now();
      const events = Array.from({ length: 10 }, (_, i) => i).flatMap((i) =>
        STEPS.slice(0, i < 3 ? 3 : i < 6 ? 2 : 1).map((name, step) => ({
          eventId: `analytics-${i}-${step}`,
          customerId: `analytics-c${i}`,
          name,
          time: new Date(now - (3 - step) * 3_600_000).toISOString(),
          properties: name === 'analytics_pay' ? { amount: 10 * (i + 1) } : {},
        })),
      );
      const stored = (await call('POST', '/v1/events', ctx.tokens.operator, { events, atomic: true })) as { accepted: number };
      expect(stored.accepted).toBe(19);
    });

    it('opens a three-step funnel, runs an event trend and saves it as a metric whose alert rule fires', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'operator');
      await page.getByRole('link', { name: 'Analytics' }).click();
      await page.getByRole('button', { name: 'Funnel', exact: true }).click();
      expect(page.url()).toMatch(/\/console\/analytics\/funnel$/);
      await page.getByLabel('Step 1: Event', { exact: true }).fill(STEPS[0]);
      await page.getByLabel('Step 2: Event', { exact: true }).fill(STEPS[1]);
      await page.getByRole('button', { name: 'Add a step' }).click();
      await page.getByLabel('Step 3: Event', { exact: true }).fill(STEPS[2]);
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await poll(() => rows(page, 'funnel-table').then((r) => r.map((cells) => cells.slice(0, 5)))).toEqual([
        ['1. analytics_view', '10', '—', '100%', '0'],
        ['2. analytics_cart', '6', '60%', '60%', '4'],
        ['3. analytics_pay', '3', '50%', '30%', '3'],
      ]);
      expect(await page.getByTestId('funnel-table').locator('caption').textContent()).toBe('Steps (overall conversion 30%)');
      await page
        .getByRole('img', { name: /^Funnel: customers and drop-off per step; conversion 30%/ })
        .locator('canvas')
        .first()
        .waitFor();
      await checkPage(page, 'analytics', 'en');

      // The trend of views, with the previous period, saved as a metric over the last 7 days.
      await page.getByRole('button', { name: 'Events', exact: true }).click();
      await page.getByLabel('Event: Event', { exact: true }).fill(STEPS[0]);
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await poll(() => rows(page, 'event-totals')).toContainEqual(['Events', '10', '0', '—']);
      await page.getByRole('img', { name: 'Events per bucket, with the previous period' }).locator('canvas').first().waitFor();
      const save = page.getByRole('form', { name: 'Save as a metric' });
      await save.getByLabel('Name').fill('analytics_views');
      expect(await save.getByLabel('Number').inputValue()).toBe('total');
      await save.getByLabel('Ending').selectOption('today');
      await save.getByRole('button', { name: 'Save metric' }).click();
      const detail = page.getByTestId('metric-detail');
      await detail.getByText('analytics_views (version 1)').waitFor();
      const rule = page.getByRole('form', { name: 'Add an alert rule' });
      await rule.getByLabel('Threshold', { exact: true }).fill('5');
      await rule.getByRole('button', { name: 'Add rule' }).click();
      await poll(() => rows(page, 'rules')).toEqual([['value above 5', 'every 60 min, cool-down 60 min', 'OK', 'DisableRemove']]);
      await detail.getByRole('button', { name: 'Evaluate now' }).click();
      await poll(() => page.getByTestId('evaluation').textContent()).toMatch(/^Measured 10 for .* rules fired: 1\.$/);
      await poll(() => rows(page, 'alert-events').then((r) => r.map((cells) => cells[1]))).toEqual(['Fired']);
      expect((await rows(page, 'rules'))[0]?.[2]).toBe('Firing');

      // Opening the metric runs its query again; saving it from there makes its next version.
      await detail.getByRole('button', { name: 'Open the query' }).click();
      await poll(() => rows(page, 'event-totals')).toContainEqual(['Events', '10', '0', '—']);
      await page.getByLabel('Granularity').selectOption('week');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.getByRole('button', { name: 'Save as version 2 of analytics_views' }).click();
      await detail.getByText('analytics_views (version 2)').waitFor();
      await context.close();
    });

    it('shows compliance the saved metric and the alert it fired, without the buttons that change them', async () => {
      const { context, page } = await open('zh-CN');
      await signIn(page, 'compliance');
      await page.getByRole('link', { name: '分析' }).click();
      await page.getByRole('button', { name: 'analytics_views' }).click();
      await poll(() => rows(page, 'alert-events').then((r) => r.map((cells) => cells[1]))).toEqual(['已触发']);
      expect(await rows(page, 'rules')).toEqual([['值高于 5', '每 60 分钟，冷却 60 分钟', '告警中']]);
      for (const name of ['立即评估', '删除指标', '添加规则']) expect(await page.getByRole('button', { name }).count()).toBe(0);
      // Opening the metric runs its query: the same ten views.
      await page.getByRole('button', { name: '打开查询' }).click();
      await poll(() => rows(page, 'event-totals')).toContainEqual(['事件数', '10', '0', '—']);
      expect(page.url()).toMatch(/\/console\/analytics\/event$/);
      expect(await page.getByRole('form', { name: '保存为指标' }).count()).toBe(0);
      await checkPage(page, 'analytics', 'zh-CN');
      await context.close();
    });
  });
}
