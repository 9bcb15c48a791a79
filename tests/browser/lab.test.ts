import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, watchPage, type PageProblems, useBuiltSite } from './support/browser';
import { canvasColourCount } from './support/pageProbes';

const site = useBuiltSite();

async function open(hash = ''): Promise<{ page: Page; problems: PageProblems }> {
  const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page, new URL(site.url).origin);
  await page.goto(site.url + hash);
  await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
  return { page, problems };
}

const frames = async (page: Page): Promise<number> => Number(await page.getByTestId('frames').getAttribute('data-value'));

describe('the lab in Chromium (WebGPU through SwiftShader)', () => {
  it('trains the CartPole preset on the webgpu backend: frames move, the return curve gets points, the replay plays', async () => {
    const { page, problems } = await open();
    await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
    await page.getByLabel('Backend', { exact: true }).selectOption('webgpu');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 2000, null, { timeout: 120_000 });
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe('webgpu');
    expect(await page.getByTestId('backend').getAttribute('data-thread')).toBe('page');
    await page.waitForFunction(() => Number(document.querySelector('[data-chart="chart.return"] .live-chart-plot')?.getAttribute('data-points')) > 0, null, { timeout: 120_000 });
    await screenshot(page, 'lab-training');

    // The live replay: a non-blank picture and action probabilities that sum to 1.
    await page.getByTestId('action-probabilities').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="action-probability"]').length > 0);
    const probs = await page.$$eval('[data-testid="action-probability"]', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(probs.length).toBe(2);
    expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
    expect(await canvasColourCount(page, '.replay canvas')).toBeGreaterThan(1);

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'paused');
    await page.waitForTimeout(1000); // the update in flight when Pause was pressed completes
    const paused = await frames(page);
    await page.waitForTimeout(1500);
    expect(await frames(page)).toBe(paused);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction((f) => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > f, paused);
    await screenshot(page, 'lab-paused');
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'idle');
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('Automatic measures each backend with the run’s learner, trains on the fastest, and a reload reuses the figures', async () => {
    const { page, problems } = await open();
    await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 0, null, { timeout: 120_000 });
    const measured = page.getByTestId('measurement');
    const text = (await measured.textContent()) ?? '';
    // e.g. "WebGPU 130 · WebGL 640 · WASM 2,100 · CPU 900 frames/s: WASM"
    const figures = Object.fromEntries([...text.matchAll(/(WebGPU|WebGL|WASM|CPU) ([\d,]+)/g)].map((m) => [m[1]!, Number(m[2]!.replace(/,/g, ''))]));
    expect(Object.keys(figures)).toContain('WASM');
    // Here WebGPU and WebGL are drawn by SwiftShader on the processor: not measured, and the details say why.
    const details = (await measured.getAttribute('title')) ?? '';
    if (figures.WebGPU === undefined) expect(details).toMatch(/WebGPU: not measured: .*swiftshader.* draws on the processor/i);
    const fastest = Object.entries(figures).sort((a, b) => b[1] - a[1])[0]![0];
    expect(text).toContain(`frames/s: ${fastest}`);
    const names: Record<string, string> = { WebGPU: 'webgpu', WebGL: 'webgl', WASM: 'wasm', CPU: 'cpu' };
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe(names[fastest]);
    const probeMs = Number(await measured.getAttribute('data-probe-ms'));
    expect(probeMs).toBeGreaterThan(0);
    await screenshot(page, 'lab-automatic');

    // A reload trains on the same backend without measuring again.
    await page.reload();
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByRole('button', { name: 'Not now' }).click().catch(() => {});
    await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 0, null, { timeout: 120_000 });
    expect(await page.getByTestId('measurement').getAttribute('data-probe-ms')).toBe('0');
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe(names[fastest]);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('trains a two-game suite with PopArt: per-game curves, the score table, and each game in the replay', async () => {
    const { page, problems } = await open('#env=suite/minatar&tasks=space_invaders,breakout&popart=true&actors=2&envs=2&T=10&B=2&frames=100000');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 1500, null, { timeout: 150_000 });
    for (const game of ['breakout', 'space_invaders']) await page.locator(`[data-chart="chart.suite.game.${game}"]`).waitFor();
    const table = page.getByTestId('suite-scores');
    await table.waitFor();
    expect(await table.locator('[data-testid="normalised-score"]').count()).toBe(2);
    // Both games in one network: watch each in turn; the six actions' probabilities sum to 1.
    for (const game of ['Breakout', 'Space Invaders']) {
      await page.locator('.replay select[id$="-game"]').selectOption({ label: game });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="action-probability"]').length === 6, null, { timeout: 60_000 });
      const probs = await page.$$eval('[data-testid="action-probability"]', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      expect(await canvasColourCount(page, '.replay canvas')).toBeGreaterThan(1);
    }
    await screenshot(page, 'lab-suite');
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'idle');
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('a share link opened in a fresh page restores every setting', async () => {
    const { page, problems } = await open();
    await page.getByRole('button', { name: /MinAtar Breakout/ }).first().click();
    const field = (key: string) => page.locator(`[data-field="${key}"]`).locator('input, select').first();
    await field('learningRate').fill('0.004');
    await field('learningRate').blur();
    await field('seed').fill('42');
    await field('seed').blur();
    await field('correction').selectOption('oneStepIS');
    await page.waitForFunction(() => location.hash.includes('seed=42') && location.hash.includes('corr=oneStepIS'));
    const link = page.url();
    const settings = await page.$$eval('[data-field]', (els) =>
      els.map((e) => [e.getAttribute('data-field'), (e.querySelector('input, select') as HTMLInputElement | HTMLSelectElement | null)?.value]),
    );
    const fresh = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await fresh.goto(link);
    await fresh.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const restored = await fresh.$$eval('[data-field]', (els) =>
      els.map((e) => [e.getAttribute('data-field'), (e.querySelector('input, select') as HTMLInputElement | HTMLSelectElement | null)?.value]),
    );
    expect(restored).toEqual(settings);
    await fresh.getByRole('button', { name: 'Start training' }).waitFor();
    await screenshot(fresh, 'lab-shared-link');
    expect(problems.errors).toEqual([]);
    await Promise.all([page.close(), fresh.close()]);
  });

  it('a broken link shows a message and loads the defaults', async () => {
    const { page, problems } = await open('#env=minatar/pong&lr=abc&T=%E0%A4%A&seed=-5&_hide=train,nonsense');
    const alert = page.getByTestId('link-problems');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toMatch(/env|Environment/i);
    expect(text).toMatch(/learning rate|lr/i);
    const value = (key: string) => page.locator(`[data-field="${key}"]`).locator('input, select').first().inputValue();
    expect(await value('env')).toBe('classic/CartPole-v1');
    expect(await value('learningRate')).toBe('0.01');
    expect(await page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(0); // the lesson link hid it
    await screenshot(page, 'lab-broken-link');
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('a lesson link hides the controls the teacher ticked', async () => {
    const { page, problems } = await open();
    await page.getByText('Make a lesson link').click();
    await page.getByLabel('Train button').check();
    await page.getByLabel('Return curve').check();
    await page.getByLabel('Learning rate', { exact: true }).last().check();
    const link = await page.getByLabel('Lesson link', { exact: true }).inputValue();
    expect(link).toContain('_hide=');
    const lesson = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await lesson.goto(link);
    await lesson.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    expect(await lesson.getByRole('button', { name: 'Train', exact: true }).count()).toBe(0);
    expect(await lesson.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(1);
    expect(await lesson.locator('[data-chart="chart.return"]').count()).toBe(0);
    expect(await lesson.locator('[data-chart="chart.fps"]').count()).toBe(1);
    expect(await lesson.locator('[data-field="learningRate"]').count()).toBe(0);
    expect(await lesson.locator('[data-field="seed"]').count()).toBe(1);
    await screenshot(lesson, 'lab-lesson-link');
    expect(problems.errors).toEqual([]);
    await Promise.all([page.close(), lesson.close()]);
  });

  it('fits a phone screen', async () => {
    const page = await site.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    for (const name of ['Train', 'Pause', 'Reset', 'Share link']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
    await screenshot(page, 'lab-phone');
    await page.close();
  });
});
