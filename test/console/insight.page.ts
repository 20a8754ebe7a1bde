/**
 * The insight page in the browser: a segment built from a profile condition and a behaviour
 * condition (events sent through POST /v1/events under a tracking plan that declares them) with the
 * node's live size after each change and its validation error on the condition it names, saved;
 * a layering's mind map whose cell becomes a segment; a decision tree whose leaf becomes one; a
 * flow's Sankey. Both languages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

const EVENT = 'insight_purchase';

/** A call to the bank's API; a string body is sent as CSV (a dataset upload), anything else as JSON. */
async function call<T>(role: 'admin' | 'operator', method: string, path: string, body?: unknown): Promise<T> {
  const type = typeof body === 'string' ? 'text/csv' : 'application/json';
  const response = await fetch(`${ctx.bank.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ctx.tokens[role]}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export function insightPageTests(): void {
  describe('insight page', () => {
    let topBand = '';
    let churnLeaf = { id: '', leaf: -1 };

    beforeAll(async () => {
      await call('admin', 'PUT', `/v1/tracking-plan/events/${EVENT}`, {
        properties: { amount: { type: 'number', min: 0 }, channel: { type: 'enum', values: ['app', 'web'] } },
      });
      // c9 bought once, c10 and c11 three times (all in the app), c2 twice: customers c0…c11 earn 40,000 + 5,000·i.
      const buyers: [string, number][] = [
        ['c9', 1],
        ['c10', 3],
        ['c11', 3],
        ['c2', 2],
      ];
      const events = buyers.flatMap(([customerId, times]) =>
        Array.from({ length: times }, (_, k) => ({
          eventId: `insight-${customerId}-${k}`,
          customerId,
          name: EVENT,
          time: new Date(Date.now() - (k + 1) * 3_600_000).toISOString(),
          properties: { amount: 100 * (k + 1), channel: 'app' },
        })),
      );
      const sent = await call<{ accepted: number }>('operator', 'POST', '/v1/events', { events, atomic: true });
      expect(sent.accepted).toBe(events.length);

      const layering = await call<{ result: { root: { children: { label: string; size: number }[] } } }>('operator', 'POST', '/v1/insight/layerings', {
        name: 'insight-income',
        dataset: 'customers',
        spec: { root: { split: { attr: 'income', by: 'bands', edges: [60_000, 80_000] } } },
      });
      const cells = layering.result.root.children;
      expect(cells.map((c) => c.size)).toEqual([4, 4, 4]);
      topBand = cells[2].label;

      await call('operator', 'POST', '/v1/insight/segments', { name: 'insight-low', dataset: 'customers', rule: { attr: 'income', op: 'lt', value: 60_000 } });
      await call('operator', 'POST', '/v1/insight/flows', { name: 'insight-flow', dataset: 'customers', source: { segments: ['insight-low', 'high-value'] } });
      for (const period of ['insight-p1', 'insight-p2']) await call('operator', 'POST', '/v1/insight/flows/insight-flow/snapshots', { period });

      // A dataset where exactly the customers under 30 churned: the tree's first split finds them.
      const rows = Array.from({ length: 40 }, (_, i) => `k${i},${20 + i},${20 + i < 30}`);
      await call('admin', 'POST', '/v1/datasets/insight-churn/import?id=id:raw', `id,age,churned\n${rows.join('\n')}\n`);
      const tree = await call<{ id: string; leaves: { leaf: number; size: number; positiveRate: number }[] }>('operator', 'POST', '/v1/insight/trees', {
        dataset: 'insight-churn',
        target: 'churned',
        attributes: ['age'],
        options: { minLeaf: 2, validationFraction: 0 },
      });
      const young = tree.leaves.find((l) => l.positiveRate === 1);
      expect(young?.size).toBe(10);
      churnLeaf = { id: tree.id, leaf: young?.leaf ?? -1 };
    }, 60_000);

    it('builds a segment from a profile and a behaviour condition with the live size, shows the server error on its condition, saves it, and turns a mind-map cell and a tree leaf into segments', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'operator');
      await page.getByRole('link', { name: 'Insight' }).click();
      const preview = page.getByTestId('preview');
      await poll(() => preview.textContent()).toBe('Add a condition to see how many customers match.');

      // Profile condition: income at least 60,000 — 8 of the 12 customers.
      await page.getByRole('button', { name: '+ Profile condition' }).click();
      const profile = page.locator('[data-path="rule.all[0]"]');
      await profile.getByLabel('Attribute').selectOption('income');
      await profile.getByLabel('Operator').selectOption('gte');
      await profile.getByLabel('Value').fill('60000');
      await poll(() => preview.textContent()).toBe('8 of 12 customers match (66.7%).');

      // Behaviour condition: did insight_purchase — c9, c10, c11 among them; at least twice — c10, c11.
      await page.getByRole('button', { name: '+ Behaviour condition' }).click();
      const behaviour = page.locator('[data-path="rule.all[1]"]');
      await behaviour.getByLabel('Event').selectOption(EVENT);
      await poll(() => preview.textContent()).toBe('3 of 12 customers match (25%).');
      await behaviour.getByLabel('At least (times)').fill('2');
      await poll(() => preview.textContent()).toBe('2 of 12 customers match (16.7%).');

      // A window the server refuses: its error appears on the behaviour condition, not elsewhere.
      await behaviour.getByLabel('When').selectOption('days');
      await behaviour.getByLabel('Days', { exact: true }).fill('0');
      await poll(() => behaviour.getByTestId('rule-error').textContent()).toContain('rule.all[1].event.within.days');
      expect(await page.locator('[role=alert] .code').first().textContent()).toBe('RULE_INVALID');
      expect(await profile.getByTestId('rule-error').count()).toBe(0);
      await behaviour.getByLabel('Days', { exact: true }).fill('30');
      await poll(() => preview.textContent()).toBe('2 of 12 customers match (16.7%).');
      expect(await page.getByTestId('rule-error').count()).toBe(0);

      await page.getByLabel('Name', { exact: true }).fill('insight-loyal');
      await page.getByRole('button', { name: 'Save segment' }).click();
      await poll(() => page.getByTestId('segment-message').textContent()).toBe('Segment insight-loyal saved: 2 customers.');
      expect(page.url()).toMatch(/\/console\/insight\/segments\/insight-loyal$/);
      await page.getByRole('link', { name: 'insight-loyal' }).waitFor();
      await checkPage(page, 'insight', 'en');

      // The layering as a mind map; its top income band becomes a segment of the same 4 customers.
      await page.getByRole('link', { name: 'Layering' }).click();
      await page.getByRole('link', { name: 'insight-income' }).click();
      const cell = page.getByTestId(`cell-${topBand}`);
      await poll(() => cell.locator('.size').textContent()).toBe('4 customers');
      await cell.getByRole('button', { name: `Make a segment from ${topBand}` }).click();
      await cell.getByLabel('Segment name').fill('insight-top-band');
      await cell.getByRole('button', { name: 'Save' }).click();
      await poll(() => cell.getByRole('status').textContent()).toBe('Segment insight-top-band saved: 4 customers.');
      await checkPage(page, 'insight-map', 'en');

      // The decision tree: its churning leaf becomes a segment of the same 10 customers.
      await page.getByRole('link', { name: 'Decision trees' }).click();
      await page.getByRole('link', { name: 'churned' }).click();
      const leafBox = page.locator('.cell-body', { has: page.getByText(`leaf ${churnLeaf.leaf} · lift`) });
      await poll(() => leafBox.locator('.size').textContent()).toBe('10 customers');
      expect(await leafBox.textContent()).toContain('churned: 100%');
      await leafBox.getByRole('button', { name: `Make a segment from leaf ${churnLeaf.leaf}` }).click();
      await leafBox.getByLabel('Segment name').fill('insight-young');
      await leafBox.getByRole('button', { name: 'Save' }).click();
      await poll(() => leafBox.getByRole('status').textContent()).toBe('Segment insight-young saved: 10 customers.');
      await checkPage(page, 'insight-tree', 'en');
      await context.close();
    });

    it('shows a flow as a Sankey with its table, in Chinese, read-only for compliance', async () => {
      const { context, page } = await open('zh-CN');
      await signIn(page, 'compliance');
      await page.getByRole('link', { name: '洞察' }).click();
      await page.getByRole('link', { name: 'insight-loyal' }).waitFor();
      expect(await page.getByRole('button', { name: '保存客群' }).count()).toBe(0);
      await page.getByRole('link', { name: '流转' }).click();
      await page.getByRole('link', { name: 'insight-flow' }).click();
      const sankey = page.getByRole('img', { name: '从 insight-p1 到 insight-p2 各类别之间流动的客户' });
      await poll(() => sankey.locator('canvas').count()).toBeGreaterThan(0);
      // Nobody moved between the two snapshots: the low earners stay low, the high-value stay high.
      const table = page.getByTestId('transition-table');
      await poll(() => table.locator('tbody tr').count()).toBeGreaterThan(1);
      expect(await page.getByRole('button', { name: '立即快照' }).count()).toBe(0);
      await checkPage(page, 'insight', 'zh-CN');
      await context.close();
    });
  });
}
