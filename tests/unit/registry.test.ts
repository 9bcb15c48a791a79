import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { resolveNetworkKind } from '../../src/core/config/experimentConfig';
import { ENV_IDS, ENVS, envInfo, PICKABLE_ENV_IDS, type EnvOptionKey } from '../../src/core/envs/envInfo';
import { createEnv, isEnvId } from '../../src/core/envs/registry';
import { observe } from '../../src/core/envs/types';
import { networksFor } from '../../src/core/model/networkKinds';
import { GOLDEN_DIR, goldenChannelOrder, readJson } from '../support/golden';

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
    // An option of other environments is named as such, with where it applies.
    expect(() => createEnv('classic/CartPole-v1', { seed: 1, stickyActionProb: 0.1 } as never)).toThrow(
      /option 'stickyActionProb' does not apply to CartPole-v1; it applies to minatar\/asterix.*suite\/minatar\. Valid options: seed, maxEpisodeSteps, hideVelocities$/,
    );
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

const VALID_OPTION_VALUES: Record<EnvOptionKey, unknown> = { stickyActionProb: 0.25, difficultyRamping: false, actionSet: 'full', maxEpisodeSteps: 7, hideVelocities: true, hideTrail: true };

describe('envInfo', () => {
  it('lists every id once, the pickable ones the user sees, the suite and its task environments', () => {
    expect(new Set(ENVS.map((e) => e.id)).size).toBe(ENVS.length);
    expect(PICKABLE_ENV_IDS).toEqual([...EXPECTED_IDS, 'suite/minatar']);
    expect(ENV_IDS).toEqual(EXPECTED_IDS);
    for (const e of ENVS) expect(envInfo(e.id)).toBe(e);
    expect(envInfo('minatar/pong')).toBeUndefined();
    expect(envInfo('toString')).toBeUndefined();
    const suite = envInfo('suite/minatar')!;
    expect(suite.tasks).toEqual(['asterix', 'breakout', 'freeway', 'seaquest', 'space_invaders'].map((g) => `suite/minatar/${g}`));
    expect(isEnvId('suite/minatar')).toBe(false);
    for (const task of suite.tasks!) {
      const info = envInfo(task)!;
      expect(info).toMatchObject({ family: 'suite', pickable: false, observation: suite.observation, actions: suite.actions, options: suite.options });
      expect(isEnvId(task)).toBe(true);
    }
  });

  it('gives the family, name and display name of each environment', () => {
    const rows = ENVS.map((e) => [e.id, e.family, e.name, e.displayName, e.game ?? null]);
    expect(rows.slice(0, 9)).toEqual([
      ['minatar/asterix', 'minatar', 'asterix', 'MinAtar Asterix', 'asterix'],
      ['minatar/breakout', 'minatar', 'breakout', 'MinAtar Breakout', 'breakout'],
      ['minatar/freeway', 'minatar', 'freeway', 'MinAtar Freeway', 'freeway'],
      ['minatar/seaquest', 'minatar', 'seaquest', 'MinAtar Seaquest', 'seaquest'],
      ['minatar/space_invaders', 'minatar', 'space_invaders', 'MinAtar Space Invaders', 'space_invaders'],
      ['classic/CartPole-v1', 'classic', 'CartPole-v1', 'CartPole-v1', null],
      ['classic/Acrobot-v1', 'classic', 'Acrobot-v1', 'Acrobot-v1', null],
      ['classic/MountainCar-v0', 'classic', 'MountainCar-v0', 'MountainCar-v0', null],
      ['suite/minatar', 'suite', 'minatar', 'MinAtar suite (several games, one agent)', null],
    ]);
    expect(envInfo('suite/minatar/breakout')).toMatchObject({ family: 'suite', game: 'breakout' });
  });

  it('states the observations, actions and time limit that creating and resetting each environment gives', () => {
    for (const info of ENVS.filter((e) => isEnvId(e.id))) {
      const env = createEnv(info.id, { seed: 3 });
      env.reset();
      const observation = observe(env);
      expect(env.spec.observationShape, info.id).toEqual(info.observation.shape);
      expect(observation.length, info.id).toBe(info.observation.shape.reduce((a, b) => a * b, 1));
      expect(observation instanceof Uint8Array ? 'uint8' : 'float32', info.id).toBe(info.observation.dtype);
      expect(info.observation.kind, info.id).toBe(info.observation.shape.length === 3 ? 'image' : 'vector');
      expect(env.spec.actionNames, info.id).toEqual(info.actions);
      expect(env.spec.numActions, info.id).toBe(info.actions.length);
      expect(env.spec.maxEpisodeSteps, info.id).toBe(info.maxEpisodeSteps);
      if (info.minimalActions) {
        expect(createEnv(info.id, { seed: 3, actionSet: 'minimal' }).spec.actionNames, info.id).toEqual(info.minimalActions);
      }
    }
    // The suite is made of its tasks: it looks as they do.
    const suite = envInfo('suite/minatar')!;
    const task = createEnv(suite.tasks![0]!, { seed: 3 });
    expect(task.spec.observationShape).toEqual(suite.observation.shape);
    expect(task.spec.actionNames).toEqual(suite.actions);
  });

  it('agrees with the golden traces: MinAtar shapes and channels, classic observation sizes and time limits', () => {
    const channels = goldenChannelOrder();
    let suiteChannels = 0;
    for (const info of ENVS.filter((e) => e.family === 'minatar')) {
      const golden = readJson<{ shape: number[] }>(join(GOLDEN_DIR, 'minatar', `${info.name}-seed1.json`));
      expect(info.observation.shape, info.id).toEqual(golden.shape);
      expect(info.observation.shape[2], info.id).toBe(channels[info.name]!.length);
      suiteChannels += golden.shape[2]!;
    }
    expect(Object.keys(channels).sort()).toEqual(ENVS.filter((e) => e.family === 'minatar').map((e) => e.name).sort());
    expect(envInfo('suite/minatar')!.observation.shape).toEqual([10, 10, suiteChannels]);
    for (const info of ENVS.filter((e) => e.family === 'classic')) {
      const golden = readJson<{ maxEpisodeSteps: number; initialObs: number[] }>(join(GOLDEN_DIR, 'classic', `${info.name}-seed1.json`));
      expect(info.observation.shape, info.id).toEqual([golden.initialObs.length]);
      expect(info.maxEpisodeSteps, info.id).toBe(golden.maxEpisodeSteps);
    }
  });

  it('names exactly the options createEnv accepts for each environment', () => {
    for (const info of ENVS.filter((e) => isEnvId(e.id))) {
      for (const [key, value] of Object.entries(VALID_OPTION_VALUES)) {
        const create = (): unknown => createEnv(info.id, { seed: 1, [key]: value } as never);
        if (info.options.includes(key as EnvOptionKey)) expect(create, `${info.id} ${key}`).not.toThrow();
        else expect(create, `${info.id} ${key}`).toThrow(new RegExp(`option '${key}' does not apply`));
      }
    }
  });

  it('offers the networks that take its observations, and auto picks one of them', () => {
    expect(networksFor(envInfo('classic/CartPole-v1')!)).toEqual(['mlp']);
    expect(networksFor(envInfo('minatar/breakout')!)).toEqual(['minatar', 'resnet']);
    expect(networksFor(envInfo('suite/minatar')!)).toEqual(['minatar', 'resnet']);
    for (const info of ENVS) {
      const auto = resolveNetworkKind({ network: 'auto' }, info.observation.shape);
      expect(networksFor(info), info.id).toContain(auto);
    }
  });
});
