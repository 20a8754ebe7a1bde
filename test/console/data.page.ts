/**
 * The Data page in Chromium: an administrator imports a CSV, sees the upload's progress and the
 * node's report with the rejected row's line and reason, sees the new dataset and its import
 * history, and pauses and resumes an event of the tracking plan; an operator reads the same
 * page without the controls it may not use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

/** Declared in beforeAll with PUT /v1/tracking-plan/events/:event, which leaves other pages' events alone. */
const EVENT = 'data_page.signup';
const CSV = 'email,plan\nann@example.com,gold\nnot-an-address,silver\nbob@example.com,basic\n';

export function dataPageTests(): void {
  describe('data page', () => {
    beforeAll(async () => {
      const declared = await fetch(`${ctx.bank.httpUrl}/v1/tracking-plan/events/${EVENT}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ctx.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          properties: { plan: { type: 'enum', values: ['gold', 'silver', 'basic'], required: true }, referrer: { type: 'string', maxLength: 64 } },
        }),
      });
      expect(declared.status, await declared.text()).toBe(200);
    });

    it('an administrator imports a CSV with a progress bar and reads the report with the rejected row, then pauses and resumes an event', async () => {
      const { context, page } = await open('en');
      await signIn(page, 'admin');
      await page.getByRole('link', { name: 'Data' }).click();
      await page.getByTestId('datasets').waitFor();

      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'data-upload.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      expect(await page.getByLabel('Dataset name').inputValue()).toBe('data-upload');
      await page.getByLabel('Identifier column').fill('email');
      await page.getByLabel('Identifier kind').selectOption('email');
      // Every state the progress line goes through, recorded as the page renders it.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { progressSeen: string[] }).progressSeen = seen;
        new MutationObserver(() => {
          const text = document.querySelector('[data-testid=upload-progress]')?.textContent;
          if (text && seen[seen.length - 1] !== text) seen.push(text);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.getByRole('button', { name: 'Import', exact: true }).click();

      const report = page.getByTestId('import-report');
      await poll(() => report.locator('[role=status]').textContent()).toMatch(/^data-upload: 3 rows read, 2 imported, 1 rejected \([\d.]+ s\)\.$/);
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
      // The bar shows from the first byte; on loopback the browser may send the rest and get the
      // answer before the page renders again, so the later states are not always seen.
      expect(seen[0]).toBe(`Uploaded 0 of ${CSV.length} bytes (0%)`);
      for (const text of seen.slice(1)) expect(text).toMatch(new RegExp(`^(Uploaded [\\d,]+ of ${CSV.length} bytes|All ${CSV.length} bytes sent)`));
      const bad = await report.getByTestId('bad-rows').locator('tbody tr td').allTextContents();
      expect(bad.slice(0, 2)).toEqual(['3', 'email']);
      expect(bad[2]).toMatch(/e-mail|email/i);

      const row = page.locator('[data-testid=datasets] tr[data-dataset=data-upload] td');
      await poll(() => row.allTextContents()).toEqual([
        expect.stringContaining('email:email'),
        '2',
        '1',
        'plan (string)',
        expect.any(String),
        expect.any(String),
      ]);

      const latest = page.locator('[data-testid=import-history] tbody tr').first().locator('td');
      await poll(() => latest.allTextContents()).toEqual([expect.any(String), 'token:admin-ui', 'imported', 'upload', '3', '2', '1']);

      const state = page.getByTestId(`state-${EVENT}`);
      expect(await state.textContent()).toBe('live');
      expect(await page.locator(`tr[data-event="${EVENT}"] li`).allTextContents()).toEqual([
        'plan one of · required gold | silver | basic',
        'referrer text · optional ≤ 64',
      ]);
      await page.getByRole('button', { name: `Pause ${EVENT}` }).click();
      await poll(() => state.textContent()).toMatch(/^paused since .+, by token:admin-ui$/);
      await checkPage(page, 'data', 'en');
      await page.getByRole('button', { name: `Resume ${EVENT}` }).click();
      await poll(() => state.textContent()).toBe('live');
      await context.close();
    });

    it('an operator reads datasets and the tracking plan in Chinese, without import or pause controls', async () => {
      const { context, page } = await open('zh-CN');
      await signIn(page, 'operator');
      await page.getByRole('link', { name: '数据' }).click();
      await poll(() => page.locator('[data-testid=datasets] th[scope=row]').allTextContents()).toContain('customers');
      await poll(() => page.getByTestId(`state-${EVENT}`).textContent()).toBe('已上线');
      expect(await page.getByRole('button', { name: '导入' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: `暂停 ${EVENT}` }).count()).toBe(0);
      await poll(() => page.getByTestId('plan-versions').locator('tbody tr').first().textContent()).toContain(`+${EVENT}`);
      await checkPage(page, 'data', 'zh-CN');
      await context.close();
    });
  });
}
