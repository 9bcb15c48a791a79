import { beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../../src/core/actor/actor';
import * as tf from '@tensorflow/tfjs';
import { CoreCarry } from '../../src/core/model/coreCarry';
import { createNetwork, type NetworkConfig } from '../../src/core/model/networks';
import { getNetworkWeights, setNetworkWeights } from '../../src/core/model/weights';
import { checkRecording } from '../../src/core/persistence/runSnapshot';
import { PolicyPlayer, type PlayerStep } from '../../src/core/replay/policyPlayer';
import { useWasmBackend } from '../../src/node/tfWasm';

/** A recurrent agent's replays: the player carries the LSTM like an actor, and records h_t for the memory strip (coreStateStrip.test.ts). */

beforeAll(async () => {
  await useWasmBackend();
});

const NETWORK: NetworkConfig = { kind: 'mlp', hiddenSizes: [8], core: { kind: 'lstm', size: 5 } };

describe('the policy player with an LSTM core', () => {
  it('records h_t of every step, starting each episode from a zero state, in recordings that load back', async () => {
    const net = createNetwork(NETWORK, { observationShape: [4], numActions: 2 }, 3);
    const weights = await getNetworkWeights(net);
    net.dispose();
    const player = new PolicyPlayer({ envId: 'classic/CartPole-v1', network: NETWORK, seed: 2, greedy: true });
    player.setWeights(0, weights);
    const steps: PlayerStep[] = [];
    let episodes = 0;
    while (episodes < 2) {
      const s = await player.step();
      steps.push(s);
      if (s.done) episodes++;
    }
    for (const s of steps) {
      expect(s.step.coreState).toHaveLength(5);
      expect(s.step.coreState!.every((x) => Math.abs(x) < 1)).toBe(true);
    }
    // A fresh player of the same seed starts from a zero state: its first h equals the first recorded one.
    const fresh = new PolicyPlayer({ envId: 'classic/CartPole-v1', network: NETWORK, seed: 2, greedy: true });
    fresh.setWeights(0, weights);
    const first = await fresh.step();
    expect(first.step.coreState).toEqual(steps[0]!.step.coreState);
    // The second episode's first step starts from a zero state too: h = LSTM(0, x) with no previous action or reward.
    const second = steps[steps.findIndex((s) => s.done) + 1]!;
    const probe = createNetwork(NETWORK, { observationShape: [4], numActions: 2 }, 0, false);
    setNetworkWeights(probe, weights);
    const out = probe.apply(tf.tensor2d(Float32Array.from(second.step.observation as number[]), [1, 4]), undefined, new CoreCarry(1, 5).inputs());
    const h = Array.from(out.coreOutputs!.h.dataSync());
    tf.dispose([out.policyLogits, out.baseline, out.coreOutputs!.h, out.coreOutputs!.c]);
    probe.dispose();
    h.forEach((x, j) => expect(Math.abs(x - second.step.coreState![j]!)).toBeLessThan(1e-6));
    // The memory moves: h differs from step to step within an episode.
    expect(steps[1]!.step.coreState).not.toEqual(steps[0]!.step.coreState);
    const recording = steps.find((s) => s.finished)!.finished!;
    expect(checkRecording(JSON.parse(JSON.stringify(recording)))).not.toBeNull();
    expect(checkRecording({ ...recording, steps: [{ ...recording.steps[0]!, coreState: ['x'] }] })).toBeNull();
    player.dispose();
    fresh.dispose();
  });

  it("gives an episode's first step the action probabilities an actor computes from a zero state", async () => {
    const net = createNetwork(NETWORK, { observationShape: [4], numActions: 2 }, 4);
    const weights = await getNetworkWeights(net);
    net.dispose();
    // The player's first observation (CartPole's state is its observation), through a fresh actor's network.
    const player = new PolicyPlayer({ envId: 'classic/CartPole-v1', network: NETWORK, seed: 9 });
    player.setWeights(0, weights);
    const { step } = await player.step();
    const actor = new Actor({ actorIndex: 0, envId: 'classic/CartPole-v1', numEnvs: 1, unrollLength: 1, seed: 1, network: NETWORK });
    actor.setWeights(0, weights);
    const logits = await actor.policyLogits(Float32Array.from(step.observation as number[]).subarray(0, 4));
    const z = Math.exp(logits[0]!) + Math.exp(logits[1]!);
    expect(step.actionProbabilities[0]).toBeCloseTo(Math.exp(logits[0]!) / z, 5);
    actor.dispose();
    player.dispose();
  });
});
