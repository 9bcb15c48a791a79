import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Actor, type ActorOptions } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { assembleBatch } from '../../src/core/learner/batch';
import { coreInputsOf } from '../../src/core/learner/coreInputs';
import { Learner, type LearnerOptions } from '../../src/core/learner/learner';
import { CoreCarry } from '../../src/core/model/coreCarry';
import type { Network, NetworkConfig } from '../../src/core/model/networks';
import { useWasmBackend } from '../../src/node/tfWasm';
import { SMALL_LEARNER } from '../support/smallLearner';

/**
 * The recurrent agent end to end: the actor steps the LSTM one step at a
 * time; the learner replays it over each unroll from the stored state. With
 * the same weights the two must agree, episode boundaries included.
 */

beforeAll(async () => {
  await useWasmBackend();
});

const LSTM_MLP: NetworkConfig = { kind: 'mlp', hiddenSizes: [16], core: { kind: 'lstm', size: 8 } };

function learnerFor(network: NetworkConfig, spec: LearnerOptions['spec'], extra: Partial<LearnerOptions> = {}): Learner {
  return new Learner({ ...SMALL_LEARNER, network, spec, ...extra });
}

function actorFor(envId: string, network: NetworkConfig, extra: Partial<ActorOptions> = {}): Actor {
  return new Actor({ actorIndex: 0, envId, numEnvs: 3, unrollLength: 20, seed: 4, network, ...extra });
}

/**
 * Logits and values of every row of `u`, stepping `network` one step at a
 * time with a carry driven by the unroll's own actions, rewards and episode
 * ends: the actor's way, independent of the learner's sequence pass.
 */
function stepByStep(network: Network, u: Unroll): { logits: Float32Array; values: Float32Array } {
  const N = u.numEnvs;
  const A = u.numActions;
  const H = network.core!.config.size;
  const size = u.observationShape.reduce((a, b) => a * b, 1);
  const carry = new CoreCarry(N, H);
  carry.h.set(u.core!.initialState.h);
  carry.c.set(u.core!.initialState.c);
  carry.previousActions.set(u.core!.previousActions);
  carry.previousRewards.set(u.core!.previousRewards);
  const logits = new Float32Array((u.T + 1) * N * A);
  const values = new Float32Array((u.T + 1) * N);
  for (let t = 0; t <= u.T; t++) {
    const x = tf.tensor(u.observations.subarray(t * N * size, (t + 1) * N * size), [N, ...u.observationShape], 'float32');
    const out = network.apply(x, undefined, carry.inputs());
    const data = tf.concat([out.policyLogits, tf.reshape(out.baseline, [N, 1]), out.coreOutputs!.h, out.coreOutputs!.c], 1);
    const read = data.dataSync();
    tf.dispose([x, out.policyLogits, out.baseline, out.coreOutputs!.h, out.coreOutputs!.c, data]);
    const width = A + 1 + 2 * H;
    for (let k = 0; k < N; k++) {
      logits.set(read.subarray(k * width, k * width + A), (t * N + k) * A);
      values[t * N + k] = read[k * width + A]!;
    }
    if (t === u.T) break;
    const actions = u.actions.subarray(t * N, (t + 1) * N);
    const rewards = u.rewards.subarray(t * N, (t + 1) * N);
    carry.advance({ data: read, rowWidth: width, hOffset: A + 1, cOffset: A + 1 + H }, actions, rewards, (k) => u.terminated[t * N + k] === 1 || u.truncated[t * N + k] === 1);
  }
  return { logits, values };
}

