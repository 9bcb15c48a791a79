import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { RmsProp } from '../../src/core/optim/rmsprop';
import { Adam } from '../../src/core/optim/adam';
import { clipByGlobalNorm } from '../../src/core/optim/clipByGlobalNorm';
import { learningRateAt } from '../../src/core/learner/learningRate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grads = [[0.5, -2, 3], [1e-3, 0, -4], [10, 10, -10]];

describe('RmsProp (TensorFlow ApplyRMSProp, no momentum)', () => {
  it('follows ms <- d ms + (1-d) g^2; x <- x - lr g / sqrt(ms + eps), recomputed in float64', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = new RmsProp([v], 0.99, 0.01);
    const x = [1, 2, 3];
    const ms = [0, 0, 0];
    for (const g of grads) {
      opt.apply([tf.tensor1d(g)], 0.1);
      for (let i = 0; i < 3; i++) {
        ms[i] = 0.99 * ms[i]! + 0.01 * g[i]! ** 2;
        x[i] = x[i]! - (0.1 * g[i]!) / Math.sqrt(ms[i]! + 0.01);
      }
    }
    const got = await v.data();
    x.forEach((xi, i) => expect(got[i]).toBeCloseTo(xi, 5));
    const state = await opt.getState();
    expect(state.step).toBe(3);
    state.slots[0]!.forEach((m, i) => expect(m).toBeCloseTo(ms[i]!, 5));
    expect(() => new RmsProp([v], 1)).toThrow(/decay/);
  });
});

describe('Adam', () => {
  it('follows Kingma & Ba algorithm 1, recomputed in float64, and restores its state', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = new Adam([v]);
    const x = [1, 2, 3];
    const m = [0, 0, 0];
    const s = [0, 0, 0];
    grads.forEach((g, k) => {
      opt.apply([tf.tensor1d(g)], 0.01);
      const t = k + 1;
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        s[i] = 0.999 * s[i]! + 0.001 * g[i]! ** 2;
        x[i] = x[i]! - (0.01 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(s[i]! / (1 - 0.999 ** t)) + 1e-8);
      }
    });
    const got = await v.data();
    x.forEach((xi, i) => expect(got[i]).toBeCloseTo(xi, 5));
    const w = tf.variable(tf.tensor1d([0, 0, 0]));
    const copy = new Adam([w]);
    copy.setState(await opt.getState());
    expect((await copy.getState()).slots.map((a) => Array.from(a))).toEqual((await opt.getState()).slots.map((a) => Array.from(a)));
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / max(norm, maxNorm)', async () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])]; // global norm 5
    const { clipped, globalNorm } = clipByGlobalNorm(g, 2.5);
    expect(await globalNorm.data()).toEqual(Float32Array.from([5]));
    expect(Array.from(await clipped[0]!.data())).toEqual([1.5, 0]);
    expect(Array.from(await clipped[1]!.data())).toEqual([0, 2]);
    const { clipped: same } = clipByGlobalNorm(g, 40);
    expect(Array.from(await same[1]!.data())).toEqual([0, 4]);
  });
});

describe('learning-rate schedule', () => {
  it('anneals linearly to zero over the run, or stays constant', () => {
    expect(learningRateAt(0.01, 'linear', 0, 100)).toBe(0.01);
    expect(learningRateAt(0.01, 'linear', 25, 100)).toBeCloseTo(0.0075, 12);
    expect(learningRateAt(0.01, 'linear', 150, 100)).toBe(0);
    expect(learningRateAt(0.01, 'constant', 150, 100)).toBe(0.01);
  });
});

describe('optimiser slots', () => {
  it('leave no tensor behind once disposed', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const g = tf.tensor1d([1, 1, 1]);
    const before = tf.memory().numTensors;
    for (const make of [() => new RmsProp([v]), () => new Adam([v])]) {
      const opt = make();
      opt.apply([g], 0.1);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([v, g]);
  });
});
