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
import { hasTrail } from './minatar/trail';

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

export interface ClassicOptions extends CommonEnvOptions {
  /** Zero the velocity components of the observation (default false; `ClassicEnvOptions.hideVelocities`). */
  hideVelocities?: boolean;
}
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
  hideVelocities: { check: (v) => typeof v === 'boolean', expected: 'true or false' },
  hideTrail: { check: (v) => typeof v === 'boolean', expected: 'true or false' },
};

/**
 * Where an option applies, for the error when it is given to an environment
 * it does not (options not listed here: the environments that take it, by id).
 */
const WHERE_IT_APPLIES: Partial<Record<EnvOptionKey, string>> = {
  hideVelocities: 'classic control, whose observations hold velocities',
  hideTrail: "the MinAtar games with a 'trail' channel and the suite made of them",
};

/** The classic-control environments by Gymnasium name (`EnvInfo.name`). */
const CLASSIC_ENVS: Record<string, new (options: ClassicEnvOptions) => Env> = {
  'CartPole-v1': CartPole,
  'Acrobot-v1': Acrobot,
  'MountainCar-v0': MountainCar,
};

interface RegistryEntry {
  info: EnvInfo;
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
    hideTrail: (o.hideTrail as boolean | undefined) ?? false,
  });
}

function builder(info: EnvInfo): RegistryEntry['create'] {
  const { id, game } = info;
  switch (info.family) {
    case 'minatar':
      return (o) => createMinAtar(id, game!, o);
    case 'suite':
      // A game in the `suite/minatar` layout; always the full action set, which the suite's games share.
      // `hideTrail` hides the trail of the games with one; the others have none to hide.
      return (o) => new SuiteTaskEnv(game!, createMinAtar(minatarEnvId(game!), game!, { ...o, actionSet: 'full', hideTrail: o.hideTrail === true && hasTrail(game!) }));
    case 'classic': {
      const Make = Object.hasOwn(CLASSIC_ENVS, info.name) ? CLASSIC_ENVS[info.name] : undefined;
      if (Make === undefined) throw new Error(`registry: no classic-control environment named '${info.name}'`);
      return (o) => {
        const limit = o.maxEpisodeSteps as number | null | undefined;
        return new Make({ id, seed: o.seed as number, maxEpisodeSteps: limit === undefined ? info.maxEpisodeSteps : limit, hideVelocities: (o.hideVelocities as boolean | undefined) ?? false });
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
    return [info.id, { info, rules, create: builder(info) }];
  }),
);

/** The pickable environments that take `key`, by id. */
function takersOf(key: EnvOptionKey): string[] {
  return ENVS.filter((e) => e.pickable && e.options.includes(key)).map((e) => e.id);
}

/**
 * Throws for an option of some other environment (MinAtar's sticky actions
 * given to CartPole, `hideTrail` given to Freeway), naming where it applies
 * and what this one takes. Options no environment knows are `checkOptions`'s.
 */
function rejectOptionsOfOthers(entry: RegistryEntry, options: Record<string, unknown>): void {
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_RULES, key) || Object.hasOwn(entry.rules, key) || options[key] === undefined) continue;
    const option = key as EnvOptionKey;
    const where = WHERE_IT_APPLIES[option];
    const takers = takersOf(option).join(', ');
    throw new Error(
      `${entry.info.id}: option '${key}' does not apply to ${entry.info.displayName}; it applies to ${where === undefined ? takers : `${where} (${takers})`}. Valid options: ${Object.keys(entry.rules).join(', ')}`,
    );
  }
}

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
  rejectOptionsOfOthers(entry, options as unknown as Record<string, unknown>);
  const checked = checkOptions(id, options as unknown as Record<string, unknown>, entry.rules, ['seed']);
  return entry.create(checked);
}