describe('the LSTM agent: actor and learner agree', () => {
  it("the learner's pass over an unroll equals the actor's step-by-step logits and values (1e-5), across episode ends", async () => {
    const learner = learnerFor(LSTM_MLP, { observationShape: [4], numActions: 2 });
    const actor = actorFor('classic/CartPole-v1', LSTM_MLP);
    actor.setWeights(0, await learner.getWeights());
    let boundaries = 0;
    for (let i = 0; i < 3; i++) {
      const u = await actor.unroll();
      expect(u.core).toBeDefined();
      if (i > 0) expect(u.core!.initialState.h.some((x) => x !== 0)).toBe(true);
      boundaries += u.terminated.reduce((a, b) => a + b, 0);
      const batch = assembleBatch([u]);
      const out = learner.network.apply(tf.tensor(batch.observations, [(u.T + 1) * u.numEnvs, 4]), undefined, coreInputsOf(batch));
      const logits = out.policyLogits.dataSync();
      const values = out.baseline.dataSync();
      tf.dispose([out.policyLogits, out.baseline, out.coreOutputs!.h, out.coreOutputs!.c]);
      const reference = stepByStep(learner.network, u);
      for (let k = 0; k < u.behaviourLogits.length; k++) {
        expect(Math.abs(logits[k]! - u.behaviourLogits[k]!)).toBeLessThan(1e-5);
      }
      for (let k = 0; k < reference.logits.length; k++) expect(Math.abs(logits[k]! - reference.logits[k]!)).toBeLessThan(1e-5);
      for (let k = 0; k < reference.values.length; k++) expect(Math.abs(values[k]! - reference.values[k]!)).toBeLessThan(1e-5);
    }
    // A random CartPole policy ends episodes within 60 steps of 3 environments: the resets were exercised.
    expect(boundaries).toBeGreaterThan(0);
    actor.dispose();
    learner.dispose();
  });

  it('bootstraps a truncated episode from one more core step after the state it was cut in', async () => {
    // MountainCar-v0 truncates at 200 steps; a near-uniform policy never reaches the flag.
    const network: NetworkConfig = { kind: 'mlp', hiddenSizes: [8], core: { kind: 'lstm', size: 6 } };
    const spec = { observationShape: [2], numActions: 3 };
    const learner = learnerFor(network, spec);
    const actor = actorFor('classic/MountainCar-v0', network, { numEnvs: 2, unrollLength: 50 });
    actor.setWeights(0, await learner.getWeights());
    let u = await actor.unroll();
    while (u.truncatedIndices.length === 0) u = await actor.unroll();
    const batch = assembleBatch([u]);
    // The reference: step column c up to x_t, then one step on x_final after a_t and r_t.
    const N = u.numEnvs;
    const H = 6;
    const expected = Array.from(u.truncatedIndices, (flat, k) => {
      const t = Math.floor(flat / N);
      const col = flat % N;
      const carry = new CoreCarry(1, H);
      carry.h.set(u.core!.initialState.h.subarray(col * H, (col + 1) * H));
      carry.c.set(u.core!.initialState.c.subarray(col * H, (col + 1) * H));
      carry.previousActions[0] = u.core!.previousActions[col]!;
      carry.previousRewards[0] = u.core!.previousRewards[col]!;
      const step = (x: ArrayLike<number>): { value: number; read: Float32Array } => {
        const out = learner.network.apply(tf.tensor2d(Float32Array.from(x), [1, 2]), undefined, carry.inputs());
        const data = tf.concat([tf.reshape(out.baseline, [1, 1]), out.coreOutputs!.h, out.coreOutputs!.c], 1);
        const read = data.dataSync() as Float32Array;
        tf.dispose([out.policyLogits, out.baseline, out.coreOutputs!.h, out.coreOutputs!.c, data]);
        return { value: read[0]!, read };
      };
      for (let s = 0; s <= t; s++) {
        const { read } = step(u.observations.subarray((s * N + col) * 2, (s * N + col + 1) * 2));
        const done = s < t && (u.terminated[s * N + col] === 1 || u.truncated[s * N + col] === 1);
        carry.advance({ data: read, rowWidth: 1 + 2 * H, hOffset: 1, cOffset: 1 + H }, [u.actions[s * N + col]!], [u.rewards[s * N + col]!], () => done);
      }
      return step(u.truncatedObservations.subarray(k * 2, (k + 1) * 2)).value;
    });
    const result = await learner.update(batch);
    expect(result.applied).toBe(true);
    const inspection = (await learner.lastBatchInspection())!;
    expect(inspection.truncatedValues.length).toBe(expected.length);
    inspection.truncatedValues.forEach((v, k) => expect(Math.abs(v - expected[k]!)).toBeLessThan(1e-5));
    actor.dispose();
    learner.dispose();
  });
});

