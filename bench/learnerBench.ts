import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type CoreChoice, type ExperimentConfig } from '../src/core/config/experimentConfig';
import { createEnv } from '../src/core/envs/registry';
import { Learner } from '../src/core/learner/learner';
import type { NetworkKind } from '../src/core/model/networkKinds';
import { actorOptionsFor, learnerOptionsFor } from '../src/core/training/fromConfig';
import { formatKernelTable, kernelsPerStage, learnerAndBatch } from './learnerKernels';
import { formatInt, formatTable, median } from './table';

/**
 * Fixed settings, so that figures stay comparable as the defaults change:
 * no PopArt (the kernel count is of the plain update), and for the MLP
 * CartPole's settings before the learning search (B = 2, a queue of 4),
 * which the README's throughput figures use.
 */
const FIXED: Partial<ExperimentConfig> = { popart: false };
export const CARTPOLE_BENCH_CONFIG: ExperimentConfig = { ...DEFAULT_CONFIG, ...FIXED, env: 'classic/CartPole-v1', batchSize: 2, queueCapacity: 4 };

const BREAKOUT_BENCH_CONFIG: ExperimentConfig = { ...DEFAULT_CONFIG, ...FIXED, env: 'minatar/breakout', envsPerActor: 16, unrollLength: 20, batchSize: 4, queueCapacity: 8 };

/** A benchmark setup: a network (feed-forward, or with the LSTM core at its default size) and its settings. */
export interface BenchSetup {
  /** The row's name: the network kind, with '+lstm' for the recurrent core. */
  name: string;
  network: NetworkKind;
  core: CoreChoice;
  config: ExperimentConfig;
}

/** The settings each network is benchmarked with: CartPole's (as above), and the MinAtar settings used for Breakout; each feed-forward and with the LSTM core. */
export const BENCH_SETUPS: BenchSetup[] = (
  [
    ['mlp', CARTPOLE_BENCH_CONFIG],
    ['minatar', BREAKOUT_BENCH_CONFIG],
    ['resnet', BREAKOUT_BENCH_CONFIG],
  ] as const
).flatMap(([network, config]) =>
  (['none', 'lstm'] as const).map((core) => ({ name: core === 'none' ? network : `${network}+lstm`, network, core, config: { ...config, network, core } })),
);

/** The setups of the chosen networks and cores. */
export function benchSetups(networks: readonly NetworkKind[], cores: readonly CoreChoice[]): BenchSetup[] {
  return BENCH_SETUPS.filter((s) => networks.includes(s.network) && cores.includes(s.core));
}

/**
 * Learner-alone throughput: updates on batches of real unrolls (collected
 * once, then reused), timed end to end including the async read-back of
 * the loss terms and weight publishing. Frames/s = batch frames / time per
 * update; the median over `repeats` timed blocks.
 */
export async function learnerFramesPerSecond(config: ExperimentConfig, updates: number, repeats: number): Promise<{ fps: number[]; batchFrames: number; msPerUpdate: number }> {
  const { learner, batch } = await learnerAndBatch(config);
  const once = async (): Promise<void> => {
    await learner.update(batch);
    await learner.getWeights();
  };
  await once();
  await once();
  const fps: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let u = 0; u < updates; u++) await once();
    fps.push((batch.frames * updates) / ((performance.now() - start) / 1000));
  }
  learner.dispose();
  return { fps, batchFrames: batch.frames, msPerUpdate: (batch.frames / median(fps)) * 1000 };
}

/** tf.js kernels per learner update, per network and stage (see `learnerKernels.ts`). */
export async function benchLearnerKernels(setups: readonly BenchSetup[]): Promise<string> {
  const rows = [];
  for (const { name, config } of setups) {
    rows.push({ network: name, counts: await kernelsPerStage(config) });
  }
  return (
    'tf.js kernels per learner update (tf.profile; the same list on every backend). "computing": less Identity,\n' +
    'Reshape, ExpandDims and Squeeze (no data moved) and custom-gradient wrappers: on WebGPU, one dispatch each.\n\n' +
    formatKernelTable(rows)
  );
}

export async function benchLearner(options: { updates: number; repeats: number; setups: readonly BenchSetup[] }): Promise<string> {
  const rows: string[][] = [];
  for (const { name: network, config } of options.setups) {
    const { fps, batchFrames, msPerUpdate } = await learnerFramesPerSecond(config, options.updates, options.repeats);
    rows.push([
      network,
      config.env,
      `T=${config.unrollLength} x ${config.batchSize}x${config.envsPerActor}`,
      formatInt(batchFrames),
      msPerUpdate.toFixed(1),
      formatInt(median(fps)),
      formatInt(Math.min(...fps)),
      formatInt(Math.max(...fps)),
    ]);
  }
  return `learner alone, tf.js backend '${tf.getBackend()}'\n\n` + formatTable(['network', 'environment', 'batch', 'frames/update', 'ms/update', 'median frames/s', 'min', 'max'], rows);
}

/**
 * End-to-end frames/s of a concurrent run with `actors` worker-thread
 * actors feeding the learner, measured between the first and last update
 * (worker start-up excluded).
 */
export async function endToEndFramesPerSecond(config: ExperimentConfig, actors: number, frames: number): Promise<number> {
  const { WorkerActor } = await import('../src/node/workerActor');
  const { TrainingRun } = await import('../src/core/training/trainingRun');
  const runConfig = { ...config, actors, frames };
  const spec = createEnv(config.env, { seed: 0 }).spec;
  const learner = new Learner(learnerOptionsFor(runConfig, spec));
  const handles = await Promise.all(Array.from({ length: actors }, (_, i) => WorkerActor.create(actorOptionsFor(runConfig, spec, i))));
  let first: { t: number; frames: number } | null = null;
  let last = { t: 0, frames: 0 };
  const run = new TrainingRun({
    config: runConfig,
    learner,
    actors: handles,
    deterministic: false,
    scheduler: { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)) },
    onUpdate: (r) => {
      const t = performance.now();
      first ??= { t, frames: r.frames };
      last = { t, frames: r.frames };
    },
  });
  try {
    await run.run();
  } finally {
    await Promise.all(handles.map((h) => h.dispose()));
    learner.dispose();
  }
  const start = first as { t: number; frames: number } | null;
  if (!start || last.t <= start.t) throw new Error('end-to-end run too short to measure');
  return (last.frames - start.frames) / ((last.t - start.t) / 1000);
}

export async function benchEndToEnd(options: { seconds: number; repeats: number; setups: readonly BenchSetup[] }): Promise<string> {
  const rows: string[][] = [];
  for (const { name: network, config } of options.setups) {
    const alone = median((await learnerFramesPerSecond(config, 5, options.repeats)).fps);
    const budget = Math.max(config.batchSize * config.envsPerActor * config.unrollLength * 10, Math.round(alone * options.seconds));
    const e2e: number[] = [];
    for (const actors of [1, 2]) {
      const runs: number[] = [];
      for (let r = 0; r < options.repeats; r++) runs.push(await endToEndFramesPerSecond(config, actors, budget));
      e2e.push(median(runs));
    }
    rows.push([network, config.env, formatInt(alone), formatInt(e2e[0]!), formatInt(e2e[1]!), `${((100 * e2e[1]!) / alone).toFixed(0)}%`]);
  }
  return (
    `end to end: worker-thread actors (WASM inference) feeding the learner (WASM), ${options.repeats} run(s) each, median\n\n` +
    formatTable(['network', 'environment', 'learner alone', '1 actor', '2 actors', '2 actors / learner'], rows)
  );
}
