import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sampleCategorical } from '../../src/core/actor/sampleCategorical';
import { createEnv, type EnvOptions, type EnvSettings } from '../../src/core/envs/registry';
import { createNetwork, type NetworkConfig } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { renderFrame } from '../../src/core/render/renderFrame';
import { RandomState } from '../../src/core/rng/randomState';
import { PolicyPlayer, policyPlayerSeeds, type PlayerStep } from '../../src/core/replay/policyPlayer';
import { renderReplayStep, type Recording } from '../../src/core/replay/replay';
import { RecordingStore } from '../../src/core/replay/recordingStore';
import { SUITE_CHANNELS, SUITE_GAMES, suiteTaskEnvId } from '../../src/core/envs/suite/minatarSuite';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

interface Case {
  envId: string;
  network: NetworkConfig;
  envSettings: EnvSettings;
  observationShape: number[];
  numActions: number;
}

const CASES: Case[] = [
  { envId: 'classic/CartPole-v1', network: { kind: 'mlp' }, envSettings: {}, observationShape: [4], numActions: 2 },
  { envId: 'minatar/breakout', network: { kind: 'minatar' }, envSettings: {}, observationShape: [10, 10, 4], numActions: 6 },
];

/** Weights with a policy head scaled up, so that pi is far from uniform and sampling is a real test. */
async function sharpWeights(c: Case, seed: number): Promise<Float32Array[]> {
  const net = createNetwork(c.network, { observationShape: c.observationShape, numActions: c.numActions }, seed);
  const weights = await getNetworkWeights(net);
  net.dispose();
  const policyW = weights.length - 4; // [..., policy_w, policy_b, baseline_w, baseline_b]
  weights[policyW] = weights[policyW]!.map((w) => w * 1000);
  return weights;
}

/** The reference: the network's logits for one observation, read independently of the player. */
async function referenceLogits(c: Case, weights: Float32Array[], observation: Float32Array | Uint8Array): Promise<number[]> {
  const net = createNetwork(c.network, { observationShape: c.observationShape, numActions: c.numActions }, 0, false);
  net.variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape)));
  const x = tf.tensor(observation, [1, ...c.observationShape], 'float32');
  const { policyLogits, baseline } = net.apply(x);
  const logits = Array.from(await policyLogits.data());
  tf.dispose([x, policyLogits, baseline]);
  net.dispose();
  return logits;
}

/** softmax written as the formula: exp(l_a) / sum_b exp(l_b), float64. */
function softmaxFormula(logits: readonly number[]): number[] {
  const e = logits.map(Math.exp);
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
}

/** What the network sees for a recorded step: the float32 observation (CartPole's is its state rounded to float32). */
function networkInput(c: Case, observation: Uint8Array | number[]): Float32Array | Uint8Array {
  if (observation instanceof Uint8Array) return observation;
  expect(c.envId).toBe('classic/CartPole-v1');
  return Float32Array.from(observation);
}

async function play(player: PolicyPlayer, n: number): Promise<PlayerStep[]> {
  const out: PlayerStep[] = [];
  for (let i = 0; i < n; i++) out.push(await player.step());
  return out;
}

