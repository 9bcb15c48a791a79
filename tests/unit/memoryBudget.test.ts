import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import {
  checkMemory,
  estimateMemory,
  FALLBACK_BUDGET_BYTES,
  formatBytes,
  MAX_BUDGET_BYTES,
  memoryBudgetBytes,
  memoryShapeOf,
  nearestFittingConfig,
  networkSizes,
  SCALABLE_KEYS,
} from '../../src/core/config/memoryBudget';
import { decodeShareHash } from '../../src/core/config/shareLink';
import { presetRuns, PRESETS } from '../../src/core/config/presets';
import { assembleBatch, type Batch } from '../../src/core/learner/batch';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { Learner } from '../../src/core/learner/learner';
import { actorOptionsFor, learnerOptionsFor, envOptionsFor, envSpecFor, isSuite, networkFor, networkSpecFor } from '../../src/core/training/fromConfig';
import { createEnv } from '../../src/core/envs/registry';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

const config = (c: Partial<ExperimentConfig>): ExperimentConfig => validateConfig({ ...DEFAULT_CONFIG, ...c }).config;

/** The experiment of the share link: the largest values the schema allows. */
const HUGE_HASH = '#env=minatar/seaquest&actors=64&envs=1024&T=1000&B=256&queue=1024';
const huge = (): ExperimentConfig => {
  const link = decodeShareHash(HUGE_HASH);
  return config(Object.fromEntries(link.changed.map((k) => [k, link.config[k]])));
};

/** The arrays whose size the settings fix (episode records and truncated observations vary with episodes). */
const fixedBytes = (x: Unroll | Batch): number =>
  [
    x.observations, x.actions, x.rewards, x.terminated, x.truncated, x.behaviourLogits, x.taskIds,
    ...(x.core ? [x.core.initialState.h, x.core.initialState.c, x.core.previousActions, x.core.previousRewards] : []),
  ].reduce((n, a) => n + a.byteLength, 0);

/** Real unrolls from the real Actor with the experiment's own options. */
async function realUnrolls(c: ExperimentConfig, count: number): Promise<Unroll[]> {
  const spec = envSpecFor(c);
  const actor = new Actor(actorOptionsFor(c, spec, 0));
  // The network of the actor's own environments (a minimal action set has fewer actions than `envSpecFor` says).
  const net = createNetwork(networkFor(c, spec), networkSpecFor(c, actor.vec.spec), 1);
  try {
    actor.setWeights(0, await getNetworkWeights(net));
    const out: Unroll[] = [];
    for (let i = 0; i < count; i++) out.push(await actor.unroll());
    return out;
  } finally {
    actor.dispose();
    net.dispose();
  }
}

const CASES: [string, Partial<ExperimentConfig>][] = [
  ['CartPole (float32 vectors, mlp)', { env: 'classic/CartPole-v1', envsPerActor: 3, unrollLength: 7 }],
  ['Acrobot (3 actions)', { env: 'classic/Acrobot-v1', envsPerActor: 2, unrollLength: 5 }],
  ['Breakout (uint8 10x10x4, minatar net)', { env: 'minatar/breakout', envsPerActor: 4, unrollLength: 6 }],
  ['Breakout, minimal action set', { env: 'minatar/breakout', actionSet: 'minimal', envsPerActor: 2, unrollLength: 3 }],
  ['Seaquest with the ResNet', { env: 'minatar/seaquest', network: 'resnet', envsPerActor: 2, unrollLength: 4 }],
  ['the suite (10x10x31, 5 value heads)', { env: 'suite/minatar', envsPerActor: 5, unrollLength: 3, actors: 1 }],
  ['CartPole with an LSTM core', { env: 'classic/CartPole-v1', core: 'lstm', envsPerActor: 3, unrollLength: 7 }],
  ['Breakout with an LSTM of 32 that sees no previous reward', { env: 'minatar/breakout', core: 'lstm', coreSize: 32, corePreviousReward: false, envsPerActor: 2, unrollLength: 4 }],
];
/** The feed-forward cases: a forward pass without core inputs. */
const FEED_FORWARD_CASES = CASES.filter(([, settings]) => settings.core === undefined);

