import type { Page } from 'playwright-core';
import type { ExperimentConfig } from '../src/core/config/experimentConfig';
import { applyPreset, presetById } from '../src/core/config/presets';
import { encodeShareHash } from '../src/core/config/shareLink';
import { launchChromium, serveDist } from '../tests/browser/support/browser';
import { formatInt, formatTable, median } from './table';
import { useWasmBackend } from '../src/node/tfWasm';
import { NETWORK_KINDS } from '../src/core/model/networkKinds';
import { benchLearnerKernels, benchSetups, CARTPOLE_BENCH_CONFIG } from './learnerBench';

const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

interface Sample {
  frames: number;
  fps: number;
  pageFps: number;
  meanReturn: number | null;
  /** Long tasks (over 50 ms) since the bench started watching, and the longest, in ms. */
  longTasks: number;
  longestTaskMs: number;
}

/** Runs in the page; strings, because tsx would wrap a function with helpers the page lacks. */
const SAMPLE_SCRIPT = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const mean = Number((q('mean-return')?.textContent ?? '').replace(/,/g, ''));
  const long = window.__benchLongTasks ?? { count: 0, longest: 0 };
  return {
    frames: Number(q('frames')?.getAttribute('data-value')),
    fps: Number((q('fps')?.textContent ?? '0').replace(/,/g, '')),
    pageFps: Number(q('page-fps')?.getAttribute('data-value')),
    meanReturn: Number.isFinite(mean) ? mean : null,
    longTasks: long.count,
    longestTaskMs: long.longest,
  };
})()`;

/** Starts counting long tasks afresh (after the warm-up): the Long Tasks API, observed by the bench itself. */
const WATCH_LONG_TASKS = `(() => {
  window.__benchLongTaskObserver?.disconnect();
  const long = (window.__benchLongTasks = { count: 0, longest: 0 });
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      long.count++;
      long.longest = Math.max(long.longest, e.duration);
    }
  });
  observer.observe({ type: 'longtask', buffered: false });
  window.__benchLongTaskObserver = observer;
})()`;

async function sample(page: Page): Promise<Sample> {
  return page.evaluate<Sample>(SAMPLE_SCRIPT);
}

interface Opened {
  /** The backend the learner got, and where it runs. */
  got: string;
  /** Automatic's probe: its duration and figures, when it ran. */
  probe: { ms: number; text: string } | null;
  /** Seconds from pressing Train to the first frames. */
  startSeconds: number;
}

async function openLab(page: Page, url: string, config: ExperimentConfig, backend: string): Promise<Opened> {
  await page.goto(url + encodeShareHash(config));
  await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
  await page.getByLabel('Backend', { exact: true }).selectOption(backend);
  await page.getByRole('button', { name: 'Not now' }).click().catch(() => {});
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // Poll with evaluate: the page's CSP refuses waitForFunction's string predicates (no eval).
  for (const start = Date.now(); (await sample(page)).frames <= 0; ) {
    if (Date.now() - start > 180_000) throw new Error('training did not start within 180 s');
    await page.waitForTimeout(250);
  }
  const startSeconds = (Date.now() - t0) / 1000;
  const badge = page.getByTestId('backend');
  const got = `${(await badge.getAttribute('data-backend')) ?? '?'}${(await badge.getAttribute('data-thread')) === 'worker' ? ' (worker)' : ''}`;
  const measured = page.getByTestId('measurement');
  const probe = (await measured.count()) > 0 ? { ms: Number(await measured.getAttribute('data-probe-ms')), text: ((await measured.textContent()) ?? '').replace(/^\s*— measured: /, '').replace(/\s*Measure again\s*$/, '') } : null;
  return { got, probe, startSeconds };
}

const fmtMs = (ms: number): string => `${Math.round(ms)} ms`;

/**
 * Trains in headless Chromium (WebGPU through SwiftShader on a machine
 * without a GPU) and reports, per backend (and Automatic, timed after its
 * probe), frames/s for CartPole and MinAtar Breakout, the page's animation
 * frame rate and its long tasks while training; then how long the CartPole
 * preset takes to solve in the tab with Automatic, per seed; then the tf.js
 * kernels each learner update dispatches (the same on every backend).
 */
export async function benchBrowser(options: {
  seconds: number;
  solve: boolean;
  solveBackend: string;
  seeds: readonly number[];
  backends?: readonly string[];
  repeats?: number;
  /** The preset timed (default 'cartpole'), the mean return it must reach (default 475) and the longest wait per seed (default 15 min). */
  solvePreset?: string;
  solveThreshold?: number;
  solveMinutes?: number;
}): Promise<string> {
  const { server, url } = await serveDist();
  const browser = await launchChromium();
  const out: string[] = [];
  try {
    const rows: string[][] = [];
    const probes: string[] = [];
    const setups: [string, ExperimentConfig][] = [
      // Fixed settings (B = 2, no PopArt), comparable with the figures measured before the defaults changed.
      ['classic/CartPole-v1', { ...CARTPOLE_BENCH_CONFIG, frames: 10_000_000 }],
      ['minatar/breakout', { ...applyPreset(presetById('breakout')!), frames: 100_000_000 }],
    ];
    const repeats = options.repeats ?? 1;
    for (const backend of options.backends ?? BACKENDS) {
      for (const [name, config] of setups) {
        const cells: { fps: number; pageFps: number; longTasks: number; longest: number; got: string }[] = [];
        let failure: string | null = null;
        for (let r = 0; r < repeats && failure === null; r++) {
          // A new page is a new browser context: no measurement kept from an earlier cell.
          const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
          try {
            const opened = await openLab(page, url, config, backend);
            await page.waitForTimeout(3000); // warm-up
            await page.evaluate(WATCH_LONG_TASKS);
            const samples: Sample[] = [];
            const start = await sample(page);
            const t0 = Date.now();
            for (let s = 0; s < options.seconds; s++) {
              await page.waitForTimeout(1000);
              samples.push(await sample(page));
            }
            const end = samples.at(-1)!;
            const fps = (end.frames - start.frames) / ((Date.now() - t0) / 1000);
            if (opened.probe) probes.push(`${name}: probe ${fmtMs(opened.probe.ms)} (${opened.probe.text}); first frames ${opened.startSeconds.toFixed(1)} s after Train`);
            cells.push({ fps, pageFps: median(samples.map((x) => x.pageFps)), longTasks: end.longTasks, longest: end.longestTaskMs, got: opened.got });
          } catch (e) {
            failure = e instanceof Error ? e.message.split('\n')[0]! : String(e);
          } finally {
            await page.close();
          }
        }
        if (failure !== null || cells.length === 0) {
          rows.push([backend, 'failed', name, failure ?? 'no measurement', '', '', '']);
          continue;
        }
        const longest = Math.max(...cells.map((c) => c.longest));
        rows.push([
          backend,
          cells[0]!.got,
          name,
          repeats > 1 ? `${formatInt(median(cells.map((c) => c.fps)))} (${cells.map((c) => formatInt(c.fps)).join(', ')})` : formatInt(cells[0]!.fps),
          formatInt(median(cells.map((c) => c.pageFps))),
          String(Math.max(...cells.map((c) => c.longTasks))),
          cells.some((c) => c.longTasks > 0) ? fmtMs(longest) : '–',
        ]);
      }
    }
    out.push(`in-browser training, ${options.seconds} s per cell after a 3 s warm-up (the auto row: after its probe too)${repeats > 1 ? `, ${repeats} times each (median, then each)` : ''} (Chromium ${browser.version()}, headless)\n`);
    out.push(formatTable(['backend asked', 'learner got', 'environment', 'frames/s', 'page frames/s (median)', 'long tasks (most)', 'longest'], rows));
    if (probes.length > 0) out.push(['', 'Automatic\'s probe:', ...probes.map((p) => `  ${p}`)].join('\n'));

    if (options.solve) {
      const solveRows: string[][] = [];
      const times: number[] = [];
      const solvePreset = presetById(options.solvePreset ?? 'cartpole');
      if (!solvePreset || solvePreset.comparison) throw new Error(`--solve-preset must name a preset of one run, got '${options.solvePreset}'`);
      const threshold = options.solveThreshold ?? 475;
      const limitMs = (options.solveMinutes ?? 15) * 60_000;
      for (const seed of options.seeds) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        try {
          const preset = { ...applyPreset(solvePreset), seed };
          const t0 = Date.now();
          const opened = await openLab(page, url, preset, options.solveBackend);
          let solved: Sample | null = null;
          let last: Sample = await sample(page);
          while (Date.now() - t0 < limitMs) {
            await page.waitForTimeout(500);
            last = await sample(page);
            if ((last.meanReturn ?? -Infinity) >= threshold) {
              solved = last;
              break;
            }
            if ((await page.getByTestId('run-status').getAttribute('data-status')) === 'finished') break;
          }
          const secs = (Date.now() - t0) / 1000;
          if (solved) times.push(secs);
          solveRows.push([String(seed), opened.got, opened.probe ? fmtMs(opened.probe.ms) : '–', solved ? `${secs.toFixed(0)} s` : `not solved (${last.meanReturn ?? '–'})`, formatInt((solved ?? last).frames)]);
        } finally {
          await page.close();
        }
      }
      out.push('');
      out.push(`The preset "${solvePreset.title}" with backend ${options.solveBackend}: wall time from pressing Train (probe included) until the mean return of the last 100 episodes reaches ${threshold}\n`);
      out.push(formatTable(['seed', 'learner got', 'probe', `time to ${threshold}`, 'frames'], solveRows));
      out.push(times.length === options.seeds.length ? `median over ${times.length} seeds: ${median(times).toFixed(0)} s` : `solved on ${times.length} of ${options.seeds.length} seeds`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  out.push('');
  out.push('tf.js kernels per learner update (the same on every backend; on WebGPU each computing kernel is a dispatch):\n');
  out.push(await kernelTable());
  return out.join('\n');
}

/** The kernel table of `npm run bench -- learner`, counted in Node on WASM. */
async function kernelTable(): Promise<string> {
  try {
    await useWasmBackend();
    return await benchLearnerKernels(benchSetups([...NETWORK_KINDS], ['none', 'lstm']));
  } catch (e) {
    // The browser figures above are already measured: a failure here must not lose them.
    return `(the kernel table failed: ${e instanceof Error ? e.message : String(e)})`;
  }
}
