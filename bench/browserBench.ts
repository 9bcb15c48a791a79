import type { Page } from 'playwright-core';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../src/core/config/experimentConfig';
import { applyPreset, presetById } from '../src/core/config/presets';
import { encodeShareHash } from '../src/core/config/shareLink';
import { launchChromium, serveDist } from '../tests/browser/support/browser';
import { formatInt, formatTable, median } from './table';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

interface Sample {
  frames: number;
  fps: number;
  pageFps: number;
  longTasks: number;
  meanReturn: number | null;
}

/** Runs in the page; a string, because tsx would wrap a function with helpers the page lacks. */
const SAMPLE_SCRIPT = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const mean = Number((q('mean-return')?.textContent ?? '').replace(/,/g, ''));
  return {
    frames: Number(q('frames')?.getAttribute('data-value')),
    fps: Number((q('fps')?.textContent ?? '0').replace(/,/g, '')),
    pageFps: Number(q('page-fps')?.getAttribute('data-value')),
    longTasks: Number(q('page-fps')?.getAttribute('data-long-tasks')),
    meanReturn: Number.isFinite(mean) ? mean : null,
  };
})()`;

async function sample(page: Page): Promise<Sample> {
  return page.evaluate<Sample>(SAMPLE_SCRIPT);
}

async function openLab(page: Page, url: string, config: ExperimentConfig, backend: string): Promise<string> {
  await page.goto(url + encodeShareHash(config));
  await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
  await page.getByLabel('Backend', { exact: true }).selectOption(backend);
  await page.getByRole('button', { name: 'Not now' }).click().catch(() => {});
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // Poll with evaluate: the page's CSP refuses waitForFunction's string predicates (no eval).
  for (const start = Date.now(); (await sample(page)).frames <= 0; ) {
    if (Date.now() - start > 180_000) throw new Error('training did not start within 180 s');
    await page.waitForTimeout(250);
  }
  return (await page.getByTestId('backend').getAttribute('data-backend')) ?? '?';
}

/**
 * Trains in headless Chromium (WebGPU through SwiftShader on a machine
 * without a GPU) and reports, per backend, frames/s for CartPole and
 * MinAtar Breakout and the page's animation frame rate while training.
 */
export async function benchBrowser(options: { seconds: number; solve: boolean; solveBackend: string }): Promise<string> {
  const { server, url } = await serveDist();
  const browser = await launchChromium();
  const out: string[] = [];
  try {
    const rows: string[][] = [];
    const setups: [string, ExperimentConfig][] = [
      ['classic/CartPole-v1', { ...DEFAULT_CONFIG, frames: 10_000_000 }],
      ['minatar/breakout', { ...applyPreset(presetById('breakout')!), frames: 100_000_000 }],
    ];
    for (const backend of BACKENDS) {
      for (const [name, config] of setups) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        try {
          const got = await openLab(page, url, config, backend);
          await page.waitForTimeout(3000); // warm-up
          const samples: Sample[] = [];
          const start = await sample(page);
          const t0 = Date.now();
          for (let s = 0; s < options.seconds; s++) {
            await page.waitForTimeout(1000);
            samples.push(await sample(page));
          }
          const end = samples.at(-1)!;
          const fps = (end.frames - start.frames) / ((Date.now() - t0) / 1000);
          rows.push([backend, got, name, formatInt(fps), formatInt(median(samples.map((x) => x.pageFps))), String(end.longTasks)]);
        } catch (e) {
          rows.push([backend, 'failed', name, e instanceof Error ? e.message.split('\n')[0]! : String(e), '', '']);
        } finally {
          await page.close();
        }
      }
    }
    out.push(`in-browser training, ${options.seconds} s per cell after a 3 s warm-up (Chromium ${browser.version()}, headless)\n`);
    out.push(formatTable(['backend asked', 'learner got', 'environment', 'frames/s', 'page frames/s (median)', 'long tasks'], rows));

    if (options.solve) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const got = await openLab(page, url, { ...DEFAULT_CONFIG }, options.solveBackend);
      const t0 = Date.now();
      let solved: Sample | null = null;
      let last: Sample = await sample(page);
      while (Date.now() - t0 < 15 * 60_000) {
        await page.waitForTimeout(1000);
        last = await sample(page);
        if ((last.meanReturn ?? 0) >= 475) {
          solved = last;
          break;
        }
        if ((await page.getByTestId('run-status').getAttribute('data-status')) === 'finished') break;
      }
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      out.push('');
      out.push(
        solved
          ? `CartPole (defaults, seed 1) on ${got}: mean return of the last 100 episodes reached 475 after ${secs} s and ${formatInt(solved.frames)} frames`
          : `CartPole (defaults, seed 1) on ${got}: not solved (mean return ${last.meanReturn ?? '–'} after ${secs} s, ${formatInt(last.frames)} frames)`,
      );
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out.join('\n');
}
