import { describe, expect, it } from 'vitest';
import { watchPage, useBuiltSite } from './support/browser';

const site = useBuiltSite();

describe('Content-Security-Policy', () => {
  it('allows no inline script and no eval, and tf.js still trains under it', async () => {
    const page = await site.browser.newPage();
    const problems = watchPage(page, new URL(site.url).origin);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    // No directive allows eval or inline code ('wasm-unsafe-eval' only lets WebAssembly compile).
    const tokens = (csp ?? '').split(/[\s;]+/);
    expect(tokens).not.toContain("'unsafe-eval'");
    expect(tokens).not.toContain("'unsafe-inline'");
    // eval is refused: Playwright evaluates a string predicate with new Function inside the page.
    await expect(page.waitForFunction('window.__neverSet === 1', null, { timeout: 5000, polling: 100 })).rejects.toThrow(/unsafe-eval/);
    // An inline script injected into the page does not run.
    const inlineRan = await page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      return window.__inlineRan === true;
    })()`);
    expect(inlineRan).toBe(false);
    // tf.js on WASM (WebAssembly compiles under 'wasm-unsafe-eval') and WebGPU both train.
    for (const backend of ['wasm', 'webgpu']) {
      await page.getByLabel('Backend', { exact: true }).selectOption(backend);
      await page.getByRole('button', { name: 'Reset', exact: true }).click();
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 200, null, { timeout: 120_000 });
      expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe(backend);
    }
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    // The two probes above are the only violations allowed.
    expect(violations.length).toBeLessThanOrEqual(2);
    expect(problems.errors.filter((e) => !/Content Security Policy/i.test(e))).toEqual([]);
    await page.close();
  });
});
