import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PopArt } from '../../src/core/agent/popart';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { assembleBatch } from '../../src/core/learner/batch';
import { Learner, type LearnerOptions } from '../../src/core/learner/learner';
import { createNetwork } from '../../src/core/model/networks';
import { RandomState } from '../../src/core/rng/randomState';
import { useWasmBackend } from '../../src/node/tfWasm';
import { SMALL_LEARNER } from '../support/smallLearner';

beforeAll(async () => {
  await useWasmBackend();
});

/** sigma * n + mu per row, in float64, from the network's normalised outputs. */
async function unnormalised(net: ReturnType<typeof createNetwork>, x: tf.Tensor, tasks: number[], popart: PopArt): Promise<number[]> {
  const n = await net.apply(x, tasks).baseline.data();
  return Array.from(n, (v, i) => popart.sigma(tasks[i]!) * v + popart.mu[tasks[i]!]!);
}

describe('PopArt statistics (van Hasselt et al. 2016; Hessel et al. 2019)', () => {
  it('moves each task\'s mu and nu towards the mean of its own targets with step size beta; other tasks keep theirs', () => {
    const popart = new PopArt(3, { beta: 0.1 });
    popart.setState({ mu: [1, -2, 5], nu: [2, 8, 26] });
    const targets = [3, 4, -1, 10, 2];
    const tasks = [0, 0, 1, 0, 1];
    popart.updateStatistics(targets, (k) => tasks[k]!);
    // Float64 recomputation of mu <- (1-b) mu + b E[v], nu <- (1-b) nu + b E[v^2], per task.
    const mean0 = (3 + 4 + 10) / 3;
    const sq0 = (9 + 16 + 100) / 3;
    const mean1 = (-1 + 2) / 2;
    const sq1 = (1 + 4) / 2;
    expect(popart.mu[0]).toBeCloseTo(0.9 * 1 + 0.1 * mean0, 12);
    expect(popart.nu[0]).toBeCloseTo(0.9 * 2 + 0.1 * sq0, 12);
    expect(popart.mu[1]).toBeCloseTo(0.9 * -2 + 0.1 * mean1, 12);
    expect(popart.nu[1]).toBeCloseTo(0.9 * 8 + 0.1 * sq1, 12);
    expect([popart.mu[2], popart.nu[2]]).toEqual([5, 26]);
    expect(popart.sigma(2)).toBeCloseTo(1, 12);
    expect(popart.sigma(0)).toBeCloseTo(Math.sqrt(popart.nu[0]! - popart.mu[0]! ** 2), 12);
  });

  it('clips sigma to [1e-4, 1e6]', () => {
    const popart = new PopArt(2);
    popart.setState({ mu: [3, 0], nu: [9, 1e14] });
    expect(popart.sigma(0)).toBe(1e-4);
    expect(popart.sigma(1)).toBe(1e6);
  });

  it('preserves every unnormalised output exactly when the statistics change (the "preserving outputs" step)', async () => {
    const net = createNetwork({ kind: 'mlp', hiddenSizes: [16] }, { observationShape: [5], numActions: 3, numTasks: 3 }, 7);
    const popart = new PopArt(3, { beta: 0.3 });
    popart.setState({ mu: [0.5, -1, 2], nu: [1.25, 5, 4.5] });
    const x = tf.randomNormal([12, 5], 0, 1, 'float32', 3);
    const tasks = Array.from({ length: 12 }, (_, i) => i % 3);
    const before = await unnormalised(net, x, tasks, popart);
    const headBefore = await net.valueHead.w.data();
    // Large, task-specific targets move mu and sigma a long way.
    const saved = popart.updateStatistics([40, 41, -30, 200, 0, 5], (k) => [0, 0, 1, 2, 2, 1][k]!);
    expect(popart.sigma(0)).not.toBeCloseTo(saved.sigma[0]!, 1);
    // Without the correction the outputs would change: the test can fail.
    const unpreserved = await unnormalised(net, x, tasks, popart);
    expect(Math.max(...unpreserved.map((v, i) => Math.abs(v - before[i]!)))).toBeGreaterThan(0.5);
    popart.preserveOutputs(net.valueHead, saved);
    const after = await unnormalised(net, x, tasks, popart);
    after.forEach((v, i) => expect(Math.abs(v - before[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(before[i]!))));
    expect(Array.from(await net.valueHead.w.data())).not.toEqual(Array.from(headBefore));
    net.dispose();
    x.dispose();
  });
});

const T = 4;
const N = 3;
const tasksOfColumns = [0, 1, 1];
const gamma = 0.95;
const options: LearnerOptions = {
  ...SMALL_LEARNER,
  spec: { ...SMALL_LEARNER.spec, numTasks: 2 },
  seed: 3,
  discount: gamma,
  popart: { beta: 0.01 },
};

function fakeUnroll(seed: number): Unroll {
  const r = new RandomState(seed);
  const f = (n: number, scale = 1) => Float32Array.from({ length: n }, () => r.uniform(-scale, scale));
  const terminated = new Uint8Array(T * N);
  terminated[1 * N + 2] = 1;
  return {
    actorIndex: 0, policyVersion: 0, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32',
    observations: f((T + 1) * N * 4), actions: Int32Array.from({ length: T * N }, () => r.randint(2)),
    // Task 1's rewards are 30x task 0's: the scales PopArt exists for.
    rewards: Float32Array.from({ length: T * N }, (_, i) => r.uniform(0, 1) * (tasksOfColumns[i % N] === 1 ? 30 : 1)),
    terminated, truncated: new Uint8Array(T * N), behaviourLogits: new Float32Array(T * N * 2),
    truncatedIndices: new Int32Array(0), truncatedObservations: new Float32Array(0),
    episodeReturns: new Float64Array(0), episodeLengths: new Int32Array(0),
    taskIds: Int32Array.from(tasksOfColumns), episodeTaskIds: new Int32Array(0),
  };
}

describe('Learner with PopArt', () => {
  it('computes V-trace targets on unnormalised values and the losses in the normalised space (float64 reference)', async () => {
    const learner = new Learner(options);
    const popart = learner.popart!;
    popart.setState({ mu: [0.5, 12], nu: [0.5 ** 2 + 2 ** 2, 12 ** 2 + 8 ** 2] }); // sigma = [2, 8]
    const u = fakeUnroll(5);
    const x = tf.tensor(u.observations, [(T + 1) * N, 4]);
    const rowTasks = Array.from({ length: (T + 1) * N }, (_, i) => tasksOfColumns[i % N]!);
    const out = learner.network.apply(x, rowTasks);
    // Behaviour = target policy: rho = c = 1, so the targets are n-step returns; V-trace's clipping plays no part.
    const logits = await out.policyLogits.data();
    u.behaviourLogits = Float32Array.from(logits.subarray(0, T * N * 2));
    const n = Array.from(await out.baseline.data());
    const sigma = [2, 8];
    const mu = [0.5, 12];
    const V = n.map((v, i) => sigma[rowTasks[i]!]! * v + mu[rowTasks[i]!]!);
    let baselineHalf = 0;
    let pgLoss = 0;
    let wrongSpaceHalf = 0;
    const targets: number[] = new Array(T * N);
    for (let c = 0; c < N; c++) {
      const task = tasksOfColumns[c]!;
      let next = V[T * N + c]!;
      let nextN = n[T * N + c]!;
      for (let t = T - 1; t >= 0; t--) {
        const i = t * N + c;
        const discount = u.terminated[i] ? 0 : gamma;
        const vs = u.rewards[i]! + discount * next; // v_s in the task's own scale
        const advantage = u.rewards[i]! + discount * next - V[i]!; // r_s + gamma v_{s+1} - V(x_s)
        const l0 = logits[i * 2]!;
        const l1 = logits[i * 2 + 1]!;
        const m = Math.max(l0, l1);
        const logZ = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
        const logPi = (u.actions[i] === 0 ? l0 : l1) - logZ;
        baselineHalf += 0.5 * ((vs - mu[task]!) / sigma[task]! - n[i]!) ** 2;
        pgLoss -= logPi * (advantage / sigma[task]!);
        // What targets computed from the normalised outputs would give instead.
        const vsWrong = u.rewards[i]! + discount * nextN;
        wrongSpaceHalf += 0.5 * (vsWrong - n[i]!) ** 2;
        targets[i] = vs;
        next = vs;
        nextN = vsWrong;
      }
    }
    const result = await learner.update(assembleBatch([u]));
    expect(result.applied).toBe(true);
    expect(Math.abs(result.baselineLoss - baselineHalf)).toBeLessThanOrEqual(1e-4 * Math.max(1, baselineHalf));
    expect(Math.abs(result.policyGradientLoss - pgLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(pgLoss)));
    expect(Math.abs(wrongSpaceHalf - baselineHalf)).toBeGreaterThan(0.1 * baselineHalf);
    // Then each task's statistics moved towards its own targets.
    for (const task of [0, 1]) {
      const own = targets.filter((_, i) => tasksOfColumns[i % N] === task);
      const meanV = own.reduce((a, b) => a + b, 0) / own.length;
      const meanSq = own.reduce((a, b) => a + b * b, 0) / own.length;
      const nu = [0.5 ** 2 + 4, 12 ** 2 + 64][task]!;
      expect(result.popart!.mu[task]).toBeCloseTo(0.99 * mu[task]! + 0.01 * meanV, 4);
      expect(result.popart!.sigma[task]).toBeCloseTo(Math.sqrt(0.99 * nu + 0.01 * meanSq - (0.99 * mu[task]! + 0.01 * meanV) ** 2), 4);
    }
    tf.dispose([x, out.policyLogits, out.baseline]);
    learner.dispose();
  });

  it('keeps tf.memory().numTensors flat across updates of a suite learner with PopArt', async () => {
    const learner = new Learner({ ...options, network: { kind: 'minatar' }, spec: { observationShape: [10, 10, 31], numActions: 6, numTasks: 2 } });
    const actor = new Actor({
      actorIndex: 0, envId: 'suite/minatar', numEnvs: 2, unrollLength: 5, seed: 1, network: { kind: 'minatar' },
      tasks: { envIds: ['suite/minatar/breakout', 'suite/minatar/asterix'], taskIds: [0, 1], numTasks: 2 },
    });
    const step = async (): Promise<void> => {
      actor.setWeights(learner.version, await learner.getWeights());
      await learner.update(assembleBatch([await actor.unroll()]));
    };
    await step();
    await step();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 15; i++) await step();
    expect(tf.memory().numTensors).toBe(baseline);
    learner.dispose();
    actor.dispose();
  });

  it('restores PopArt statistics with the weights, and refuses a mismatch', () => {
    const learner = new Learner(options);
    const weights = learner.network.variables.map((v) => new Float32Array(v.size));
    learner.restore({ version: 3, frames: 10, weights, popart: { mu: [1, 2], nu: [5, 8] } });
    expect(learner.popart!.getState()).toEqual({ mu: [1, 2], nu: [5, 8] });
    expect(() => learner.restore({ version: 3, frames: 10, weights })).toThrow(/no PopArt statistics/);
    learner.dispose();
    const plain = new Learner({ ...options, popart: null });
    expect(() => plain.restore({ version: 3, frames: 10, weights, popart: { mu: [1, 2], nu: [5, 8] } })).toThrow(/used PopArt/);
    plain.dispose();
  });
});
