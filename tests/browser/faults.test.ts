import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LabTestHooks } from '../../src/ui/lab/testHooks';
import { screenshot, watchPage, type PageProblems, useBuiltSite } from './support/browser';

// Faults injected into a training run through the page's test hooks
// (src/ui/lab/testHooks.ts, attached only with ?testHooks=1): a worker that
// dies, NaN rewards, and a lost WebGPU device.

const site = useBuiltSite();

declare global {
  interface Window {
    __impalaLabTest?: LabTestHooks;
  }
}

async function open(): Promise<{ page: Page; problems: PageProblems }> {
  const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page, new URL(site.url).origin);
  await page.goto(`${site.url}?testHooks=1`);
  await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
  await page.waitForFunction(() => window.__impalaLabTest !== undefined);
  return { page, problems };
}

const attr = async (page: Page, testId: string, name: string): Promise<string | null> => page.getByTestId(testId).getAttribute(name);
const frames = async (page: Page): Promise<number> => Number(await attr(page, 'frames', 'data-value'));
const status = async (page: Page): Promise<string | null> => attr(page, 'run-status', 'data-status');
const message = async (page: Page): Promise<string> => (await page.getByTestId('message').textContent()) ?? '';

/** Waits until the frame count passes `atLeast`. */
async function framesPass(page: Page, atLeast: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction((f) => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > f, atLeast, { timeout });
}

/** Trains the CartPole preset: with Automatic (measured: WASM in a worker on a machine without a GPU) or the backend given. */
async function trainCartPole(page: Page, backend = 'auto'): Promise<void> {
  await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
  await page.getByLabel('Backend', { exact: true }).selectOption(backend);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await framesPass(page, 1000);
}

describe('faults are survived (Chromium: the learner on WASM in its worker, and on WebGPU through SwiftShader)', () => {
  it('a killed actor worker is noticed by the watchdog and replaced; training goes on and the page counts the restart', async () => {
    const { page, problems } = await open();
    await page.evaluate(() => window.__impalaLabTest!.setActorWatchdogMs(5000));
    await trainCartPole(page);
    expect(await attr(page, 'faults', 'data-restarts')).toBe('0');
    const killedAt = Date.now();
    expect(await page.evaluate(() => window.__impalaLabTest!.killActor(0))).toBe(true);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="faults"]')?.getAttribute('data-restarts')) >= 1, null, { timeout: 60_000 });
    const noticedAfterMs = Date.now() - killedAt;
    expect(await message(page)).toMatch(/Actor 1 stopped \(actor 0 did not answer within 5000 ms\); a new one took over with the current weights/);
    const atRestart = await frames(page);
    await framesPass(page, atRestart + 1000);
    expect(await status(page)).toBe('running');
    expect(await page.getByTestId('faults').textContent()).toMatch(/· [1-9]/);
    await screenshot(page, 'faults-actor-restart');
    console.log(`faults: killed actor replaced after ${(noticedAfterMs / 1000).toFixed(1)} s (watchdog 5 s); frames ${atRestart} -> ${await frames(page)}`);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('NaN rewards: the update is skipped, counted and warned about; after 5 in a row the run pauses with a message', async () => {
    const { page, problems } = await open();
    await trainCartPole(page);
    expect(await attr(page, 'faults', 'data-skipped')).toBe('0');
    const updatesBefore = Number(await attr(page, 'updates', 'data-value'));

    // One poisoned unroll: one batch with NaN rewards, skipped; training goes on.
    await page.evaluate(() => window.__impalaLabTest!.poisonRewards(1));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="faults"]')?.getAttribute('data-skipped')) >= 1, null, { timeout: 60_000 });
    expect(await message(page)).toMatch(/Skipped an update whose loss or gradient was not finite; the weights were left untouched \(1 so far\)/);
    const atSkip = await frames(page);
    await framesPass(page, atSkip + 1000);
    expect(await status(page)).toBe('running');
    expect(Number(await attr(page, 'updates', 'data-value'))).toBeGreaterThan(updatesBefore);
    await screenshot(page, 'faults-nan-skipped');

    // Every unroll poisoned: five skipped updates in a row pause the run.
    await page.evaluate(() => window.__impalaLabTest!.poisonRewards(Infinity));
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'paused', null, { timeout: 60_000 });
    expect(Number(await attr(page, 'faults', 'data-skipped'))).toBeGreaterThanOrEqual(6);
    expect(await message(page)).toMatch(/Paused: 5 updates in a row had a NaN or infinite loss or gradient/);
    await screenshot(page, 'faults-nan-paused');
    await page.evaluate(() => window.__impalaLabTest!.poisonRewards(0));
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('a lost WebGPU device: the learner moves to the next backend with its weights and training goes on; the badge says so', async () => {
    const { page, problems } = await open();
    await trainCartPole(page, 'webgpu');
    expect(await attr(page, 'backend', 'data-backend')).toBe('webgpu');
    const updatesBefore = Number(await attr(page, 'updates', 'data-value'));
    const lostAt = Date.now();
    expect(await page.evaluate(() => window.__impalaLabTest!.destroyLearnerDevice())).toBe(true);
    await page.waitForFunction(() => !['webgpu', ''].includes(document.querySelector('[data-testid="backend"]')?.getAttribute('data-backend') ?? ''), null, { timeout: 60_000 });
    const backend = await attr(page, 'backend', 'data-backend');
    expect(backend).toBe('webgl');
    await page.waitForFunction(() => /moved to/.test(document.querySelector('[data-testid="message"]')?.textContent ?? ''), null, { timeout: 60_000 });
    const movedAfterMs = Date.now() - lostAt;
    expect(await message(page)).toMatch(/The learner stopped because its WebGPU device was lost \(.+\)\. It moved to WebGL with the weights of update \d+/);
    expect(await page.locator('.backend').textContent()).toMatch(/fell back from WebGPU \(the WebGPU device was lost/);
    const atMove = await frames(page);
    await framesPass(page, atMove + 1000);
    expect(await status(page)).toBe('running');
    // The counters carried over: no restart from zero.
    expect(Number(await attr(page, 'updates', 'data-value'))).toBeGreaterThan(updatesBefore);
    await screenshot(page, 'faults-device-lost');
    console.log(`faults: device lost; learner on ${backend} after ${(movedAfterMs / 1000).toFixed(1)} s; frames ${atMove} -> ${await frames(page)}`);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
