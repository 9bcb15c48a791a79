import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { CDPSession, Page } from 'playwright-core';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../src/core/config/experimentConfig';
import { createEnv } from '../src/core/envs/registry';
import { Learner } from '../src/core/learner/learner';
import { actorOptionsFor, learnerOptionsFor } from '../src/core/training/fromConfig';
import { HISTORY_CHARTS, TrainingHistory, type HistoryChart } from '../src/core/telemetry/trainingHistory';
import { TrainingRun } from '../src/core/training/trainingRun';
import { launchChromium, serveDist, watchPage } from '../tests/browser/support/browser';
import { formatInt, formatTable } from './table';

/**
 * Soak tests: memory stays flat over long runs (chart buffers downsample,
 * the exported logs thin, replay storage is capped, tensors are disposed).
 *
 *   headless  CartPole with the defaults, 2 worker-thread actors, the learner
 *             on WASM, a TrainingHistory fed as the lab feeds it; samples the
 *             learner thread's tensors and heap every `sampleEvery` updates.
 *   browser   the built lab in headless Chromium on the WASM backend; samples
 *             the page's JS heap (after a forced GC, over CDP) and the tf.js
 *             engines' tensor counts (page and actor workers) every 30 s.
 *
 * The verdict is "flat" when the tensor count does not change after the
 * first sample and the heap grows by less than FLAT_HEAP_GROWTH from the
 * second sample to the last (the first is taken while start-up garbage,
 * JIT code and caches are still settling).
 */

/** Relative heap growth (2nd sample to last) still called flat. */
const FLAT_HEAP_GROWTH = 0.1;
const MB = 1024 * 1024;
/** A frame budget no soak reaches (the schema's maximum is 1e10). */
const HUGE_FRAMES = 1_000_000_000;

const mb = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '–' : (bytes / MB).toFixed(1));

/**
 * A full garbage collection of this isolate: `global.gc` when Node runs with
 * --expose-gc, otherwise the same function obtained at run time (V8 flag set
 * now, `gc` read from a fresh context), so `npm run bench -- soak` needs no
 * extra Node options.
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Bytes of the tf.js WASM backend's linear memory (it only grows), or null on another backend. */
function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

interface GrowthVerdict {
  tensorsConstant: boolean;
  heapGrowthBytes: number;
  heapGrowth: number;
  flat: boolean;
  text: string;
}

/** Tensors constant after the first sample and heap growth from the 2nd sample to the last below FLAT_HEAP_GROWTH. */
function verdict(what: string, tensors: readonly (readonly number[])[], heap: readonly number[], updates: readonly number[]): GrowthVerdict {
  if (heap.length < 3) {
    return { tensorsConstant: false, heapGrowthBytes: NaN, heapGrowth: NaN, flat: false, text: `${what}: too few samples for a verdict (${heap.length}; need 3)` };
  }
  const after = tensors.slice(1).map((t) => t.join('/'));
  const tensorsConstant = after.every((t) => t === after[0]);
  const heapGrowthBytes = heap.at(-1)! - heap[1]!;
  const heapGrowth = heapGrowthBytes / heap[1]!;
  const flat = tensorsConstant && heapGrowth < FLAT_HEAP_GROWTH;
  const tensorText = tensorsConstant
    ? `tensor count constant after the first sample (${after[0]})`
    : `tensor count CHANGES after the first sample (${[...new Set(after)].join(', ')})`;
  const sign = heapGrowthBytes >= 0 ? '+' : '';
  const perUpdate = heapGrowthBytes / Math.max(1, updates.at(-1)! - updates[1]!);
  const text =
    `${what}: ${tensorText}; heap ${mb(heap[1])} MB -> ${mb(heap.at(-1))} MB from the 2nd sample to the last ` +
    `(${sign}${mb(heapGrowthBytes)} MB, ${sign}${(100 * heapGrowth).toFixed(1)}%, ${sign}${Math.round(perUpdate)} bytes per update) => ${flat ? 'FLAT' : 'NOT FLAT'} ` +
    `(flat: tensors constant and heap growth < ${100 * FLAT_HEAP_GROWTH}%)`;
  return { tensorsConstant, heapGrowthBytes, heapGrowth, flat, text };
}

// ---------------------------------------------------------------------------
// Headless

