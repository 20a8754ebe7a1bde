/**
 * The Reach and monitoring page, and Strategy's version history, against the shared cluster: a
 * journey whose reach node makes a branch staff task (a channel the node keeps itself, so no
 * provider is needed) is published over the API, and the running node's engine and dispatcher
 * turn the segment's 8 members into 8 tasks. An operator reads the campaign report with that exact
 * sent count and the attribution rule as the node states it, closes a task with an outcome (which
 * comes back in the report), and opens an older version of the journey read-only; compliance sees
 * the same report and tasks without the buttons it may not use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

interface Task {
  id: number;
  status: string;
  outcome: string | null;
  value: number | null;
}

const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${ctx.bank.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ctx.tokens.operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
};

/** The journey: high-value customers (8 of the 12) each become a task for their branch. */
const graph = (dueDays: number) => ({
  dataset: 'customers',
  nodes: [
    {
      id: 'start',
      type: 'segment_entry',
      params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
      next: { out: 'visit' },
      position: { x: 0, y: 0 },
    },
    {
      id: 'visit',
      type: 'reach',
      params: { channel: 'branch_task', template: { subject: 'Savings review', body: 'Invite the customer to a savings review.' }, dueDays },
      position: { x: 300, y: 0 },
    },
  ],
});

export function reachPageTests(): void {
  describe('reach page', () => {
    let journeyId = 0;

    beforeAll(async () => {
      const created = await call<{ journey: { id: number } }>('POST', '/v1/journeys', { name: 'reach-page-visits', graph: graph(2) });
      journeyId = created.journey.id;
      await call('POST', `/v1/journeys/${journeyId}/publish`);
      // A second version, saved and not published: version 1 stays live.
      await call('POST', `/v1/journeys/${journeyId}/versions`, { graph: graph(5) });
      // The engine enters the segment at its next tick and the dispatcher delivers the tasks.
      const sent = async () => (await call<{ totals: { sent: number } }>('GET', `/v1/reach/reports/journeys/${journeyId}`)).totals.sent;
      const deadline = Date.now() + 50_000;
      while ((await sent()) < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await sent()).toBe(8);
    }, 60_000);

    it('an operator reads the campaign report with its sent count and rule, closes a staff task with an outcome, and sees it counted', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'operator');
      await page.getByRole('link', { name: 'Reach', exact: true }).click();
      await page.getByRole('link', { name: 'reach-page-visits' }).click();
      await poll(() => page.getByTestId('total-sent').textContent()).toBe('8');
      expect(await page.getByTestId('channel-branch_task-sent').textContent()).toBe('8');
      expect(await page.getByTestId('total-entered').textContent()).toBe('8');
      // The rule as the node words it, and ROI explained where nothing cost anything.
      const rule = (await call<{ rule: { text: string } }>('GET', `/v1/reach/reports/journeys/${journeyId}`)).rule.text;
      expect(await page.getByTestId('attribution-rule').textContent()).toBe(`Attribution rule: ${rule}`);
      expect(await page.getByTestId('total-roi').textContent()).toBe('— (no cost)');
      await checkPage(page, 'reach', 'en');

      await page.getByRole('link', { name: 'Staff tasks' }).click();
      const { tasks } = await call<{ tasks: Task[] }>('GET', '/v1/reach/tasks?status=open');
      const task = tasks[0];
      await page.getByRole('button', { name: `Take task ${task.id}` }).click();
      await poll(() => page.getByTestId('task-result').textContent()).toBe(`Task ${task.id} is in progress.`);
      // Taken tasks leave the "open" list; the operator finds it under "in progress" and closes it.
      await page.getByLabel('Status').selectOption('in_progress');
      await page.getByRole('button', { name: `Close task ${task.id} with an outcome` }).click();
      const form = page.getByRole('form', { name: `Close task ${task.id} with an outcome` });
      await form.getByLabel('Outcome').fill('sold');
      await form.getByLabel('Deal value').fill('5000');
      await form.getByRole('button', { name: 'Record' }).click();
      await poll(() => page.getByTestId('task-result').textContent()).toBe(`Task ${task.id} closed: sold.`);
      expect(await call<Task>('GET', `/v1/reach/tasks/${task.id}`)).toMatchObject({ status: 'done', outcome: 'sold', value: 5000 });

      // The outcome comes back to the campaign report.
      await page.getByRole('link', { name: 'Campaign reports' }).click();
      await page.getByRole('link', { name: 'reach-page-visits' }).click();
      await poll(() => page.getByTestId('total-tasks').textContent()).toBe('1');
      expect(await page.getByTestId('total-taskValue').textContent()).toBe('5,000.00');
      await context.close();
    });

    it('compliance reads the report and the tasks in Chinese, without buttons it may not use', async () => {
      const { context, page } = await open('zh-CN');
      await signIn(page, 'compliance');
      await page.getByRole('link', { name: '触达与监控' }).click();
      await page.getByRole('link', { name: 'reach-page-visits' }).click();
      await poll(() => page.getByTestId('total-sent').textContent()).toBe('8');
      await checkPage(page, 'reach', 'zh-CN');
      await page.getByRole('link', { name: '员工任务' }).click();
      await page.locator('table.tasks').waitFor();
      expect(await page.locator('table.tasks button').count()).toBe(0);
      expect(await page.getByRole('link', { name: '外呼名单' }).count()).toBe(0);
      await context.close();
    });

    it('shows a journey’s version history with the live version, and opens an older version read-only', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'operator');
      await page.goto(`${ctx.bank.httpUrl}/console/strategy/${journeyId}`);
      await page.getByRole('link', { name: 'Version history' }).click();
      await poll(() => page.getByTestId('live-version').textContent()).toBe('Version 1 is live (journey published).');
      expect(await page.getByTestId('version-2').locator('td').nth(1).textContent()).toBe('draft');
      expect(await page.getByTestId('version-1').locator('td').nth(1).textContent()).toBe('live');
      await checkPage(page, 'history', 'en');
      await page.getByRole('link', { name: 'Version 1', exact: true }).click();
      await poll(() => page.getByTestId('version-banner').textContent()).toContain('Version 1, read-only. Live: 1; latest: 2.');
      await page.locator('[data-node-id=visit]').waitFor();
      expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
      await context.close();
    });
  });
}
