/**
 * The joint-audience page against the shared cluster: an operator runs an overlap and an enrich
 * under an accepted agreement and reads the noisy count with its interval and the budget going
 * down; compliance reads the same jobs and budget without a way to run one.
 */
import { expect, it, beforeAll, describe } from 'vitest';
import { mofangJson } from '../support/node-processes.js';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

/** A partner dataset of 9 of the bank's 12 customers (c0…c8) and 3 of its own. */
const PARTNER_IDS = [...Array.from({ length: 9 }, (_, i) => `c${i}`), 'joint-p0', 'joint-p1', 'joint-p2'];
const MATCHED = 9;

async function call<T>(url: string, token: string, init: { method?: string; body?: string; type?: string } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}) },
    body: init.body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export function jointPageTests(): void {
  describe('joint audience page', () => {
    let agreementId = '';

    beforeAll(async () => {
      // Through the running nodes' HTTP API: the partner's import and acceptance, the bank's proposal.
      const partnerAdmin = mofangJson<{ token: string }>(ctx.partner.config, 'token', 'create', '--name', 'joint-admin', '--role', 'admin').token;
      await call(`${ctx.partner.httpUrl}/v1/datasets/joint-subscribers/import?id=id:raw`, partnerAdmin, {
        method: 'POST',
        type: 'text/csv',
        body: `id\n${PARTNER_IDS.join('\n')}\n`,
      });
      const proposal = await call<{ id: string }>(`${ctx.bank.httpUrl}/v1/agreements`, ctx.tokens.admin, {
        method: 'POST',
        body: JSON.stringify({
          peer: 'partner',
          title: 'joint-page study',
          localDataset: 'customers',
          peerDataset: 'joint-subscribers',
          idKind: 'raw',
          operations: ['overlap', 'enrich'],
          minIntersection: 3,
          maxQueriesPerDay: 1000,
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          enrichAttribute: 'partner:joint:member',
          countNoise: { epsilonPerQuery: 1, budget: { epsilon: 10, periodDays: 30 } },
        }),
      });
      agreementId = proposal.id;
      await call(`${ctx.partner.httpUrl}/v1/agreements/${agreementId}/accept`, partnerAdmin, { method: 'POST', body: '{}' });
      // The partner tells the bank of its acceptance (retrying if the bank is slow to answer).
      const accepted = async () => (await call<{ status: string }>(`${ctx.bank.httpUrl}/v1/agreements/${agreementId}`, ctx.tokens.admin)).status === 'accepted';
      for (const end = Date.now() + 30_000; !(await accepted()); ) {
        if (Date.now() > end) throw new Error('the bank never saw the agreement accepted');
        await new Promise((r) => setTimeout(r, 200));
      }
    }, 60_000);

    it('runs an overlap and an enrich as an operator: progress, the noisy count with its interval, the budget going down; a query the terms forbid is refused', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'operator');
      await page.getByRole('link', { name: 'Joint audience' }).click();
      await page.getByLabel('Agreement', { exact: true }).selectOption(agreementId);
      expect(await page.getByTestId('their-dataset').textContent()).toBe('joint-subscribers');
      await poll(() => page.getByTestId('queries-left').textContent()).toBe('10');

      await page.getByRole('radio', { name: 'Overlap' }).check();
      await page.getByRole('button', { name: 'Run Overlap' }).click();
      const job = page.getByTestId('followed-job');
      await job.getByRole('progressbar', { name: 'Progress of the Overlap job' }).waitFor();
      await poll(() => job.getByTestId('job-phase').textContent()).toBe('succeeded · 100%');
      // A noisy count, stated as approximate, with its 95 % interval around it and the noise behind it.
      const count = await job.getByTestId('overlap-count').textContent();
      const [, value, low, high] = count?.match(/^≈ (\d+) \(95 % interval (-?\d+) – (\d+)\)$/) ?? [];
      expect(Number(low)).toBeLessThanOrEqual(Number(value));
      expect(Number(high)).toBeGreaterThanOrEqual(Number(value));
      expect(await job.textContent()).toContain('This count is noisy');
      expect(await job.textContent()).toMatch(/Noise: discrete Laplace, scale 1/);
      await poll(() => job.getByTestId('budget-change').textContent()).toBe('Budget left before this run: ε 10 (10 queries); now: ε 9 (9 queries).');
      await poll(() => page.getByTestId('queries-left').textContent()).toBe('9');

      await page.getByRole('radio', { name: 'Enrich' }).check();
      await page.getByRole('button', { name: 'Run Enrich' }).click();
      await poll(() => page.getByTestId('enrich-result').textContent()).toContain(`${MATCHED} of our customers are also the partner's`);
      expect(await page.getByTestId('enrich-result').textContent()).toContain('partner:joint:member');
      // Enrich releases membership, not a noisy count: it spends nothing.
      await poll(() => job.getByTestId('budget-change').textContent()).toBe('Budget left before this run: ε 9 (9 queries); now: ε 9 (9 queries).');
      await job.scrollIntoViewIfNeeded();
      await checkPage(page, 'joint', 'en');

      // A query the terms do not allow: the node's refusal, with its code and what to do, and no spend.
      await page.getByRole('radio', { name: /^Aggregate/ }).check();
      await page.getByLabel('Partner columns, separated by commas').fill('spend');
      await page.getByRole('button', { name: 'Run Aggregate' }).click();
      const refusal = job.getByRole('alert');
      await poll(() => refusal.textContent()).toContain('OPERATION_NOT_ALLOWED');
      expect(await refusal.textContent()).toMatch(/operation 'aggregate' is not allowed.*The agreement does not allow this query/);
      expect(await page.getByTestId('queries-left').textContent()).toBe('9');
      await context.close();
    });

    it('shows compliance the jobs, results and budget, with nothing to run or cancel', async () => {
      const { context, page } = await open('zh-CN');
      await signIn(page, 'compliance');
      await page.getByRole('link', { name: '联合受众' }).click();
      await page.getByLabel('协议', { exact: true }).selectOption(agreementId);
      await poll(() => page.getByTestId('queries-left').textContent()).toBe('9');
      await page.getByText('查询由运营人员执行和取消').waitFor();
      expect(await page.locator('form.run-form').count()).toBe(0);
      const rows = page.locator('tr', { hasText: '重合计数' });
      await rows.getByRole('button', { name: '查看' }).click();
      await poll(() => page.getByTestId('overlap-count').textContent()).toMatch(/^约 \d+ （95% 置信区间 -?\d+ – \d+）$/);
      expect(await page.getByTestId('followed-job').getByRole('button').count()).toBe(0);
      await page.getByTestId('followed-job').scrollIntoViewIfNeeded();
      await checkPage(page, 'joint', 'zh-CN');
      await context.close();
    });
  });
}