describe('estimateMemory against the real arrays', () => {
  it.each(CASES)('%s: one unroll and one batch exactly', async (_name, settings) => {
    const c = config({ ...settings, batchSize: 3, queueCapacity: 3 });
    const unrolls = await realUnrolls(c, 3);
    const estimate = estimateMemory(c);
    for (const u of unrolls) expect(fixedBytes(u)).toBe(estimate.unrollBytes);
    const batch = assembleBatch(unrolls);
    expect(fixedBytes(batch)).toBe(estimate.batchBytes);
    expect(estimate.learnerRows).toBe((c.unrollLength + 1) * batch.cols);
    // What the estimate leaves out is small: 16 bytes per finished episode and the observations of truncated ones.
    for (const u of unrolls) {
      const episodes = u.episodeReturns.byteLength + u.episodeLengths.byteLength + u.episodeTaskIds.byteLength;
      expect(episodes).toBe(16 * u.episodeReturns.length);
      expect(u.truncatedIndices.byteLength + u.truncatedObservations.byteLength).toBeLessThanOrEqual(c.envsPerActor * (4 + u.observations.BYTES_PER_ELEMENT * u.observationShape.reduce((a, b) => a * b, 1)));
    }
  });

  it.each(CASES)('%s: the parameter count of createNetwork', (_name, settings) => {
    const c = config(settings);
    // The environment as actors make it (a minimal action set has fewer actions).
    const spec = createEnv(isSuite(c) ? envSpecFor(c).id : c.env, { seed: 0, ...envOptionsFor(c) }).spec;
    const net = createNetwork(networkFor(c, spec), networkSpecFor(c, spec), 0, false);
    try {
      expect(networkSizes(memoryShapeOf(c)).parameters).toBe(net.parameterCount);
      expect(estimateMemory(c).parameters).toBe(net.parameterCount);
    } finally {
      net.dispose();
    }
  });

  it.each(FEED_FORWARD_CASES)('%s: forward activations at least what tf.js allocates for a forward pass, and not wildly more', async (_name, settings) => {
    const c = config(settings);
    const spec = envSpecFor(c);
    const shape = memoryShapeOf(c);
    const net = createNetwork(networkFor(c, spec), networkSpecFor(c, spec), 0);
    const rows = 8;
    const x = tf.zeros([rows, ...spec.observationShape], 'float32');
    const taskIds = new Array<number>(rows).fill(0);
    try {
      // Inside tf.tidy every intermediate stays alive until the end: the peak is the forward pass's tensors.
      const profile = await tf.profile(() => tf.tidy(() => { net.apply(x, taskIds); }));
      const before = tf.memory().numBytes;
      const measured = profile.peakBytes - before;
      const estimated = rows * networkSizes(shape).activationsPerRow * 4;
      expect(estimated).toBeGreaterThanOrEqual(measured * 0.95);
      expect(estimated).toBeLessThanOrEqual(measured * 2);
    } finally {
      x.dispose();
      net.dispose();
    }
  });
});

describe("estimateMemory against a real learner update's peak", () => {
  it.each([
    ['CartPole', { env: 'classic/CartPole-v1' }],
    ['Breakout', { env: 'minatar/breakout' }],
    ['Breakout with the ResNet', { env: 'minatar/breakout', network: 'resnet' }],
    ['CartPole with an LSTM core', { env: 'classic/CartPole-v1', core: 'lstm' }],
    ['Breakout with an LSTM core', { env: 'minatar/breakout', core: 'lstm' }],
  ] as [string, Partial<ExperimentConfig>][])('%s: the estimate of the learner is above the peak tf.js measures, and within 2x of it', async (_name, settings) => {
    const c = config({ ...settings, envsPerActor: 4, unrollLength: 10, batchSize: 2, queueCapacity: 2 });
    const spec = envSpecFor(c);
    const learner = new Learner(learnerOptionsFor(c, spec));
    try {
      const batch = assembleBatch(await realUnrolls(c, 2));
      await learner.update(batch); // optimiser slots made
      const before = tf.memory().numBytes;
      const profile = await tf.profile(async () => {
        await learner.update(batch);
      });
      const measured = profile.peakBytes - before;
      const estimated = estimateMemory(c).learnerBytes;
      expect(estimated).toBeGreaterThanOrEqual(measured);
      expect(estimated).toBeLessThanOrEqual(2 * measured);
    } finally {
      learner.dispose();
    }
  });
});

describe('estimateMemory scaling', () => {
  const base = config({ env: 'minatar/breakout', envsPerActor: 16, unrollLength: 20, batchSize: 4, queueCapacity: 8, actors: 4 });

  it('one unroll is linear in N and affine in T; a batch is B unrolls; the queue holds Q + M + B of them', () => {
    const e = estimateMemory(base);
    const S = 10 * 10 * 4;
    const A = 6;
    // (T + 1) N S bytes of observations, T N (4 + 4 + 1 + 1 + 4 A) of the rest, 4 N of task ids.
    expect(e.unrollBytes).toBe(21 * 16 * S + 20 * 16 * (10 + 4 * A) + 4 * 16);
    expect(estimateMemory({ ...base, envsPerActor: 32 }).unrollBytes).toBe(2 * e.unrollBytes);
    expect(e.batchBytes).toBe(4 * e.unrollBytes);
    expect(e.unrollsHeld).toBe(8 + 4 + 4);
    expect(e.queueBytes).toBe(16 * e.unrollBytes);
    expect(e.learnerRows).toBe(21 * 4 * 16);
    expect(e.totalBytes).toBe(e.queueBytes + e.batchBytes + e.learnerBytes + e.actorsBytes);
  });

  it.each(SCALABLE_KEYS.map((k) => [k]))('grows with %s', (key) => {
    let last = 0;
    for (const value of [1, 2, 4, 8, 16, 64, 256]) {
      const c = { ...base, [key]: value };
      c.queueCapacity = Math.max(c.queueCapacity, c.batchSize);
      const total = estimateMemory(c).totalBytes;
      expect(total).toBeGreaterThanOrEqual(last);
      last = total;
    }
  });

  it('the learner grows with the policy lag (published copies) and Adam (two slots)', () => {
    expect(estimateMemory({ ...base, policyLag: 10 }).learnerBytes).toBeGreaterThan(estimateMemory(base).learnerBytes);
    expect(estimateMemory({ ...base, optimizer: 'adam' }).learnerBytes).toBeGreaterThan(estimateMemory(base).learnerBytes);
  });
});