describe.each(CASES)('PolicyPlayer on $envId', (c) => {
  const seed = 21;

  it('acts with pi = softmax(logits) in float64, sampled with its seeded generator as sampleCategorical does', async () => {
    const weights = await sharpWeights(c, 5);
    const player = new PolicyPlayer({ envId: c.envId, envSettings: c.envSettings, network: c.network, seed });
    await expect(player.step()).rejects.toThrow(/setWeights/);
    player.setWeights(3, weights);
    const played = await play(player, 40);
    const sampler = new RandomState(policyPlayerSeeds(seed).policy);
    const out = new Int32Array(1);
    let nonUniform = 0;
    for (const { step, policyVersion } of played) {
      expect(policyVersion).toBe(3);
      const logits = await referenceLogits(c, weights, networkInput(c, step.observation));
      const expected = softmaxFormula(logits);
      expect(step.actionProbabilities).toHaveLength(c.numActions);
      expect(Math.abs(step.actionProbabilities.reduce((s, p) => s + p, 0) - 1)).toBeLessThan(1e-9);
      step.actionProbabilities.forEach((p, a) => expect(Math.abs(p - expected[a]!)).toBeLessThan(1e-12));
      if (Math.max(...expected) > 1.4 / c.numActions) nonUniform++;
      sampleCategorical(logits, c.numActions, sampler, out);
      expect(step.action).toBe(out[0]);
    }
    expect(nonUniform).toBeGreaterThan(0);
    player.dispose();
  });

  it('acts greedily (argmax pi) when asked, without drawing from its generator', async () => {
    const weights = await sharpWeights(c, 6);
    const player = new PolicyPlayer({ envId: c.envId, network: c.network, seed, greedy: true });
    player.setWeights(0, weights);
    for (const { step } of await play(player, 30)) {
      const p = step.actionProbabilities;
      expect(step.action).toBe(p.indexOf(Math.max(...p)));
    }
    // Back to sampling: the generator is where it started, untouched by greedy steps.
    player.setGreedy(false);
    expect(player.greedy).toBe(false);
    const sampler = new RandomState(policyPlayerSeeds(seed).policy);
    const out = new Int32Array(1);
    for (const { step } of await play(player, 10)) {
      const logits = await referenceLogits(c, weights, networkInput(c, step.observation));
      sampleCategorical(logits, c.numActions, sampler, out);
      expect(step.action).toBe(out[0]);
    }
    player.dispose();
  });

  it('hands over each finished episode: rewards sum to the return, one stored step per step', async () => {
    const player = new PolicyPlayer({ envId: c.envId, envSettings: c.envSettings, network: c.network, seed });
    player.setWeights(1, await sharpWeights(c, 7));
    const finished: Recording[] = [];
    let rewards = 0;
    let t = 0;
    for (let i = 0; i < 400 && finished.length < 3; i++) {
      const s = await player.step();
      expect(s.t).toBe(t);
      expect(s.episode).toBe(finished.length);
      rewards += s.step.reward;
      expect(s.returnSoFar).toBe(rewards);
      expect(s.done).toBe(s.finished !== undefined);
      t++;
      if (s.finished) {
        finished.push(s.finished);
        expect(s.finished.length).toBe(t);
        expect(s.finished.steps.at(-1)).toBe(s.step);
        rewards = 0;
        t = 0;
      }
    }
    expect(finished.length).toBeGreaterThan(0);
    for (const r of finished) {
      expect(r.envId).toBe(c.envId);
      expect(r.policyVersion).toBe(1);
      expect(r.actionNames).toHaveLength(c.numActions);
      expect(r.truncatedAt).toBeUndefined();
      expect(r.steps).toHaveLength(r.length);
      expect(r.steps.reduce((s, step) => s + step.reward, 0)).toBe(r.episodeReturn);
    }
    player.dispose();
  });

  it('draws a recorded step exactly as renderFrame drew the live environment at that step', async () => {
    const player = new PolicyPlayer({ envId: c.envId, envSettings: c.envSettings, network: c.network, seed, frameScale: 2 });
    player.setWeights(0, await sharpWeights(c, 8));
    // An independent environment with the player's seed, driven by the recorded actions.
    const reference = createEnv(c.envId, { ...c.envSettings, seed: policyPlayerSeeds(seed).env } as EnvOptions);
    reference.reset();
    let episodes = 0;
    for (const s of await play(player, 150)) {
      const expected = renderFrame(reference, 2);
      expect(s.frame).toEqual(expected);
      expect(renderReplayStep(c.envId, c.observationShape, s.step, 2)).toEqual(expected);
      const r = reference.step(s.step.action);
      expect(r.reward).toBe(s.step.reward);
      expect(r.terminated || r.truncated).toBe(s.done);
      if (s.done) {
        reference.reset();
        episodes++;
      }
    }
    expect(episodes).toBeGreaterThan(0);
    player.dispose();
  });

  it('keeps the tensor count flat over 500 steps', async () => {
    const player = new PolicyPlayer({ envId: c.envId, network: c.network, seed });
    player.setWeights(0, await sharpWeights(c, 9));
    await player.step();
    const before = tf.memory().numTensors;
    await play(player, 500);
    player.setWeights(1, await sharpWeights(c, 10));
    await play(player, 10);
    expect(tf.memory().numTensors).toBe(before);
    player.dispose();
  });
});

