import { describe, expect, it } from 'vitest';
import { screenshot, watchPage, useBuiltSite } from './support/browser';
import { canvasColourCount } from './support/pageProbes';

const site = useBuiltSite();

describe('the built site in Chromium', () => {
  it('offers WebGPU on localhost (SwiftShader), so the WebGPU learner path can be tested', async () => {
    const page = await site.browser.newPage();
    await page.goto(site.url);
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'no navigator.gpu';
      return (await gpu.requestAdapter()) ? 'adapter' : 'no adapter';
    });
    expect(adapter).toBe('adapter');
    await page.close();
  });

  it('shows every environment playing, with a non-blank picture and no errors', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems = watchPage(page, new URL(site.url).origin);
    await page.goto(site.url);
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