describe('memoryBudgetBytes', () => {
  it('takes the smaller of a quarter of the device memory and half the heap limit, capped; a fixed budget without either', () => {
    expect(memoryBudgetBytes({})).toBe(FALLBACK_BUDGET_BYTES);
    expect(memoryBudgetBytes({ deviceMemoryGiB: 4 })).toBe(2 ** 30);
    expect(memoryBudgetBytes({ jsHeapSizeLimit: 2 ** 31 })).toBe(2 ** 30);
    expect(memoryBudgetBytes({ deviceMemoryGiB: 8, jsHeapSizeLimit: 2 ** 30 })).toBe(2 ** 29);
    expect(memoryBudgetBytes({ deviceMemoryGiB: 64, jsHeapSizeLimit: 2 ** 40 })).toBe(MAX_BUDGET_BYTES);
    expect(memoryBudgetBytes({ deviceMemoryGiB: Number.NaN, jsHeapSizeLimit: 0 })).toBe(FALLBACK_BUDGET_BYTES);
  });
});

describe('checkMemory and the nearest settings that fit', () => {
  it('passes the defaults, the README Breakout settings and every preset within the fixed budget', () => {
    expect(checkMemory(config({ actors: 8 }), FALLBACK_BUDGET_BYTES)).toBeNull();
    expect(checkMemory(config({ env: 'minatar/breakout', envsPerActor: 16, unrollLength: 20, batchSize: 4, queueCapacity: 8, actors: 8 }), FALLBACK_BUDGET_BYTES)).toBeNull();
    for (const preset of PRESETS) {
      // The page's defaults give up to 8 actors where a preset does not say. (The lab checks each run's settings.)
      const actors = preset.config.actors ?? 8;
      for (const run of presetRuns(preset)) expect(checkMemory({ ...run.config, actors }, FALLBACK_BUDGET_BYTES), `${preset.id} ${run.label}`).toBeNull();
    }
  });

  it("names what the issue's link needs and suggests settings within the schema that fit", () => {
    const c = huge();
    expect([c.env, c.actors, c.envsPerActor, c.unrollLength, c.batchSize, c.queueCapacity]).toEqual(['minatar/seaquest', 64, 1024, 1000, 256, 1024]);
    for (const budget of [FALLBACK_BUDGET_BYTES, MAX_BUDGET_BYTES]) {
      const problem = checkMemory(c, budget)!;
      expect(problem).not.toBeNull();
      // (T + 1) N S bytes of uint8 observations alone: 1001 x 1024 x 1000, about a gigabyte.
      expect(problem.estimate.unrollBytes).toBeGreaterThan(1001 * 1024 * 1000);
      expect(problem.text).toContain(`one unroll is ${formatBytes(problem.estimate.unrollBytes)}`);
      expect(problem.text).toContain(formatBytes(budget));
      const s = problem.suggestion!;
      expect(estimateMemory(s).totalBytes).toBeLessThanOrEqual(budget);
      expect(validateConfig(s).problems).toEqual([]);
      for (const key of Object.keys(c) as (keyof ExperimentConfig)[]) {
        if ((SCALABLE_KEYS as readonly string[]).includes(key)) expect(s[key] as number).toBeLessThanOrEqual(c[key] as number);
        else expect(s[key]).toBe(c[key]);
      }
      expect(problem.changes.map((ch) => ch.key)).toEqual(SCALABLE_KEYS.filter((k) => s[k] !== c[k]));
      // Nearest: raising any one setting back by one no longer fits.
      for (const key of SCALABLE_KEYS) {
        if (s[key] === c[key]) continue;
        const raised = { ...s, [key]: s[key] + 1 };
        raised.queueCapacity = Math.max(raised.queueCapacity, raised.batchSize);
        expect(estimateMemory(raised).totalBytes, key).toBeGreaterThan(budget);
      }
    }
  });

  it('changes only the outsized setting when one alone is the problem', () => {
    const c = config({ env: 'minatar/breakout', envsPerActor: 1024, unrollLength: 20, batchSize: 4, queueCapacity: 8, actors: 4 });
    const problem = checkMemory(c, FALLBACK_BUDGET_BYTES)!;
    expect(problem.changes.map((ch) => ch.key)).toEqual(['envsPerActor']);
    expect(problem.suggestion!.envsPerActor).toBeGreaterThan(16);
  });

  it('gives null when even the smallest settings do not fit', () => {
    expect(nearestFittingConfig(huge(), 1000)).toBeNull();
    expect(checkMemory(huge(), 1000)!.suggestionText).toBe('No smaller settings fit either.');
  });

  it('formats bytes in decimal units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(12_345_678)).toBe('12 MB');
    expect(formatBytes(1.025e9)).toBe('1.0 GB');
  });
});
