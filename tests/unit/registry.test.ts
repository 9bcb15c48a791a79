import { describe, expect, it } from 'vitest';
import { ENV_IDS } from '../../src/core/envs/envInfo';
import { createEnv } from '../../src/core/envs/registry';
import { observe } from '../../src/core/envs/types';

const EXPECTED_IDS = [
  'minatar/asterix',
  'minatar/breakout',
  'minatar/freeway',
  'minatar/seaquest',
  'minatar/space_invaders',
  'classic/CartPole-v1',
  'classic/Acrobot-v1',
  'classic/MountainCar-v0',
];

describe('environment registry', () => {
  it('registers the eight environments', () => {
    expect([...ENV_IDS].sort()).toEqual([...EXPECTED_IDS].sort());
  });

  it('names the valid ids when an id is unknown', () => {
    expect(() => createEnv('minatar/pong', { seed: 1 })).toThrow(/Unknown environment 'minatar\/pong'.*minatar\/breakout.*classic\/CartPole-v1/);
  });

  it('names the valid options when an option is unknown or bad', () => {
    expect(() => createEnv('minatar/breakout', { seed: 1, sticky: 0.2 } as never)).toThrow(/unknown option 'sticky'.*stickyActionProb/);
    expect(() => createEnv('minatar/breakout', { seed: 1, stickyActionProb: 2 })).toThrow(/stickyActionProb.*\[0, 1\]/);
    expect(() => createEnv('minatar/breakout', { seed: 1, actionSet: 'tiny' as never })).toThrow(/'full' or 'minimal'/);
    expect(() => createEnv('minatar/breakout', { seed: -3 })).toThrow(/seed/);
    expect(() => createEnv('classic/CartPole-v1', { seed: 1, stickyActionProb: 0.1 } as never)).toThrow(/unknown option 'stickyActionProb'.*Valid options: seed, maxEpisodeSteps/);
    expect(() => createEnv('classic/CartPole-v1', { seed: 1, maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps/);
    expect(() => createEnv('classic/CartPole-v1', {} as never)).toThrow(/'seed' is required/);
  });

  it('gives MinAtar the full 6-action set by default and the minimal set on request', () => {
    const full = createEnv('minatar/breakout', { seed: 1 });
    expect(full.spec.numActions).toBe(6);
    expect(full.spec.actionNames).toEqual(['noop', 'left', 'up', 'right', 'down', 'fire']);
    const minimal = createEnv('minatar/breakout', { seed: 1, actionSet: 'minimal' });
    expect(minimal.spec.actionNames).toEqual(['noop', 'left', 'right']);
    for (const id of EXPECTED_IDS.filter((i) => i.startsWith('minatar/'))) {
      const env = createEnv(id, { seed: 1 });
      expect(env.spec.observationShape.slice(0, 2)).toEqual([10, 10]);
      expect(env.spec.observationDtype).toBe('uint8');
      expect(env.spec.maxEpisodeSteps).toBeNull();
    }
  });

  it('applies Gymnasium time limits to classic control', () => {
    expect(createEnv('classic/CartPole-v1', { seed: 1 }).spec.maxEpisodeSteps).toBe(500);
    expect(createEnv('classic/Acrobot-v1', { seed: 1 }).spec.maxEpisodeSteps).toBe(500);
    expect(createEnv('classic/MountainCar-v0', { seed: 1 }).spec.maxEpisodeSteps).toBe(200);
  });

  it('requires reset before step, rejects bad actions, and truncates at the time limit', () => {
    const env = createEnv('minatar/breakout', { seed: 1, maxEpisodeSteps: 3, stickyActionProb: 0 });
    expect(() => env.step(0)).toThrow(/call reset\(\)/);
    env.reset();
    expect(() => env.step(6)).toThrow(/action must be an integer in \[0, 6\)/);
    expect(() => env.step(1.5)).toThrow(/action/);
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(0).truncated).toBe(false);
    const last = env.step(0);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    expect(() => env.step(0)).toThrow(/episode has ended/);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const run = (seed: number): string => {
      const env = createEnv('minatar/asterix', { seed });
      env.reset();
      const out: number[] = [];
      for (let t = 0; t < 200; t++) {
        const r = env.step(t % 6);
        out.push(r.reward, ...observe(env));
        if (r.terminated) env.reset();
      }
      return out.join('');
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });
});
