import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser } from 'playwright-core';
import { launchChromium, watchPage } from './support/browser';
import type { ZooScoreResult } from './pages/zooScore';

/**
 * Issue 15's bar for the shipped Breakout agent: sampling from its policy as
 * it was trained, at least 15 on average over 20 episodes, in Chromium with
 * the lab's own player and the file the site ships.
 */
let server: ViteDevServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  server = await createServer({ logLevel: 'warn', server: { host: 'localhost', port: 0, strictPort: false } });
  await server.listen();
  base = `${server.resolvedUrls!.local[0]!}tests/browser/pages/zooScore.html`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the zoo's Breakout agent in the tab", () => {
  it('scores at least 15 on average over 20 episodes', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page, new URL(base).origin);
    await page.goto(`${base}?id=breakout&episodes=20&backend=wasm`);
    await page.waitForFunction(() => 'zooScore' in window, null, { timeout: 600_000 });
    const result = (await page.evaluate('window.zooScore')) as ZooScoreResult;
    expect(result.error).toBeUndefined();
    expect(result.returns).toHaveLength(20);
    const mean = result.returns.reduce((a, b) => a + b, 0) / result.returns.length;
    console.log(`zoo breakout in Chromium (${result.backend}): mean ${mean.toFixed(2)} over 20 episodes: ${result.returns.join(', ')}`);
    expect(mean).toBeGreaterThanOrEqual(15);
    expect(problems.errors).toEqual([]);
  }, 900_000);
});
