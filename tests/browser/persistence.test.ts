import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { decodeCheckpoint, type Checkpoint } from '../../src/core/persistence/checkpoint';
import { envSpecFor, networkFor, networkSpecFor } from '../../src/core/training/fromConfig';
import { screenshot, watchPage, useBuiltSite } from './support/browser';

const site = useBuiltSite();

const numberAt = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).getAttribute('data-value'));
const returnPoints = async (page: Page): Promise<number> =>
  Number(await page.locator('[data-chart="chart.return"] .live-chart-plot').getAttribute('data-points'));
const status = (page: Page): Promise<string | null> => page.getByTestId('run-status').getAttribute('data-status');

/** The weights a run with this checkpoint's settings starts from (the learner's network, seeded by the run's seed). */
async function initialWeights(checkpoint: Checkpoint): Promise<Float32Array[]> {
  const spec = envSpecFor(checkpoint.config);
  const network = createNetwork(networkFor(checkpoint.config, spec), networkSpecFor(checkpoint.config, spec), checkpoint.config.seed, false);
  try {
    return await getNetworkWeights(network);
  } finally {
    network.dispose();
  }
}

/** Downloads the current model through the Model panel and decodes it as the lab does. */
async function downloadModel(page: Page): Promise<Checkpoint> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  return decodeCheckpoint(readFileSync(await download.path(), 'utf8'));
}

/** Relative distance between two sets of weights: ||a - b|| / ||a||. */
function distance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let diff = 0;
  let norm = 0;
  a.forEach((w, i) => w.forEach((x, j) => ((diff += (x - b[i]![j]!) ** 2), (norm += x * x))));
  return Math.sqrt(diff / norm);
}

/** Waits until the Saved runs panel reports a save at the frame count on screen (the save that Pause started). */
async function waitForSaveOfShownFrames(page: Page): Promise<number> {
  await page.waitForFunction(
    () => {
      const shown = document.querySelector('[data-testid="frames"]')?.getAttribute('data-value');
      const saved = document.querySelector('[data-testid="last-save"]')?.getAttribute('data-frames');
      return shown !== undefined && shown !== '0' && shown === saved;
    },
    null,
    { timeout: 30_000 },
  );
  return numberAt(page, 'frames');
}

describe('saved runs (IndexedDB) in Chromium', () => {
  it('trains, saves on Pause, reloads, opens the run unchanged, then resumes it: counters, weights and the return curve continue', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchPage(page, new URL(site.url).origin);
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByTestId('saved-runs').getByText('No saved runs yet.').waitFor();

    // Train CartPole for a while, then pause: Pause saves the run.
    await page.getByRole('button', { name: 'CartPole in under a minute' }).click();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 4000, null, { timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-chart="chart.return"] .live-chart-plot')?.getAttribute('data-points')) > 0, null, {
      timeout: 120_000,
    });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'paused');
    const frames = await waitForSaveOfShownFrames(page);
    const updates = await numberAt(page, 'updates');
    const points = await returnPoints(page);
    const meanReturn = await page.getByTestId('mean-return').textContent();
    const runId = await page.getByTestId('last-save').getAttribute('data-run-id');
    expect(runId).toBeTruthy();
    const before = await downloadModel(page);
    expect([before.version, before.frames]).toEqual([updates, frames]);
    await page.getByTestId('saved-run').first().waitFor();
    expect(await page.getByTestId('saved-run').count()).toBe(1);

    // Rename it in the Saved runs panel.
    await page.getByRole('button', { name: /^Rename / }).click();
    await page.getByRole('textbox', { name: /^New name for / }).fill('Pole balancing, lesson 1');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByTestId('saved-run').getByText('Pole balancing, lesson 1').waitFor();

    // A reload (as after a tab crash): the page offers the run.
    await page.reload();
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const offer = page.getByTestId('resume-offer');
    await offer.waitFor();
    expect(await offer.getAttribute('data-run-id')).toBe(runId);
    expect(await offer.textContent()).toContain('Pole balancing, lesson 1');
    await screenshot(page, 'persistence-resume-offer');

    // Open it without training: the model, counters and curves are exactly those saved.
    await page.getByTestId('saved-run').getByRole('button', { name: /^Open / }).click();
    await page.waitForFunction(() => /Opened|Could not/.test(document.querySelector('[data-testid="message"]')?.textContent ?? ''));
    expect(await page.getByTestId('message').textContent()).toMatch(/^Opened 'Pole balancing, lesson 1'/);
    expect(await numberAt(page, 'frames')).toBe(frames);
    expect(await numberAt(page, 'updates')).toBe(updates);
    expect(await page.getByTestId('mean-return').textContent()).toBe(meanReturn);
    await page.waitForFunction((p) => document.querySelector('[data-chart="chart.return"] .live-chart-plot')?.getAttribute('data-points') === String(p), points);
    const opened = await downloadModel(page);
    expect([opened.version, opened.frames]).toEqual([before.version, before.frames]);
    expect(opened.weights).toEqual(before.weights);
    expect(opened.optimizer?.step).toBe(before.optimizer?.step);
    expect(opened.optimizer?.slots).toEqual(before.optimizer?.slots);

    // Reload again and accept the offer: training continues from the saved counters, weights and curves.
    await page.reload();
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByTestId('resume-offer').getByRole('button', { name: 'Resume training' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'running', null, { timeout: 60_000 });
    const seen: number[] = [];
    while (seen.length === 0 || seen.at(-1)! <= frames + 2000) {
      seen.push(await numberAt(page, 'frames'));
      expect(await status(page)).toBe('running');
      await page.waitForTimeout(200);
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(frames); // never back to 0
    expect(await numberAt(page, 'updates')).toBeGreaterThan(updates);
    expect(await returnPoints(page)).toBeGreaterThanOrEqual(points);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const framesAfter = await waitForSaveOfShownFrames(page);
    const after = await downloadModel(page);
    expect(after.frames).toBe(framesAfter);
    expect(after.version).toBeGreaterThan(before.version);
    // Trained on from the saved weights, not from fresh ones: nearer the saved weights than the run's initial
    // weights (a resume that started over would be near those, and about as far from the saved ones as training
    // moved them, about 0.5 by then).
    const init = await initialWeights(before);
    expect(distance(before.weights, init)).toBeLessThan(1); // the run's own start (another seed's is about 1.4 away)
    const fromSaved = distance(after.weights, before.weights);
    const fromStart = distance(after.weights, init);
    console.log(`persistence: resumed weights ${fromSaved.toFixed(2)} from the saved ones, ${fromStart.toFixed(2)} from the run's start`);
    expect(fromSaved).toBeLessThan(fromStart);
    expect(await page.getByTestId('saved-run').count()).toBe(1); // the same run, saved again
    await screenshot(page, 'persistence-resumed');
    expect(problems.errors).toEqual([]);
    await context.close();
  });
});