describe('PolicyPlayer limits', () => {
  it('stores at most maxSteps steps of an episode that plays on beyond them', async () => {
    const c = CASES[0]!;
    const player = new PolicyPlayer({ envId: c.envId, network: c.network, seed: 2, maxSteps: 6 });
    player.setWeights(0, await sharpWeights(c, 11));
    const finished: Recording[] = [];
    for (let i = 0; i < 600 && finished.length < 8; i++) {
      const s = await player.step();
      if (s.finished) finished.push(s.finished);
    }
    const long = finished.filter((r) => r.length > 6);
    expect(long.length).toBeGreaterThan(0);
    for (const r of long) {
      expect(r.steps).toHaveLength(6);
      expect(r.truncatedAt).toBe(6);
      expect(r.episodeReturn).toBe(r.length); // CartPole: +1 per step, stored or not
    }
    for (const r of finished.filter((x) => x.length <= 6)) {
      expect(r.truncatedAt).toBeUndefined();
      expect(r.steps).toHaveLength(r.length);
    }
    player.dispose();
  });

  it('runs overlapping steps one after another and reports time-limit ends', async () => {
    const c = CASES[0]!;
    const player = new PolicyPlayer({ envId: c.envId, envSettings: { maxEpisodeSteps: 3 }, network: c.network, seed: 4 });
    player.setWeights(0, await sharpWeights(c, 12));
    const [first, second, third] = await Promise.all([player.step(), player.step(), player.step()]);
    expect([first.t, second.t, third.t]).toEqual([0, 1, 2]);
    expect(third.finished?.end).toBe('time-limit');
    expect(third.finished?.length).toBe(3);
    expect(third.finished?.steps.map((s) => s.action)).toEqual([first, second, third].map((s) => s.step.action));
    expect(() => new PolicyPlayer({ envId: c.envId, network: c.network, seed: 0, maxSteps: 0 })).toThrow(/maxSteps/);
    player.dispose();
    await expect(player.step()).rejects.toThrow(/disposed/);
  });
});