interface HeadlessSample {
  updates: number;
  frames: number;
  seconds: number;
  numTensors: number;
  numBytes: number;
  wasmHeap: number | null;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  arrayBuffers: number;
  records: number;
  recordsKept: number;
  episodes: number;
  episodesKept: number;
}

export interface HeadlessSoakOptions {
  /** Learner updates to run (updates reported by onUpdate, applied or skipped). */
  updates: number;
  /** Sample every this many updates. */
  sampleEvery: number;
  /** Chart redraws: read every chart's columns after this many history changes (the page redraws per animation frame). */
  redrawEvery?: number;
}

export async function soakHeadless(options: HeadlessSoakOptions): Promise<{ text: string; flat: boolean }> {
  const { WorkerActor } = await import('../src/node/workerActor');
  const { useWasmBackend } = await import('../src/node/tfWasm');
  const backend = await useWasmBackend();
  const gc = garbageCollector();
  const config: ExperimentConfig = { ...DEFAULT_CONFIG, actors: 2, frames: HUGE_FRAMES };
  const spec = createEnv(config.env, { seed: 0 }).spec;
  const learner = new Learner(learnerOptionsFor(config, spec));
  const actors = await Promise.all(Array.from({ length: config.actors }, (_, i) => WorkerActor.create(actorOptionsFor(config, spec, i))));
  const history = new TrainingHistory();
  const charts = Object.keys(HISTORY_CHARTS) as HistoryChart[];
  const redrawEvery = options.redrawEvery ?? 20;
  let changes = 0;
  let redraws = 0;
  const unsubscribe = history.subscribe(() => {
    if (++changes % redrawEvery !== 0) return;
    redraws++;
    for (const chart of charts) history.columns(chart);
  });

  const samples: HeadlessSample[] = [];
  const t0 = performance.now();
  let count = 0;
  const sample = (updates: number, frames: number): void => {
    gc();
    const m = tf.memory();
    const p = process.memoryUsage();
    samples.push({
      updates,
      frames,
      seconds: (performance.now() - t0) / 1000,
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      wasmHeap: wasmHeapBytes(),
      heapUsed: p.heapUsed,
      heapTotal: p.heapTotal,
      rss: p.rss,
      arrayBuffers: p.arrayBuffers,
      records: history.recordCount,
      recordsKept: history.records.length,
      episodes: history.episodeCount,
      episodesKept: history.episodes.length,
    });
  };

  let run: TrainingRun | null = null;
  run = new TrainingRun({
    config,
    learner,
    actors,
    deterministic: false,
    scheduler: { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)) },
    onUpdate: (record) => {
      history.addRecord(record);
      count++;
      if (count % options.sampleEvery === 0) {
        sample(record.updates, record.frames);
        const s = samples.at(-1)!;
        process.stderr.write(`  soak: ${formatInt(count)} updates, ${s.seconds.toFixed(0)} s, ${s.numTensors} tensors, heap ${mb(s.heapUsed)} MB\n`);
      }
      if (count >= options.updates) run?.stop();
    },
    onEpisodes: (returns, lengths, frames) => history.addEpisodes(returns, lengths, frames),
  });
  try {
    await run.run();
  } finally {
    unsubscribe();
    await Promise.all(actors.map((a) => a.dispose()));
  }
  const endTensors = tf.memory().numTensors;
  learner.dispose();
  const afterDispose = tf.memory().numTensors;

  const rows = samples.map((s) => [
    formatInt(s.updates),
    formatInt(s.frames),
    s.seconds.toFixed(0),
    formatInt(s.numTensors),
    mb(s.numBytes),
    mb(s.wasmHeap),
    mb(s.heapUsed),
    mb(s.heapTotal),
    mb(s.rss),
    mb(s.arrayBuffers),
    `${formatInt(s.recordsKept)} / ${formatInt(s.records)}`,
    `${formatInt(s.episodesKept)} / ${formatInt(s.episodes)}`,
  ]);
  const v = verdict(
    'headless',
    samples.map((s) => [s.numTensors]),
    samples.map((s) => s.heapUsed),
    samples.map((s) => s.updates),
  );
  const secondHalf = samples.slice(Math.floor(samples.length / 2));
  const lines = [
    `headless soak: ${config.env}, defaults (T=${config.unrollLength}, B=${config.batchSize}, ${config.envsPerActor} envs/actor), ` +
      `${config.actors} worker-thread actors, learner on tf.js '${backend}', ${formatInt(count)} updates in ${((performance.now() - t0) / 1000).toFixed(0)} s, Node ${process.version}`,
    `sampled every ${formatInt(options.sampleEvery)} updates after a full GC; tensors/MB are the learner thread's tf.js engine; ` +
      `heap = V8 heapUsed of the main thread; rss includes the actor workers; history = kept / reported ` +
      `(charts redrawn every ${redrawEvery} history changes: ${formatInt(redraws)} redraws)`,
    '',
    formatTable(['updates', 'frames', 's', 'tensors', 'tensor MB', 'WASM heap MB', 'heapUsed MB', 'heapTotal MB', 'rss MB', 'arrayBuffers MB', 'records kept/total', 'episodes kept/total'], rows),
    '',
    v.text,
    secondHalf.length < 2
      ? 'second half: too few samples'
      : `second half (${formatInt(secondHalf[0]!.updates)} -> ${formatInt(secondHalf.at(-1)!.updates)} updates): heapUsed ${signedMb(secondHalf.at(-1)!.heapUsed - secondHalf[0]!.heapUsed)} MB, ` +
        `rss ${signedMb(secondHalf.at(-1)!.rss - secondHalf[0]!.rss)} MB, WASM heap ${signedMb((secondHalf.at(-1)!.wasmHeap ?? 0) - (secondHalf[0]!.wasmHeap ?? 0))} MB`,
    `after the run: ${endTensors} tensors with the learner alive, ${afterDispose} after learner.dispose()`,
  ];
  return { text: lines.join('\n'), flat: v.flat };
}

