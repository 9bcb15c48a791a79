import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { allocateObservations } from '../../src/core/envs/types';
import { Learner } from '../../src/core/learner/learner';
import { createNetwork, type Network } from '../../src/core/model/networks';
import { setNetworkWeights } from '../../src/core/model/weights';
import { checkpointOf, type Checkpoint } from '../../src/core/persistence/checkpoint';
import { checkpointOfCompact, COMPACT_MODEL_VERSION, decodeCompactModel, encodeCompactModel } from '../../src/core/persistence/compactModel';
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from '../../src/core/persistence/float16';
import { RandomState } from '../../src/core/rng/randomState';
import { actorOptionsFor, envOptionsFor, envSpecFor, learnerOptionsFor, networkFor, networkSpecFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { TrainingRun } from '../../src/core/training/trainingRun';
import { useWasmBackend } from '../../src/node/tfWasm';
import { TEST_SCHEDULER } from '../support/inProcessTraining';

beforeAll(async () => {
  await useWasmBackend();
});

describe('float16', () => {
  // Bit patterns from the IEEE 754 binary16 definition (and Wikipedia's table of examples).
  const CASES: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // the largest finite value
    [2 ** -14, 0x0400], // the smallest normal
    [2 ** -24, 0x0001], // the smallest subnormal
    [2 ** -24 * 1023, 0x03ff], // the largest subnormal
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];
  it.each(CASES)('%d <-> bits %i', (x, bits) => {
    expect(toFloat16Bits(x)).toBe(bits);
    expect(Object.is(fromFloat16Bits(bits), x) || fromFloat16Bits(bits) === x).toBe(true);
  });

  it('rounds to nearest, ties to even, and overflows to Infinity past 65520', () => {
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(fromFloat16Bits(0x2e66)).toBe(0.0999755859375);
    expect(toFloat16Bits(1 / 3)).toBe(0x3555);
    expect(fromFloat16Bits(0x3555)).toBe(0.333251953125);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie: down to the even 1.0
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // a tie: up to the even 1 + 2^-9
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // past the tie: up
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // half the smallest subnormal: a tie, to the even 0
    expect(toFloat16Bits(2 ** -25 * 1.5)).toBe(0x0001);
    expect(toFloat16Bits(65519)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('every finite float16 value survives encode and decode exactly; others are within 2^-11 relative', () => {
    const all = new Float32Array(0x7c00);
    for (let h = 0; h < 0x7c00; h++) all[h] = fromFloat16Bits(h);
    expect(decodeFloat16(encodeFloat16(all))).toEqual(all);
    const random = new RandomState(5);
    const values = Float32Array.from({ length: 10_000 }, () => (random.rand() - 0.5) * 10);
    const back = decodeFloat16(encodeFloat16(values));
    for (let i = 0; i < values.length; i++) expect(Math.abs(back[i]! - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 2 ** -11 + 2 ** -25);
  });
});

/** A checkpoint of a short real training run (deterministic: one in-process actor alternating with the learner). */
async function trainedCheckpoint(config: ExperimentConfig): Promise<{ checkpoint: Checkpoint; shapes: number[][] }> {
  const spec = envSpecFor(config);
  const learner = new Learner(learnerOptionsFor(config, spec));
  const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
  try {
    const run = new TrainingRun({ config, learner, actors: [actor], deterministic: true, scheduler: TEST_SCHEDULER });
    await run.run();
    expect(run.state).toBe('finished');
    return { checkpoint: checkpointOf(config, await learner.snapshot(), '2026-01-01T00:00:00.000Z'), shapes: learner.weightShapes().map((s) => [...s]) };
  } finally {
    learner.dispose();
    actor.dispose();
  }
}

function networkOf(config: ExperimentConfig, weights: readonly Float32Array[]): Network {
  const spec = envSpecFor(config);
  const network = createNetwork(networkFor(config, spec), networkSpecFor(config, spec), 0, false);
  setNetworkWeights(network, weights);
  return network;
}

/** pi(.|x) in float64 from float32 logits: exp(l_a - max) / sum. */
function softmaxRows(logits: Float32Array, A: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < logits.length / A; r++) {
    const l = Array.from(logits.subarray(r * A, (r + 1) * A));
    const m = Math.max(...l);
    const e = l.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((x) => x / z));
  }
  return rows;
}

/**
 * 1,000 observations met by playing the full model (sampling its policy,
 * resetting at episode ends), and the action probabilities of the full and
 * the compact model on each.
 */
async function probabilitiesOnPlayedObservations(config: ExperimentConfig, full: readonly Float32Array[], compact: readonly Float32Array[]): Promise<{ full: number[][]; compact: number[][] }> {
  const N = 1000;
  const env = createEnv(config.env, { ...envOptionsFor(config), seed: 11 });
  const spec = env.spec;
  const A = spec.numActions;
  const fullNet = networkOf(config, full);
  const compactNet = networkOf(config, compact);
  const random = new RandomState(12);
  const one = allocateObservations(spec, 1);
  const observations = new Float32Array(N * spec.observationSize);
  try {
    env.reset();
    for (let t = 0; t < N; t++) {
      env.writeObservation(one, 0);
      observations.set(one, t * spec.observationSize);
      const logits = tf.tidy(() => fullNet.apply(tf.tensor(one, [1, ...spec.observationShape], 'float32'), [0]).policyLogits.dataSync()) as Float32Array;
      const p = softmaxRows(logits, A)[0]!;
      let u = random.rand();
      let action = 0;
      while (action < A - 1 && u >= p[action]!) u -= p[action++]!;
      const { terminated, truncated } = env.step(action);
      if (terminated || truncated) env.reset();
    }
    const both = (net: Network): number[][] =>
      softmaxRows(tf.tidy(() => net.apply(tf.tensor(observations, [N, ...spec.observationShape], 'float32'), new Array<number>(N).fill(0)).policyLogits.dataSync()) as Float32Array, A);
    return { full: both(fullNet), compact: both(compactNet) };
  } finally {
    fullNet.dispose();
    compactNet.dispose();
  }
}

describe('compact model files', () => {
  const CASES: [string, Partial<ExperimentConfig>][] = [
    // CartPole with the defaults (PopArt on), trained for 8,000 frames.
    ['CartPole (MLP, PopArt)', { env: 'classic/CartPole-v1', frames: 8_000 }],
    // MinAtar Breakout's CNN, whose fully connected layer sums 1,600 inputs: where rounding errors add up most.
    ['MinAtar Breakout (CNN)', { env: 'minatar/breakout', network: 'minatar', envsPerActor: 4, unrollLength: 10, batchSize: 2, popart: false, frames: 2_400, learningRate: 0.008 }],
  ];
  it.each(CASES)('%s: the compact model acts as the full one, within 0.01 on 1,000 observations met in play', async (_name, overrides) => {
    const config = validateConfig({ ...DEFAULT_CONFIG, actors: 1, ...overrides }).config;
    const { checkpoint, shapes } = await trainedCheckpoint(config);
    const text = encodeCompactModel(checkpoint, shapes);
    const model = decodeCompactModel(text);
    expect(model.config).toEqual(config);
    expect(model.version).toBe(checkpoint.version);
    expect(model.frames).toBe(checkpoint.frames);
    expect(model.popart).toEqual(checkpoint.popart);
    expect(model.weights.map((w) => w.length)).toEqual(checkpoint.weights.map((w) => w.length));
    // Half the bytes of float32 (plus base64's third and the config): a checkpoint also holds the optimiser's slots.
    const weightBytes = checkpoint.weights.reduce((s, w) => s + w.length * 4, 0);
    expect(text.length).toBeLessThan(weightBytes * 0.7 + 5_000);

    const { full, compact } = await probabilitiesOnPlayedObservations(config, checkpoint.weights, model.weights);
    let maxDiff = 0;
    for (let i = 0; i < full.length; i++) for (let a = 0; a < full[i]!.length; a++) maxDiff = Math.max(maxDiff, Math.abs(full[i]![a]! - compact[i]![a]!));
    expect(full).toHaveLength(1000);
    expect(maxDiff).toBeLessThan(0.01);
    // The policies are not uniform (a third above uniform somewhere): the comparison is not trivially met.
    const A = full[0]!.length;
    expect(Math.max(...full.map((p) => Math.max(...p)))).toBeGreaterThan(1.3 / A);

    // A run started from it continues its counters and weights, with a fresh optimiser.
    const restored = checkpointOfCompact(model);
    expect(restored.optimizer).toBeUndefined();
    expect(restored.weights).toBe(model.weights);
  });

  it('a wrong or damaged file gets an error saying what is wrong, never a crash', async () => {
    const config = validateConfig({ ...DEFAULT_CONFIG, actors: 1, frames: 160 }).config;
    const { checkpoint } = await trainedCheckpoint(config);
    const good = JSON.parse(encodeCompactModel(checkpoint)) as Record<string, unknown> & { weights: { length: number; data: string }[] };
    const w0 = good.weights[0]!;
    const nan = btoa(String.fromCharCode(...encodeFloat16(new Float32Array(w0.length).fill(NaN))));
    const bad: [string, string, RegExp][] = [
      ['not JSON', '{"format":', /not JSON/],
      ['a checkpoint', JSON.stringify({ ...good, format: 'impala-lab-checkpoint' }), /not a compact model file/],
      ['a later format', JSON.stringify({ ...good, formatVersion: COMPACT_MODEL_VERSION + 1 }), /format version 2 is not supported.*made again/],
      ['another encoding', JSON.stringify({ ...good, encoding: 'int8' }), /encoded as 'int8'/],
      ['a bad config', JSON.stringify({ ...good, config: { ...(good.config as object), env: 'nope' } }), /config is invalid/],
      ['a truncated array', JSON.stringify({ ...good, weights: [{ ...w0, data: w0.data.slice(0, 8) }, ...good.weights.slice(1)] }), /weight array 0 holds 3 values, expected \d+ \(truncated file\?\)/],
      ['not base64', JSON.stringify({ ...good, weights: [{ ...w0, data: '!!!!' }, ...good.weights.slice(1)] }), /weight array 0 is not valid base64/],
      ['NaN weights', JSON.stringify({ ...good, weights: [{ ...w0, data: nan }, ...good.weights.slice(1)] }), /weight array 0 has \d+ values that are not finite/],
      ['no PopArt statistics for PopArt settings', JSON.stringify({ ...good, popart: undefined }), /PopArt/],
      ['a negative frame count', JSON.stringify({ ...good, frames: -3 }), /frames/],
    ];
    for (const [what, text, message] of bad) {
      expect(() => decodeCompactModel(text), what).toThrow(message);
    }
    // Weights float16 cannot hold are refused when writing, naming the array.
    const huge = { ...checkpoint, weights: checkpoint.weights.map((w, i) => (i === 2 ? Float32Array.from(w, () => 1e6) : w)) };
    expect(() => encodeCompactModel(huge)).toThrow(/weight array 2 holds 1000000, which float16 cannot store/);
  });
});
