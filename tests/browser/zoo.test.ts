import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PRESETS } from '../../src/core/config/presets';
import { decodeZooManifest } from '../../src/core/persistence/zooManifest';
import { launchChromium, screenshot, watchPage } from './support/browser';
import { serveStatic } from './support/staticServer';

const DIST = resolve(__dirname, '..', '..', 'dist');

let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, url } = await serveStatic(DIST, '/class/rl/lab/'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (server?.listening) await new Promise((r) => server.close(r));
});

describe('trained agents that ship with the site (zoo/), from a sub-path, in a fresh profile', () => {
  it('offers "Watch a trained agent" for every preset with an agent in the manifest (and no other), and pressing it plays at once beside "your agent now"', async () => {
    // The built site's manifest, which `npm run zoo` wrote into public/zoo.
    const manifest = decodeZooManifest(readFileSync(resolve(DIST, 'zoo', 'manifest.json'), 'utf8'));
    expect(manifest.entries.length).toBeGreaterThan(0);
    // Every preset has an agent: each single-environment preset its own, the comparisons CartPole's, the memory lesson's and the suite's.
    expect(PRESETS.filter((p) => !manifest.entries.some((e) => e.presets.includes(p.id))).map((p) => p.id)).toEqual([]);
    expect(manifest.entries.find((e) => e.presets.includes('multitask'))?.id).toBe('suite');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchPage(page, new URL(url).origin);
    const zooRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/zoo/')) zooRequests.push(r.url());
    });
    await page.goto(url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();

    for (const preset of PRESETS) {
      await page.locator(`[data-preset="${preset.id}"]`).click();
      const entry = manifest.entries.find((e) => e.presets.includes(preset.id));
      const button = page.getByRole('button', { name: 'Watch a trained agent' });
      if (entry) {
        await button.waitFor();
        expect(await page.getByTestId('zoo-agent').getAttribute('data-zoo-id'), preset.id).toBe(entry.id);
        expect(await page.getByTestId('zoo-frames').textContent(), preset.id).toBe(entry.frames.toLocaleString('en-US'));
      } else {
        expect(await button.count(), preset.id).toBe(0);
      }
    }

    // CartPole's agent: it plays at once, with no Train pressed, and shows the manifest's figures.
    const cartpole = manifest.entries.find((e) => e.presets.includes('cartpole'))!;
    await page.locator('[data-preset="cartpole"]').click();
    await page.getByRole('button', { name: 'Watch a trained agent' }).click();
    const viewer = page.getByTestId('zoo-viewer');
    await viewer.getByRole('heading', { name: `Trained for ${cartpole.frames.toLocaleString('en-US')} frames` }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="zoo-viewer"] [data-testid="replay-step"]')?.textContent) >= 20, null, { timeout: 60_000 });
    expect(await viewer.getByTestId('zoo-figures').textContent()).toContain(cartpole.meanReturn!.toFixed(1));
    expect(await page.getByTestId('own-viewer').getByRole('heading', { name: 'Your agent now' }).count()).toBe(1);
    expect(await page.getByTestId('frames').getAttribute('data-value')).toBe('0');
    expect(zooRequests.every((u) => u.startsWith(`${url}zoo/`))).toBe(true);
    expect(zooRequests.some((u) => u.endsWith('/manifest.json'))).toBe(true);
    await screenshot(page, 'zoo-watch');

    // Start from this agent: training continues from its frame count.
    await page.getByLabel('Backend', { exact: true }).selectOption('wasm');
    await page.getByRole('button', { name: 'Start from this agent' }).click();
    await page.getByTestId('message').filter({ hasText: 'Training on from the trained agent of classic/CartPole-v1' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction((frames) => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > frames, cartpole.frames, { timeout: 120_000 });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await screenshot(page, 'zoo-start-from');
    expect(problems.errors).toEqual([]);
    await context.close();
  });

  it('after one visit, the trained agent plays with the network off (the service worker precaches zoo/)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60_000 });
    await context.setOffline(true);
    const zooResponses: { url: string; fromCache: boolean }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/zoo/')) zooResponses.push({ url: r.url(), fromCache: r.fromServiceWorker() });
    });
    await page.reload();
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.locator('[data-preset="cartpole"]').click();
    await page.getByRole('button', { name: 'Watch a trained agent' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="zoo-viewer"] [data-testid="replay-step"]')?.textContent) >= 5, null, { timeout: 60_000 });
    expect(zooResponses.map((r) => r.url.slice(url.length)).sort()).toEqual(['zoo/cartpole.json', 'zoo/manifest.json']);
    expect(zooResponses.every((r) => r.fromCache)).toBe(true);
    await context.close();
  });
});