function signedMb(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
}

// ---------------------------------------------------------------------------
// Browser

interface PageReading {
  frames: number;
  updates: number;
  status: string;
  perfMemory: number | null;
  tensors: number | null;
  tensorBytes: number | null;
  wasmHeap: number | null;
  domNodes: number;
}

interface BrowserSample extends PageReading {
  seconds: number;
  /** Runtime.getHeapUsage after HeapProfiler.collectGarbage. */
  heapUsed: number;
  heapTotal: number;
  /** Performance.getMetrics. */
  listeners: number;
  /** Per actor worker: its tf.js engine's tensor count. */
  workerTensors: number[];
}

/**
 * Runs in the page (a string: tsx would wrap a function with helpers the
 * page lacks). tf.js keeps its engine on the global object as `_tfengine`,
 * so the tensor count is read without the app exposing anything. A read
 * can land while an update awaits its loss read-back, holding temporaries:
 * the minimum of a few reads is the resting count.
 */
const PAGE_READING = `(async () => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const engine = globalThis._tfengine;
  let tensors = null;
  let tensorBytes = null;
  for (let i = 0; i < 5; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20));
    const m = engine ? engine.memory() : null;
    if (m && (tensors === null || m.numTensors < tensors)) { tensors = m.numTensors; tensorBytes = m.numBytes; }
  }
  const heap = engine && engine.backend && engine.backend.wasm && engine.backend.wasm.HEAPU8;
  return {
    frames: Number(q('frames')?.getAttribute('data-value') ?? 0),
    updates: Number((q('updates')?.textContent ?? '0').replace(/,/g, '')),
    status: q('run-status')?.getAttribute('data-status') ?? '?',
    perfMemory: performance.memory ? performance.memory.usedJSHeapSize : null,
    tensors,
    tensorBytes,
    wasmHeap: heap ? heap.buffer.byteLength : null,
    domNodes: document.getElementsByTagName('*').length,
  };
})()`;

const WORKER_TENSORS = `(async () => {
  const engine = globalThis._tfengine;
  if (!engine) return -1;
  let n = Infinity;
  for (let i = 0; i < 5; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20));
    n = Math.min(n, engine.memory().numTensors);
  }
  return n;
})()`;

async function browserSample(page: Page, cdp: CDPSession, t0: number): Promise<BrowserSample> {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
  const reading = await page.evaluate<PageReading>(PAGE_READING);
  const workerTensors: number[] = [];
  for (const worker of page.workers()) {
    workerTensors.push(await worker.evaluate<number>(WORKER_TENSORS).catch(() => -1));
  }
  return {
    ...reading,
    seconds: (Date.now() - t0) / 1000,
    heapUsed: heap.usedSize,
    heapTotal: heap.totalSize,
    listeners: metric('JSEventListeners'),
    workerTensors,
  };
}