describe('PolicyPlayer on the suite/minatar task suite', () => {
  const tasks = SUITE_GAMES.map((name) => ({ name, envId: suiteTaskEnvId(name) }));
  const network: NetworkConfig = { kind: 'minatar' };
  const spec = { observationShape: [10, 10, SUITE_CHANNELS], numActions: 6, numTasks: SUITE_GAMES.length };
  const seed = 31;

  /** A 5-task network whose value for task k is exactly 100 (k + 1) (zero value weights), with a sharp policy. */
  async function suiteWeights(): Promise<Float32Array[]> {
    const net = createNetwork(network, spec, 13);
    const weights = await getNetworkWeights(net);
    net.dispose();
    const n = weights.length; // [..., policy_w, policy_b, baseline_w, baseline_b]
    weights[n - 4] = weights[n - 4]!.map((w) => w * 1000);
    weights[n - 2] = new Float32Array(weights[n - 2]!.length);
    weights[n - 1] = Float32Array.from(SUITE_GAMES, (_, k) => 100 * (k + 1));
    return weights;
  }

  async function referenceSuiteLogits(weights: Float32Array[], observation: Uint8Array, task: number): Promise<number[]> {
    const net = createNetwork(network, spec, 0, false);
    net.variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape)));
    const x = tf.tensor(observation, [1, ...spec.observationShape], 'float32');
    const { policyLogits, baseline } = net.apply(x, [task]);
    const logits = Array.from(await policyLogits.data());
    tf.dispose([x, policyLogits, baseline]);
    net.dispose();
    return logits;
  }

  it("plays the chosen game with its task id, pi summing to 1, drawn in the game's own palette", async () => {
    const weights = await suiteWeights();
    const player = new PolicyPlayer({ envId: suiteTaskEnvId('breakout'), tasks, network, seed, frameScale: 2 });
    player.setWeights(0, weights);
    expect(player.taskIndex).toBe(1);
    expect(player.envId).toBe('suite/minatar/breakout');
    expect(player.spec.observationShape).toEqual([10, 10, 31]);
    for (const [task, game] of [[1, 'breakout'], [3, 'seaquest']] as const) {
      player.setTask(task);
      // Independent references with the player's seed for this task, driven by its actions: the suite layout the network sees, and the game alone.
      const suiteEnv = createEnv(suiteTaskEnvId(game), { seed: policyPlayerSeeds(seed, task).env });
      const alone = createEnv(`minatar/${game}`, { seed: policyPlayerSeeds(seed, task).env });
      suiteEnv.reset();
      alone.reset();
      const observation = new Uint8Array(100 * SUITE_CHANNELS);
      let episodes = 0;
      for (let i = 0; i < 60; i++) {
        const s = await player.step();
        expect(player.envId).toBe(suiteTaskEnvId(game));
        if (i === 0) expect(s.t).toBe(0);
        suiteEnv.writeObservation(observation, 0);
        const expected = softmaxFormula(await referenceSuiteLogits(weights, observation, task));
        expect(Math.abs(s.step.actionProbabilities.reduce((a, p) => a + p, 0) - 1)).toBeLessThan(1e-9);
        s.step.actionProbabilities.forEach((p, a) => expect(Math.abs(p - expected[a]!)).toBeLessThan(1e-9));
        expect(s.step.value).toBe(100 * (task + 1));
        // Frames and replays in the game's own channels and colours.
        expect(s.frame).toEqual(renderFrame(alone, 2));
        expect(s.step.observation).toHaveLength(alone.spec.observationSize);
        expect(renderReplayStep(suiteTaskEnvId(game), spec.observationShape, s.step, 2)).toEqual(s.frame);
        const r = suiteEnv.step(s.step.action);
        alone.step(s.step.action);
        expect(r.reward).toBe(s.step.reward);
        if (s.done) {
          expect(s.finished?.envId).toBe(suiteTaskEnvId(game));
          suiteEnv.reset();
          alone.reset();
          episodes++;
        }
      }
      if (game === 'breakout') expect(episodes).toBeGreaterThan(0);
    }
    expect(() => player.setTask(5)).toThrow(/task/);
    expect(() => new PolicyPlayer({ envId: 'minatar/breakout', tasks, network, seed })).toThrow(/none of the tasks/);
    player.dispose();
  });

  it("shows PopArt values in the game's own scale, sigma n + mu", async () => {
    const player = new PolicyPlayer({
      envId: suiteTaskEnvId('asterix'),
      tasks,
      network,
      seed,
      valueScale: (task) => ({ mu: task - 1, sigma: 0.5 }),
    });
    player.setWeights(0, await suiteWeights());
    expect((await player.step()).step.value).toBe(0.5 * 100 - 1);
    player.setTask(4);
    expect((await player.step()).step.value).toBe(0.5 * 500 + 3);
    player.dispose();
  });
});

describe('RecordingStore', () => {
  const recording = (episodeReturn: number, length = 3): Recording => ({
    envId: 'classic/CartPole-v1',
    actionNames: ['left', 'right'],
    policyVersion: 0,
    steps: Array.from({ length }, () => ({ observation: [0, 0, 0, 0], actionProbabilities: [0.5, 0.5], action: 0, value: 0, reward: 1 })),
    episodeReturn,
    length,
    end: 'terminal',
  });

  it('keeps the latest and the best (earliest of equal returns) and tells subscribers', () => {
    const store = new RecordingStore();
    const seen: [number | undefined, number | undefined][] = [];
    const unsubscribe = store.subscribe(() => seen.push([store.latest?.episodeReturn, store.best?.episodeReturn]));
    expect(store.getSnapshot()).toEqual({ latest: null, best: null });
    const a = recording(5);
    const b = recording(9);
    const c = recording(9);
    const d = recording(2);
    for (const r of [a, b, c, d]) store.add(r);
    expect(store.latest).toBe(d);
    expect(store.best).toBe(b);
    expect(seen).toEqual([[5, 5], [9, 9], [9, 9], [2, 9]]);
    const snapshot = store.getSnapshot();
    expect(store.getSnapshot()).toBe(snapshot); // stable between changes
    store.add(recording(-1));
    expect(store.getSnapshot()).not.toBe(snapshot);
    unsubscribe();
    store.clear();
    expect(seen).toHaveLength(5);
    expect([store.latest, store.best]).toEqual([null, null]);
  });

  it('cuts recordings beyond its step cap', () => {
    const store = new RecordingStore({ maxSteps: 2 });
    store.add(recording(3, 3));
    expect(store.latest?.steps).toHaveLength(2);
    expect(store.latest?.truncatedAt).toBe(2);
    expect(store.latest?.length).toBe(3);
  });
});
