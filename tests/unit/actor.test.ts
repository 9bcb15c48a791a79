import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { sampleCategorical } from '../../src/core/actor/sampleCategorical';
import { Actor } from '../../src/core/actor/actor';
import { unrollTransferables } from '../../src/core/actor/unroll';
import { RandomState } from '../../src/core/rng/randomState';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

describe('sampleCategorical', () => {
  it('inverts the softmax CDF with one rand() per row, as a float64 reference does', () => {
    const logits = [0.1, 2, -1, 0, 0, 0, 5, -5, 1];
    const out = new Int32Array(3);
    sampleCategorical(logits, 3, new RandomState(4), out);
    const r = new RandomState(4);
    const expected = [0, 1, 2].map((row) => {
      const l = logits.slice(row * 3, row * 3 + 3);
      const p = l.map(Math.exp);
      const z = p.reduce((a, b) => a + b, 0);
      const u = r.rand();
      let c = 0;
      for (let a = 0; a < 3; a++) {
        c += p[a]! / z;
        if (u < c) return a;
      }
      return 2;
    });
    expect(Array.from(out)).toEqual(expected);
  });

  it('draws actions with the softmax probabilities (chi-square over 60,000 draws)', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const rows = 60_000;
    const out = new Int32Array(rows);
    sampleCategorical(Array.from({ length: rows * 3 }, (_, i) => logits[i % 3]!), 3, new RandomState(9), out);
    const counts = [0, 0, 0];
    out.forEach((a) => counts[a]!++);
    const chi2 = [0.5, 0.3, 0.2].reduce((s, p, a) => s + (counts[a]! - p * rows) ** 2 / (p * rows), 0);
    expect(chi2).toBeLessThan(13.8); // p = 0.001 for 2 degrees of freedom
  });
});

describe('Actor', () => {
  const options = { actorIndex: 1, envId: 'classic/CartPole-v1', envOptions: { maxEpisodeSteps: 7 }, numEnvs: 3, unrollLength: 5, seed: 3, network: { kind: 'mlp' as const } };

  it('returns time-major unrolls that overlap by one step, with the behaviour logits of the acting network', async () => {
    const actor = new Actor(options);
    await expect(actor.unroll()).rejects.toThrow(/setWeights/);
    const net = createNetwork({ kind: 'mlp' }, { observationShape: [4], numActions: 2 }, 11);
    actor.setWeights(4, await getNetworkWeights(net));
    const u1 = await actor.unroll();
    const u2 = await actor.unroll();
    expect(u1.policyVersion).toBe(4);
    expect([u1.T, u1.numEnvs, u1.numActions]).toEqual([5, 3, 2]);
    expect(u1.observations.length).toBe(6 * 3 * 4);
    expect(u1.actions.length).toBe(15);
    expect(u1.behaviourLogits.length).toBe(30);
    // x_T of one unroll is x_0 of the next.
    expect(Array.from(u2.observations.subarray(0, 12))).toEqual(Array.from(u1.observations.subarray(5 * 12, 6 * 12)));
    // Behaviour logits are the acting network's logits for x_t.
    const expected = net.apply(tf.tensor(u1.observations.subarray(0, 5 * 12), [15, 4])).policyLogits;
    const e = await expected.data();
    u1.behaviourLogits.forEach((l, i) => expect(l).toBeCloseTo(e[i]!, 5));
    // Every buffer is separate, so the unroll can be transferred whole.
    expect(new Set(unrollTransferables(u1)).size).toBe(12);
    actor.dispose();
    net.dispose();
  });

  it('records time-limit truncations with the observation the episode ended on, and finished episodes', async () => {
    const actor = new Actor({ ...options, unrollLength: 7 });
    const net = createNetwork({ kind: 'mlp' }, { observationShape: [4], numActions: 2 }, 1);
    actor.setWeights(0, await getNetworkWeights(net));
    let truncations = 0;
    let episodes = 0;
    for (let k = 0; k < 4; k++) {
      const u = await actor.unroll();
      expect(u.truncatedObservations.length).toBe(u.truncatedIndices.length * 4);
      u.truncatedIndices.forEach((flat) => expect(u.truncated[flat]).toBe(1));
      truncations += u.truncatedIndices.length;
      episodes += u.episodeReturns.length;
      u.episodeLengths.forEach((len, i) => {
        expect(len).toBeLessThanOrEqual(7);
        expect(u.episodeReturns[i]).toBe(len); // CartPole pays 1 per step
      });
    }
    expect(truncations).toBeGreaterThan(0);
    expect(episodes).toBeGreaterThanOrEqual(truncations);
    actor.dispose();
    net.dispose();
  });
});
