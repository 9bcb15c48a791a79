import type { Env } from './types';
import { MinAtarEnv, type MinAtarOptions } from './minatar/minAtarEnv';
import { minatarEnvId, type MinAtarGameFactory, type MinAtarGameName } from './minatar/game';
import { Breakout } from './minatar/breakout';
import { Asterix } from './minatar/asterix';
import { Freeway } from './minatar/freeway';
import { Seaquest } from './minatar/seaquest';
import { SpaceInvaders } from './minatar/spaceInvaders';
import { CartPole } from './classic/cartPole';
import { Acrobot } from './classic/acrobot';
import { MountainCar } from './classic/mountainCar';
import type { ClassicEnvOptions } from './classic/classicEnv';
import { checkOptions, type OptionRule } from './options';
import { SuiteTaskEnv } from './suite/suiteTaskEnv';
import { ENVS, type EnvInfo, type EnvOptionKey } from './envInfo';

/**
 * Creates environments by id. What each environment is (family,
 * observations, actions, which options apply) is `envInfo.ts`'s; this file
 * only builds them, and takes the ids and their options from there.
 */

/** Options every environment takes. */
export interface CommonEnvOptions {
  /** Seed of the environment's own generator (an integer in [0, 2^32)). */
  seed: number;
  /** Time limit in steps (truncation); `null` for none. Defaults to the original's. */
  maxEpisodeSteps?: number | null;
}

export type ClassicOptions = CommonEnvOptions;
export type EnvOptions = MinAtarOptions | ClassicOptions;
/** Environment options without the seed (which is derived per environment). */
export type EnvSettings = Omit<MinAtarOptions, 'seed'> | Omit<ClassicOptions, 'seed'>;

const MINATAR_GAMES: Record<MinAtarGameName, MinAtarGameFactory> = {
  asterix: (o) => new Asterix(o),
  breakout: (o) => new Breakout(o),
  freeway: (o) => new Freeway(o),
  seaquest: (o) => new Seaquest(o),
  space_invaders: (o) => new SpaceInvaders(o),
};

const seedRule: OptionRule = {
  check: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff,
  expected: 'an integer in [0, 4294967295]',
};
const timeLimitRule: OptionRule = {
  check: (v) => v === null || (Number.isInteger(v) && (v as number) > 0),
  expected: 'a positive integer or null',
};

/** The rule of every option; an environment takes the seed and those its `EnvInfo.options` name. */
const OPTION_RULES: Record<EnvOptionKey, OptionRule> = {
  stickyActionProb: { check: (v) => typeof v === 'number' && v >= 0 && v <= 1, expected: 'a number in [0, 1]' },
  difficultyRamping: { check: (v) => typeof v === 'boolean', expected: 'true or false' },
  actionSet: { check: (v) => v === 'full' || v === 'minimal', expected: "'full' or 'minimal'" },
  maxEpisodeSteps: timeLimitRule,
};

/** The classic-control environments by Gymnasium name (`EnvInfo.name`). */
const CLASSIC_ENVS: Record<string, new (options: ClassicEnvOptions) => Env> = {
  'CartPole-v1': CartPole,
  'Acrobot-v1': Acrobot,
  'MountainCar-v0': MountainCar,
};

interface RegistryEntry {
  rules: Record<string, OptionRule>;
  create: (options: Record<string, unknown>) => Env;
}

function createMinAtar(id: string, game: MinAtarGameName, o: Record<string, unknown>): MinAtarEnv {
  return new MinAtarEnv(id, MINATAR_GAMES[game], {
    seed: o.seed as number,
    stickyActionProb: (o.stickyActionProb as number | undefined) ?? 0.1,
    difficultyRamping: (o.difficultyRamping as boolean | undefined) ?? true,
    actionSet: (o.actionSet as 'full' | 'minimal' | undefined) ?? 'full',
    maxEpisodeSteps: (o.maxEpisodeSteps as number | null | undefined) ?? null,
  });
}

function builder(info: EnvInfo): RegistryEntry['create'] {
  const { id, game } = info;
  switch (info.family) {
    case 'minatar':
      return (o) => createMinAtar(id, game!, o);
    case 'suite':
      // A game in the `suite/minatar` layout; always the full action set, which the suite's games share.
      return (o) => new SuiteTaskEnv(game!, createMinAtar(minatarEnvId(game!), game!, { ...o, actionSet: 'full' }));
    case 'classic': {
      const Make = Object.hasOwn(CLASSIC_ENVS, info.name) ? CLASSIC_ENVS[info.name] : undefined;
      if (Make === undefined) throw new Error(`registry: no classic-control environment named '${info.name}'`);
      return (o) => {
        const limit = o.maxEpisodeSteps as number | null | undefined;
        return new Make({ id, seed: o.seed as number, maxEpisodeSteps: limit === undefined ? info.maxEpisodeSteps : limit });
      };
    }
    default: {
      const family: never = info.family;
      throw new Error(`registry: no builder for family ${String(family)}`);
    }
  }
}

/** Every environment `createEnv` makes: the single ones, and the suite's task environments (a suite itself is made of those). */
const REGISTRY: ReadonlyMap<string, RegistryEntry> = new Map(
  ENVS.filter((info) => info.tasks === undefined).map((info): [string, RegistryEntry] => {
    const rules: Record<string, OptionRule> = { seed: seedRule };
    for (const key of info.options) rules[key] = OPTION_RULES[key];
    return [info.id, { rules, create: builder(info) }];
  }),
);

export function isEnvId(id: string): boolean {
  return REGISTRY.has(id);
}

/**
 * Creates an environment by id. Unknown ids and bad options throw an error
 * that names the valid choices. The environment must be `reset()` before
 * its first step.
 */
export function createEnv(id: string, options: EnvOptions): Env {
  const entry = REGISTRY.get(id);
  if (entry === undefined) {
    throw new Error(`Unknown environment '${id}'. Valid environments: ${[...REGISTRY.keys()].join(', ')}`);
  }
  const checked = checkOptions(id, options as unknown as Record<string, unknown>, entry.rules, ['seed']);
  return entry.create(checked);
}