export interface BrowserSoakOptions {
  minutes: number;
  /** Seconds between samples (default 30). */
  sampleSeconds?: number;
}

export async function soakBrowser(options: BrowserSoakOptions): Promise<{ text: string; flat: boolean }> {
  const sampleSeconds = options.sampleSeconds ?? 30;
  const { server, url } = await serveDist();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page, new URL(url).origin);
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, frames: HUGE_FRAMES };
    const hash = `#frames=${HUGE_FRAMES}`;
    await page.goto(url + hash);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    await page.getByLabel('Backend', { exact: true }).selectOption('wasm');
    await page.getByRole('button', { name: 'Not now' }).click({ timeout: 2000 }).catch(() => {});
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // Poll with evaluate: the page's CSP refuses waitForFunction's string predicates (no eval).
    const framesOnPage = `Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value'))`;
    for (const start = Date.now(); !((await page.evaluate<number>(framesOnPage)) > 0); ) {
      if (Date.now() - start > 180_000) throw new Error('training did not start within 180 s');
      await page.waitForTimeout(250);
    }
    const learnerBackend = (await page.getByTestId('backend').getAttribute('data-backend')) ?? '?';
    const budget = (await page.getByTestId('frames').textContent()) ?? '';
    if (!budget.replace(/,/g, '').includes(String(HUGE_FRAMES))) throw new Error(`the link's frame budget was not applied: the page shows '${budget}'`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');

    const t0 = Date.now();
    const samples: BrowserSample[] = [];
    const total = Math.max(1, Math.round((options.minutes * 60) / sampleSeconds));
    for (let i = 0; i <= total; i++) {
      if (i > 0) await page.waitForTimeout(Math.max(0, t0 + i * sampleSeconds * 1000 - Date.now()));
      const s = await browserSample(page, cdp, t0);
      samples.push(s);
      process.stderr.write(`  soak (browser): ${s.seconds.toFixed(0)} s, ${formatInt(s.updates)} updates, ${s.tensors} tensors, heap ${mb(s.heapUsed)} MB, ${s.status}\n`);
    }
    await cdp.detach();
    await page.close();

    const rows = samples.map((s) => [
      s.seconds.toFixed(0),
      formatInt(s.updates),
      formatInt(s.frames),
      s.status,
      s.tensors === null ? '–' : formatInt(s.tensors),
      mb(s.tensorBytes),
      mb(s.wasmHeap),
      s.workerTensors.join('/') || '–',
      mb(s.heapUsed),
      mb(s.heapTotal),
      mb(s.perfMemory),
      formatInt(s.domNodes),
      formatInt(s.listeners),
    ]);
    const v = verdict(
      'browser',
      samples.map((s) => [s.tensors ?? -1, ...s.workerTensors]),
      samples.map((s) => s.heapUsed),
      samples.map((s) => s.updates),
    );
    const last = samples.at(-1)!;
    const lines = [
      `browser soak: the built lab in headless Chromium ${browser.version()}, ${config.env} (${hash}), backend asked wasm, learner got '${learnerBackend}', ` +
        `${samples[0]!.workerTensors.length} actor workers, ${options.minutes} min, ${formatInt(last.updates)} updates`,
      `sampled every ${sampleSeconds} s after HeapProfiler.collectGarbage; heap = Runtime.getHeapUsage of the page's main thread; ` +
        `tensors = the page's tf.js engine (minimum of 5 reads), worker tensors = each actor worker's engine; perf.memory = performance.memory.usedJSHeapSize (coarse without --enable-precise-memory-info)`,
      '',
      formatTable(['s', 'updates', 'frames', 'status', 'tensors', 'tensor MB', 'WASM heap MB', 'worker tensors', 'heapUsed MB', 'heapTotal MB', 'perf.memory MB', 'DOM nodes', 'listeners'], rows),
      '',
      v.text,
      problems.errors.length > 0 ? `page problems (${problems.errors.length}): ${problems.errors.slice(0, 5).join(' | ')}` : 'page problems: none',
    ];
    return { text: lines.join('\n'), flat: v.flat && last.status === 'running' };
  } finally {
    await browser.close();
    await server.close();
  }
}
