import { describe, expect, it } from 'vitest';
import { screenshot, useBuiltSite, watchPage } from './support/browser';

const site = useBuiltSite();

/** The link: the largest settings the schema allows (an unroll alone is about a gigabyte). */
const HUGE = '#env=minatar/seaquest&actors=64&envs=1024&T=1000&B=256&queue=1024';

const status = (): string | null | undefined => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status');

describe("settings beyond the tab's memory (Chromium)", () => {
  it('a huge link says so at once, Train is refused without a worker, the page stays usable, and the suggestion trains', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page, new URL(site.url).origin);
    let workers = 0;
    page.on('worker', () => workers++);
    const opened = Date.now();
    await page.goto(site.url + HUGE);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();

    // The link banner says what the settings need, before anything is pressed.
    const notice = page.getByRole('region', { name: 'Shared experiment' }).getByTestId('memory-problem');
    await notice.waitFor();
    expect(Date.now() - opened).toBeLessThan(30_000);
    expect(await notice.textContent()).toMatch(/These settings need about .* of memory, more than the .* this lab allows in this tab: one unroll is 1\.1 GB/);
    await screenshot(page, 'memory-problem-link');

    // Train is refused with the message; no run, no worker.
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.getByTestId('message').filter({ hasText: 'Train refused' }).waitFor();
    await page.waitForTimeout(500);
    expect(await page.evaluate(status)).toBe('idle');
    expect(workers).toBe(0);

    // Responsive: the page answers at once.
    const t0 = Date.now();
    await page.evaluate(() => document.title);
    expect(Date.now() - t0).toBeLessThan(1000);

    // The suggestion: one click, the notice goes, and Train starts.
    await notice.getByRole('button', { name: 'Use these settings' }).click();
    await page.getByTestId('memory-problem').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'running', null, { timeout: 120_000 });
    expect(workers).toBeGreaterThan(0);

    // A preset still works, while those (large) runs train: Reset would first wait for an update of
    // some 20,000 frames to finish and be saved, which on a loaded 2-core machine can take a minute.
    await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
    await page.getByTestId('message').filter({ hasText: 'Preset:' }).waitFor();
    expect(problems.errors).toEqual([]);
    await page.close();
  }, 240_000);
});
