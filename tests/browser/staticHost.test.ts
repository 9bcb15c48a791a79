import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, watchPage } from './support/browser';
import { serveStatic } from './support/staticServer';

let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, url } = await serveStatic(resolve(__dirname, '..', '..', 'dist'), '/courses/rl/impala-lab/'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('the built site on a plain static host, under a sub-path', () => {
  it('finds its workers and WASM files, trains on the WASM learner, and round-trips a model file', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const problems = watchPage(page, new URL(url).origin);
    await page.goto(url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByLabel('Backend', { exact: true }).selectOption('wasm');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 500, null, { timeout: 120_000 });
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe('wasm');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();

    // Download the model, then load a wrong file (untouched) and the right one.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
    const saved = await download.path();
    const model = JSON.parse(readFileSync(saved, 'utf8')) as { format: string; formatVersion: number; config: { env: string }; weights: unknown[] };
    expect(model.format).toBe('impala-lab-checkpoint');
    // Format 2: the environment is the config's (format 1 also stored it apart as `envId`).
    expect(model.formatVersion).toBe(2);
    expect(model.config.env).toBe('classic/CartPole-v1');
    const input = page.locator('input[type="file"]');
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a model') });
    await page.getByTestId('message').filter({ hasText: 'Could not load the model' }).waitFor();
    expect(await page.getByTestId('message').textContent()).toMatch(/not JSON.*unchanged/);
    const reshaped = JSON.parse(readFileSync(saved, 'utf8')) as { weights: { length: number; data: string }[]; optimizer: { slots: unknown[] } };
    // One weight array fewer (and its RMSProp slot, so that the optimiser state is consistent): the network refuses it.
    reshaped.weights = reshaped.weights.slice(1);
    reshaped.optimizer.slots = reshaped.optimizer.slots.slice(1);
    await input.setInputFiles({ name: 'wrong-shapes.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(reshaped)) });
    await page.getByTestId('message').filter({ hasText: /expected \d+ arrays/ }).waitFor();
    const otherEnv = JSON.parse(readFileSync(saved, 'utf8')) as { config: { env: string } };
    otherEnv.config.env = 'minatar/breakout';
    await input.setInputFiles({ name: 'breakout.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(otherEnv)) });
    await page.getByTestId('message').filter({ hasText: 'it is a model of minatar/breakout, but the current run trains classic/CartPole-v1' }).waitFor();
    await input.setInputFiles(saved);
    await page.getByTestId('message').filter({ hasText: 'Loaded a model of classic/CartPole-v1' }).waitFor();
    await screenshot(page, 'static-host-model-loaded');

    // A fresh page that has trained nothing (no tf.js backend chosen yet) loads the model too.
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const freshProblems = watchPage(fresh, new URL(url).origin);
    await fresh.goto(url);
    await fresh.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await fresh.locator('input[type="file"]').setInputFiles(saved);
    await fresh.getByTestId('message').filter({ hasText: 'Loaded a model of classic/CartPole-v1' }).waitFor();
    expect(freshProblems.errors).toEqual([]);
    expect(problems.errors).toEqual([]);
    await Promise.all([page.close(), fresh.close()]);
  });
});

