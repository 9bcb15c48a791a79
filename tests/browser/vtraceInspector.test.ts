import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { screenshot, useBuiltSite, watchPage } from './support/browser';

const site = useBuiltSite();

const rows = (page: Page): Promise<number> => page.locator('[data-testid="inspection-step"]').count();
const targets = (page: Page): Promise<number[]> => page.$$eval('[data-testid="inspection-step"]', (els) => els.map((e) => Number(e.getAttribute('data-vs'))));

/** Step from a fresh page on `backend`, then wait for the inspector's table of the first update. */
async function stepAndInspect(page: Page, backend: 'wasm' | 'webgpu'): Promise<void> {
  await page.getByLabel('Backend', { exact: true }).selectOption(backend);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="inspection-step"]').length > 0, null, { timeout: 150_000 });
}

describe('the V-trace inspector in Chromium', () => {
  it('a lesson link opens it; Step loads the batch from the learner worker (WASM); moving rho-bar recomputes the targets in the page; Reset forgets', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page, new URL(site.url).origin);
    await page.goto(`${site.url}#_open=inspector`);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const panel = page.getByTestId('vtrace-inspector');
    expect(await panel.getAttribute('open')).not.toBeNull();
    expect(await page.getByTestId('inspector-note').textContent()).toMatch(/^No batch yet: press Step/);

    await stepAndInspect(page, 'wasm');
    expect(await page.getByTestId('backend').getAttribute('data-thread')).toBe('worker');
    expect(await rows(page)).toBe(DEFAULT_CONFIG.unrollLength);
    expect(await page.getByTestId('inspector-batch').textContent()).toMatch(/^The batch of update 1 \(the weights of version 0\): \d+ steps × \d+ columns/);
    expect(page.url()).toContain('_open=inspector');
    const before = await targets(page);
    expect(before.every(Number.isFinite)).toBe(true);

    // rho-bar 1 -> 0.5 with the keyboard (10 steps of 0.05). After one Step the actors' and the
    // learner's weights are the same, so rho is 1 up to rounding everywhere: every weight is clipped.
    const rhoBar = page.locator('#inspector-clipRhoThreshold');
    for (let i = 0; i < 10; i++) await rhoBar.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-testid="inspector-clipRhoThreshold"]')?.textContent === '0.5');
    await page.waitForFunction(
      (old) => {
        const now = [...document.querySelectorAll('[data-testid="inspection-step"]')].map((e) => Number(e.getAttribute('data-vs')));
        return now.length === old.length && now.some((v, i) => Math.abs(v - old[i]!) > 1e-6);
      },
      before,
      { timeout: 30_000 },
    );
    const clipped = await page.$$eval('[data-testid="clipped-rho"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(clipped).toHaveLength(DEFAULT_CONFIG.unrollLength);
    for (const text of clipped) expect(text).toMatch(/^0\.500 \(clipped from (0\.9|1\.0)\d*\)$/);
    await screenshot(page, 'vtrace-inspector');

    // Back to the learner's thresholds: the learner's own targets again.
    await page.getByRole('button', { name: "Use the learner's thresholds" }).click();
    await page.waitForFunction(
      (old) => {
        const now = [...document.querySelectorAll('[data-testid="inspection-step"]')].map((e) => Number(e.getAttribute('data-vs')));
        return now.length === old.length && now.every((v, i) => v === old[i]);
      },
      before,
      { timeout: 30_000 },
    );

    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'idle');
    await page.getByTestId('inspector-note').filter({ hasText: 'No batch yet' }).waitFor();
    expect(await rows(page)).toBe(0);

    // Closing the panel takes _open out of the link.
    await panel.locator('summary').click();
    await page.waitForFunction(() => !location.hash.includes('_open'));
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('with the learner on the page (WebGPU through SwiftShader) the same panel shows its batch', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page, new URL(site.url).origin);
    await page.goto(`${site.url}#_open=inspector`);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await stepAndInspect(page, 'webgpu');
    expect(await page.getByTestId('backend').getAttribute('data-thread')).toBe('page');
    expect(await rows(page)).toBe(DEFAULT_CONFIG.unrollLength);
    expect((await targets(page)).every(Number.isFinite)).toBe(true);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
