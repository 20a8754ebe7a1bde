/**
 * The Agreements page in Chromium, on both nodes: the partner's administrator proposes in the
 * partner's console (the node's complaints appear on the fields they name, and terms below the
 * policy need the override confirmed); the bank's administrator reviews the terms side by side,
 * confirms the override and accepts; both consoles show it accepted; the bank revokes it with a
 * reason and the partner's console shows the revocation.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mofangJson } from '../support/node-processes.js';
import { checkPage, ctx, open, poll, signIn } from './harness.js';

const TITLE = 'agreements-page trial';
/** The partner's dataset, keyed like the bank's `customers` (column id, kind raw). */
const PARTNER_DATASET = 'agreements-partner';

export function agreementsPageTests(): void {
  describe('agreements page', () => {
    let partnerAdmin = '';
    beforeAll(async () => {
      partnerAdmin = mofangJson<{ token: string }>(ctx.partner.config, 'token', 'create', '--name', 'agreements-admin', '--role', 'admin').token;
      const rows = Array.from({ length: 8 }, (_, i) => `c${i * 2}`).join('\n');
      const imported = await fetch(`${ctx.partner.httpUrl}/v1/datasets/${PARTNER_DATASET}/import?id=id:raw`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partnerAdmin}`, 'content-type': 'text/csv' },
        body: `id\n${rows}\n`,
      });
      expect(imported.status, await imported.text()).toBe(200);
    });

    /** The partner's console, signed in as its administrator, on the agreement titled TITLE (or the list). */
    async function partnerConsole(): Promise<{ close(): Promise<void>; page: Page }> {
      const { context, page } = await open('en', ctx.partner);
      await page.locator('#token').fill(partnerAdmin);
      await page.locator('button[type=submit]').click();
      await page.getByRole('link', { name: 'Agreements' }).click();
      return { close: () => context.close(), page };
    }
    const status = (page: Page) => page.getByTestId('agreement-status').textContent();

    it('is proposed in the partner console with errors on the named fields, accepted in the bank console over its policy, and revoked with a reason; both sides see each step', async () => {
      const partner = await partnerConsole();
      const p = partner.page;
      await p.getByRole('button', { name: 'Propose an agreement' }).click();
      const form = p.getByRole('form', { name: 'Propose an agreement' });
      await poll(() => form.getByLabel('Partner', { exact: true }).locator('option').allTextContents()).toContain('bank');
      await form.getByLabel('Partner', { exact: true }).selectOption('bank');
      await poll(() => form.getByLabel('Our dataset').locator('option').allTextContents()).toContain(PARTNER_DATASET);
      await form.getByLabel('Our dataset').selectOption(PARTNER_DATASET);
      expect(await form.getByLabel('Identifier kind').inputValue()).toBe('raw');
      await form.getByLabel("Partner's dataset").fill('customers');
      // No rate limit: below every node's policy (docs/agreements.md).
      await form.getByLabel('Queries per day').fill('');

      // No title: the node names the field, and the form shows it there.
      await form.getByRole('button', { name: 'Propose' }).click();
      const title = form.getByLabel('Title', { exact: true });
      await poll(() => title.getAttribute('aria-invalid')).toBe('true');
      expect(await form.locator('.field.invalid .field-error').textContent()).toMatch(/^body\.title: /);
      await title.fill(TITLE);
      await form.getByRole('button', { name: 'Propose' }).click();
      await poll(() => form.locator('[role=alert] .code').textContent()).toBe('AGREEMENT_BELOW_POLICY');
      expect(await form.getByLabel('Queries per day').getAttribute('aria-invalid')).toBe('true');
      expect(await title.getAttribute('aria-invalid')).toBeNull();
      await checkPage(p, 'agreements-propose', 'en');
      await form.getByLabel(/Propose anyway/).check();
      await form.getByRole('button', { name: 'Propose' }).click();
      await poll(() => status(p)).toBe('Status: proposed. This node is the proposer.');

      // The bank reviews the terms side by side and must confirm the override to accept.
      const { context, page } = await open('en');
      await signIn(page, 'admin');
      await page.getByRole('link', { name: 'Agreements' }).click();
      const row = page.locator(`[data-testid=agreements] tr[data-agreement="${TITLE}"] td`);
      await poll(() => row.allTextContents()).toEqual(['partner', 'acceptor', 'pending', expect.any(String), 'nothing to deliver']);
      await page.getByRole('link', { name: TITLE }).click();
      await poll(() => status(page)).toBe('Status: pending. This node is the acceptor.');
      const sides = await page.getByTestId('side-by-side').locator('tbody tr').allTextContents();
      expect(sides.slice(0, 1)).toEqual(['Nodebankpartner']);
      expect(sides).toContain(`Datasetcustomers${PARTNER_DATASET}`);
      expect(sides).toContain('Receives the output ofnothingoverlap');
      expect(await page.getByTestId('policy-issues').textContent()).toContain('maxQueriesPerDay none');
      const accept = page.getByRole('button', { name: 'Accept', exact: true });
      expect(await accept.isDisabled()).toBe(true);
      await page.getByLabel(/I accept these terms although/).check();
      await accept.click();
      await poll(() => status(page)).toBe('Status: accepted. This node is the acceptor.');
      await poll(() => page.getByTestId('delivery').textContent()).toMatch(/^acceptance delivered /);
      // The screenshot shows the review from its top, the two parties side by side.
      await page.evaluate(() => window.scrollTo(0, 0));
      await checkPage(page, 'agreements', 'en');

      await p.reload();
      await poll(() => status(p)).toBe('Status: accepted. This node is the proposer.');

      // Revoking needs a reason; the partner hears of it.
      const revoke = page.getByRole('button', { name: 'Revoke', exact: true });
      expect(await revoke.isDisabled()).toBe(true);
      await page.getByLabel('Reason for revoking').fill('agreements-page trial ended');
      await revoke.click();
      await poll(() => status(page)).toBe('Status: revoked. This node is the acceptor.');
      expect(await page.getByTestId('revoked').textContent()).toBe('Revoked by bank: agreements-page trial ended');
      await poll(() => page.getByTestId('delivery').textContent()).toMatch(/^revocation delivered /);
      await p.reload();
      await poll(() => status(p)).toBe('Status: revoked. This node is the proposer.');
      expect(await p.getByTestId('revoked').textContent()).toContain('agreements-page trial ended');
      await partner.close();

      await page.getByLabel('Language').selectOption('zh-CN');
      await poll(() => status(page)).toBe('状态：已撤销。本节点是接受方。');
      await page.evaluate(() => window.scrollTo(0, 0));
      await checkPage(page, 'agreements', 'zh-CN');
      await context.close();
    });
  });
}
