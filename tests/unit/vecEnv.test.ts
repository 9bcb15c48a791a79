import { describe, expect, it } from 'vitest';
import { VecEnv } from '../../src/core/envs/vecEnv';
import { createEnv } from '../../src/core/envs/registry';
import { deriveSeed } from '../../src/core/rng/deriveSeed';
import { observe } from '../../src/core/envs/types';

describe('VecEnv', () => {
  it('steps N copies exactly like N single environments, resetting at episode end', () => {
    const n = 4;
    const vec = new VecEnv('minatar/breakout', { numEnvs: n, seed: 11, seedPath: [2] });
    const singles = Array.from({ length: n }, (_, i) => createEnv('minatar/breakout', { seed: deriveSeed(11, 2, i) }));
    vec.reset();
    singles.forEach((e) => e.reset());
    const size = vec.spec.observationSize;
    const actions = new Int32Array(n);
    let episodes = 0;
    for (let t = 0; t < 2000; t++) {
      for (let i = 0; i < n; i++) actions[i] = (t * 7 + i * 3) % 6;
      vec.step(actions);
      for (let i = 0; i < n; i++) {
        const env = singles[i]!;
        const r = env.step(actions[i]!);
        expect(vec.rewards[i]).toBe(r.reward);
        expect(vec.terminated[i]).toBe(r.terminated ? 1 : 0);
        if (r.terminated) {
          expect(Array.from(vec.finalObservations.subarray(i * size, (i + 1) * size))).toEqual(Array.from(observe(env)));
          env.reset();
          episodes++;
        }
        expect(Array.from(vec.observations.subarray(i * size, (i + 1) * size))).toEqual(Array.from(observe(env)));
      }
    }
    expect(episodes).toBeGreaterThan(10);
  });

  it('reports finished episodes with their return and length, and separates truncation', () => {
    const vec = new VecEnv('classic/CartPole-v1', { numEnvs: 3, seed: 1, envOptions: { maxEpisodeSteps: 5 } });
    vec.reset();
    const actions = new Int32Array(3);
    for (let t = 0; t < 4; t++) {
      vec.step(actions.fill(t % 2));
      expect(vec.stats.finishedCount).toBe(0);
    }
    vec.step(actions.fill(0));
    expect(vec.stats.finishedCount).toBe(3);
    expect(Array.from(vec.truncated)).toEqual([1, 1, 1]);
    expect(Array.from(vec.stats.finishedReturns.subarray(0, 3))).toEqual([5, 5, 5]);
    expect(Array.from(vec.stats.finishedLengths.subarray(0, 3))).toEqual([5, 5, 5]);
    expect(Array.from(vec.stats.finishedEnvs.subarray(0, 3))).toEqual([0, 1, 2]);
    vec.step(actions);
    expect(vec.stats.finishedCount).toBe(0);
    expect(vec.stats.runningLengths[0]).toBe(1);
  });

  it('a step that hits the time limit in a terminal state is terminal only, so that the learner does not bootstrap from it', () => {
    // How long CartPole lasts pushing left all the time from this slot's start: the limit is set to end exactly then.
    const seed = deriveSeed(5, 0);
    const probe = createEnv('classic/CartPole-v1', { seed });
    probe.reset();
    let length = 0;
    while (!probe.step(0).terminated) length++;
    length++;
    const single = createEnv('classic/CartPole-v1', { seed, maxEpisodeSteps: length } as Parameters<typeof createEnv>[1]);
    single.reset();
    for (let t = 1; t < length; t++) single.step(0);
    const last = single.step(0);
    // The environment says both, as Gymnasium's CartPole does on its 500th step when the pole falls then.
    expect([last.terminated, last.truncated]).toEqual([true, true]);
    const vec = new VecEnv('classic/CartPole-v1', { numEnvs: 1, seed: 5, envOptions: { maxEpisodeSteps: length } });
    vec.reset();
    for (let t = 0; t < length; t++) vec.step(new Int32Array([0]));
    expect([vec.terminated[0], vec.truncated[0]]).toEqual([1, 0]);
    expect(vec.stats.finishedCount).toBe(1);
    expect(vec.stats.finishedLengths[0]).toBe(length);
  });

  it('rejects a bad size', () => {
    expect(() => new VecEnv('minatar/breakout', { numEnvs: 0, seed: 1 })).toThrow(/numEnvs/);
  });
});