describe('the LSTM learner', () => {
  for (const [name, network, envId, spec] of [
    ['MLP + LSTM on CartPole', LSTM_MLP, 'classic/CartPole-v1', { observationShape: [4], numActions: 2 }],
    ['MinAtar CNN + LSTM on Breakout', { kind: 'minatar', convChannels: 4, hiddenSize: 16, core: { kind: 'lstm', size: 8 } }, 'minatar/breakout', { observationShape: [10, 10, 4], numActions: 6 }],
  ] as const) {
    it(`keeps tf.memory().numTensors flat across updates and learns from its unrolls (${name})`, async () => {
      const learner = learnerFor(network, spec, { popart: { beta: 3e-4 } });
      const actor = actorFor(envId, network, { unrollLength: 8 });
      actor.setWeights(0, await learner.getWeights());
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        const unrolls = [await actor.unroll(), await actor.unroll()];
        const result = await learner.update(assembleBatch(unrolls));
        expect(result.applied).toBe(true);
        expect(Number.isFinite(result.totalLoss)).toBe(true);
        actor.setWeights(result.version, await learner.getWeights());
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1);
      expect(learner.version).toBe(4);
      actor.dispose();
      learner.dispose();
    });
  }

  it('refuses a batch without core state for a recurrent network, and the other way round', async () => {
    const recurrent = learnerFor(LSTM_MLP, { observationShape: [4], numActions: 2 });
    const feedForward = learnerFor({ kind: 'mlp', hiddenSizes: [16] }, { observationShape: [4], numActions: 2 });
    const lstmActor = actorFor('classic/CartPole-v1', LSTM_MLP);
    const ffActor = actorFor('classic/CartPole-v1', { kind: 'mlp', hiddenSizes: [16] });
    lstmActor.setWeights(0, await recurrent.getWeights());
    ffActor.setWeights(0, await feedForward.getWeights());
    const withCore = await lstmActor.unroll();
    const without = await ffActor.unroll();
    await expect(recurrent.update(assembleBatch([without]))).rejects.toThrow(/LSTM core, but the batch carries no core state/);
    await expect(feedForward.update(assembleBatch([withCore]))).rejects.toThrow(/no core/);
    expect(() => assembleBatch([withCore, without])).toThrow(/core state/);
    for (const x of [recurrent, feedForward, lstmActor, ffActor]) x.dispose();
  });

  it('names the core when weights of a network with or without one are set into the other, and changes nothing', async () => {
    const recurrent = learnerFor(LSTM_MLP, { observationShape: [4], numActions: 2 });
    const feedForward = learnerFor({ kind: 'mlp', hiddenSizes: [16] }, { observationShape: [4], numActions: 2 });
    const before = await feedForward.getWeights();
    const lstmWeights = await recurrent.getWeights();
    expect(() => feedForward.setWeights(lstmWeights)).toThrow(/no LSTM core; the weights look like a network with one/);
    expect(() => recurrent.setWeights(before)).toThrow(/an LSTM core of size 8; the weights look like a network without one/);
    expect(await feedForward.getWeights()).toEqual(before);
    recurrent.dispose();
    feedForward.dispose();
  });

  it('stacks the unrolls\' core states column by column', async () => {
    const learner = learnerFor(LSTM_MLP, { observationShape: [4], numActions: 2 });
    const a = actorFor('classic/CartPole-v1', LSTM_MLP, { numEnvs: 2 });
    const b = actorFor('classic/CartPole-v1', LSTM_MLP, { actorIndex: 1, numEnvs: 3 });
    const weights = await learner.getWeights();
    a.setWeights(0, weights);
    b.setWeights(0, weights);
    await a.unroll();
    await b.unroll();
    const [ua, ub] = [await a.unroll(), await b.unroll()];
    const batch = assembleBatch([ua, ub]);
    expect(Array.from(batch.core!.initialState.h)).toEqual([...ua.core!.initialState.h, ...ub.core!.initialState.h]);
    expect(Array.from(batch.core!.initialState.c)).toEqual([...ua.core!.initialState.c, ...ub.core!.initialState.c]);
    expect(Array.from(batch.core!.previousActions)).toEqual([...ua.core!.previousActions, ...ub.core!.previousActions]);
    expect(Array.from(batch.core!.previousRewards)).toEqual([...ua.core!.previousRewards, ...ub.core!.previousRewards]);
    for (const x of [learner, a, b]) x.dispose();
  });

  it('an actor restored from getState() continues with the same core state and unrolls', async () => {
    const learner = learnerFor(LSTM_MLP, { observationShape: [4], numActions: 2 });
    const weights = await learner.getWeights();
    const a = actorFor('classic/CartPole-v1', LSTM_MLP);
    a.setWeights(0, weights);
    await a.unroll();
    const b = actorFor('classic/CartPole-v1', LSTM_MLP);
    b.setWeights(0, weights);
    b.setState(a.getState());
    const [ua, ub] = [await a.unroll(), await b.unroll()];
    expect(Array.from(ub.core!.initialState.h)).toEqual(Array.from(ua.core!.initialState.h));
    expect(Array.from(ub.behaviourLogits)).toEqual(Array.from(ua.behaviourLogits));
    const ff = actorFor('classic/CartPole-v1', { kind: 'mlp', hiddenSizes: [16] });
    expect(() => ff.setState(a.getState())).toThrow(/no LSTM core/);
    for (const x of [learner, a, b, ff]) x.dispose();
  });
});
