import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { assembleBatch } from '../../src/core/learner/batch';
import { BoundedQueue } from '../../src/core/learner/unrollQueue';
import { Learner, type LearnerOptions } from '../../src/core/learner/learner';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { RandomState } from '../../src/core/rng/randomState';
import { useWasmBackend } from '../../src/node/tfWasm';
import { SMALL_LEARNER } from '../support/smallLearner';

beforeAll(async () => {
  await useWasmBackend();
});

const learnerOptions: LearnerOptions = SMALL_LEARNER;

function fakeUnroll(T: number, N: number, seed: number, version = 0): Unroll {
  const r = new RandomState(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  return {
    actorIndex: 0, policyVersion: version, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32',
    observations: f((T + 1) * N * 4), actions: Int32Array.from({ length: T * N }, () => r.randint(2)), rewards: f(T * N),
    terminated: new Uint8Array(T * N), truncated: new Uint8Array(T * N), behaviourLogits: f(T * N * 2),
    truncatedIndices: new Int32Array(0), truncatedObservations: new Float32Array(0),
    episodeReturns: Float64Array.from([seed]), episodeLengths: Int32Array.from([seed]),
    taskIds: new Int32Array(N), episodeTaskIds: new Int32Array(1),
  };
}

describe('assembleBatch', () => {
  it('stacks unrolls time-major, their environments side by side', () => {
    const a = fakeUnroll(2, 1, 1, 3);
    const b = fakeUnroll(2, 2, 2, 4);
    b.truncated[1 * 2 + 1] = 1;
    b.truncatedIndices = Int32Array.from([3]);
    b.truncatedObservations = Float32Array.from([9, 8, 7, 6]);
    const batch = assembleBatch([a, b]);
    expect([batch.T, batch.cols, batch.frames]).toEqual([2, 3, 6]);
    for (let t = 0; t <= 2; t++) {
      expect(Array.from(batch.observations.subarray((t * 3) * 4, (t * 3 + 1) * 4))).toEqual(Array.from(a.observations.subarray(t * 4, t * 4 + 4)));
      expect(Array.from(batch.observations.subarray((t * 3 + 1) * 4, (t * 3 + 3) * 4))).toEqual(Array.from(b.observations.subarray(t * 8, t * 8 + 8)));
    }
    expect(batch.actions[1 * 3 + 2]).toBe(b.actions[1 * 2 + 1]);
    expect(batch.behaviourLogits[(1 * 3 + 2) * 2 + 1]).toBe(b.behaviourLogits[(1 * 2 + 1) * 2 + 1]);
    expect(Array.from(batch.truncatedIndices)).toEqual([1 * 3 + 2]);
    expect(Array.from(batch.truncatedObservations)).toEqual([9, 8, 7, 6]);
    expect(batch.policyVersions).toEqual([3, 4]);
    expect(batch.episodeReturns).toEqual([1, 2]);
    expect(() => assembleBatch([a, fakeUnroll(3, 1, 1)])).toThrow(/disagree/);
  });
});

describe('BoundedQueue', () => {
  it('makes producers wait when full and never drops an item', async () => {
    const q = new BoundedQueue<number>(2);
    const order: string[] = [];
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await q.put(i);
        order.push(`put ${i}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['put 0', 'put 1']);
    expect(q.size).toBe(2);
    const taken = [...(await q.take(2)), ...(await q.take(2)), ...(await q.take(1))];
    await producer;
    expect(taken).toEqual([0, 1, 2, 3, 4]);
    q.close(new Error('done'));
    await expect(q.put(9)).rejects.toThrow('done');
    await expect(new BoundedQueue<number>(1).take(2)).rejects.toThrow(/capacity/);
  });
});

describe('Learner', () => {
  it('bootstraps a time-limit truncation from V(x_final) and stops at a terminal state (float64 reference of the baseline loss)', async () => {
    const learner = new Learner(learnerOptions);
    const T = 3;
    const u = fakeUnroll(T, 2, 7);
    u.terminated[0 * 2 + 1] = 1; // env 1 ends at t = 0
    u.truncated[1 * 2 + 0] = 1; // env 0 is cut by the time limit at t = 1
    u.truncatedIndices = Int32Array.from([2]);
    u.truncatedObservations = Float32Array.from([0.3, -0.2, 0.1, 0.5]);
    // On-policy behaviour logits (rho = c = 1), so V-trace reduces to n-step returns.
    const out = learner.network.apply(tf.tensor(u.observations, [(T + 1) * 2, 4]));
    u.behaviourLogits = Float32Array.from((await out.policyLogits.data()).subarray(0, T * 2 * 2));
    const V = Array.from(await out.baseline.data());
    const vFinal = (await learner.network.apply(tf.tensor(u.truncatedObservations, [1, 4])).baseline.data())[0]!;
    const gamma = 0.9;
    let half = 0;
    for (let n = 0; n < 2; n++) {
      let v = V[T * 2 + n]!;
      for (let t = T - 1; t >= 0; t--) {
        const i = t * 2 + n;
        const ended = u.terminated[i] || u.truncated[i];
        const r = u.rewards[i]! + (u.truncated[i] ? gamma * vFinal : 0);
        v = r + (ended ? 0 : gamma) * v;
        half += 0.5 * (v - V[i]!) ** 2;
      }
    }
    const result = await learner.update(assembleBatch([u]));
    expect(result.applied).toBe(true);
    expect(Math.abs(result.baselineLoss - half)).toBeLessThanOrEqual(1e-4 * Math.max(1, half));
    learner.dispose();
  });

  it('skips a non-finite update and leaves the weights untouched', async () => {
    const learner = new Learner(learnerOptions);
    const before = await learner.getWeights();
    const u = fakeUnroll(4, 2, 3);
    u.rewards[3] = Number.NaN;
    const result = await learner.update(assembleBatch([u]));
    expect(result.applied).toBe(false);
    expect(learner.version).toBe(0);
    expect((await learner.getWeights()).map((w) => Array.from(w))).toEqual(before.map((w) => Array.from(w)));
    const ok = await learner.update(assembleBatch([fakeUnroll(4, 2, 4)]));
    expect(ok.applied).toBe(true);
    expect(learner.version).toBe(1);
    learner.dispose();
  });

  it('keeps tf.memory().numTensors flat across many updates', async () => {
    const learner = new Learner({ ...learnerOptions, network: { kind: 'mlp' } });
    const actor = new Actor({ actorIndex: 0, envId: 'classic/CartPole-v1', numEnvs: 4, unrollLength: 10, seed: 1, network: { kind: 'mlp' } });
    const step = async (): Promise<void> => {
      actor.setWeights(learner.version, await learner.getWeights());
      await learner.update(assembleBatch([await actor.unroll(), await actor.unroll()]));
    };
    await step();
    await step();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 40; i++) await step();
    expect(tf.memory().numTensors).toBe(baseline);
    learner.dispose();
    actor.dispose();
  });

  it('rejects a batch that does not fit its network', async () => {
    const learner = new Learner(learnerOptions);
    const u = fakeUnroll(2, 1, 1);
    u.observationShape = [2];
    u.observations = new Float32Array(6);
    await expect(learner.update(assembleBatch([u]))).rejects.toThrow(/does not fit the network/);
    learner.dispose();
  });
});

