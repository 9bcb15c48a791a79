import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { canvasColourCount, launchChromium, screenshot, serveDist, watchPage } from './support/browser';

let server: PreviewServer;
let url: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, url } = await serveDist());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the built site in Chromium', () => {
  it('offers WebGPU on localhost (SwiftShader), so the WebGPU learner path can be tested', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'no navigator.gpu';
      return (await gpu.requestAdapter()) ? 'adapter' : 'no adapter';
    });
    expect(adapter).toBe('adapter');
    await page.close();
  });

  it('shows every environment playing, with a non-blank picture and no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems = watchPage(page, new URL(url).origin);
    await page.goto(url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByText('Explore the environments').click();
    const gallery = page.locator('details', { has: page.locator('#viewer-env') });
    const select = gallery.getByLabel('Environment', { exact: true });
    const ids = await select.locator('option').evaluateAll((opts) => opts.map((o) => (o as HTMLOptionElement).value));
    expect(ids).toHaveLength(8);
    for (const id of ids) {
      await select.selectOption(id);
      const canvas = gallery.getByRole('img', { name: `${id} played by a random policy` });
      await canvas.waitFor();
      // The random policy moves the step counter along.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]')?.textContent) >= 3);
      expect(await canvasColourCount(page, 'details canvas.frame'), `${id} canvas colours`).toBeGreaterThan(1);
      await screenshot(page, `env-${id.replace('/', '-')}`);
    }
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
