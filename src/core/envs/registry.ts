import type { Env } from './types';
import { MinAtarEnv, type MinAtarOptions } from './minatar/minAtarEnv';
import type { MinAtarGameFactory, MinAtarGameName } from './minatar/game';
import { Breakout } from './minatar/breakout';
import { Asterix } from './minatar/asterix';
import { Freeway } from './minatar/freeway';
import { Seaquest } from './minatar/seaquest';
import { SpaceInvaders } from './minatar/spaceInvaders';
import { CartPole } from './classic/cartPole';
import { Acrobot } from './classic/acrobot';
import { MountainCar } from './classic/mountainCar';
import { checkOptions, type OptionRule } from './options';
import { SUITE_GAMES, suiteTaskEnvId } from '../suite/minatarSuite';
import { SuiteTaskEnv } from '../suite/suiteTaskEnv';

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

const MINATAR_RULES: Record<keyof MinAtarOptions, OptionRule> = {
  seed: seedRule,
  stickyActionProb: { check: (v) => typeof v === 'number' && v >= 0 && v <= 1, expected: 'a number in [0, 1]' },
  difficultyRamping: { check: (v) => typeof v === 'boolean', expected: 'true or false' },
  actionSet: { check: (v) => v === 'full' || v === 'minimal', expected: "'full' or 'minimal'" },
  maxEpisodeSteps: timeLimitRule,
};
const CLASSIC_RULES: Record<keyof ClassicOptions, OptionRule> = { seed: seedRule, maxEpisodeSteps: timeLimitRule };

interface RegistryEntry {
  rules: Record<string, OptionRule>;
  create: (id: string, options: Record<string, unknown>) => Env;
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

function minatarEntry(game: MinAtarGameName): RegistryEntry {
  return { rules: MINATAR_RULES, create: (id, o) => createMinAtar(id, game, o) };
}

/** A game in the `suite/minatar` layout; always the full action set, which the suite's games share. */
function suiteTaskEntry(game: MinAtarGameName): RegistryEntry {
  const { actionSet: _fullOnly, ...rules } = MINATAR_RULES;
  return { rules, create: (_id, o) => new SuiteTaskEnv(game, createMinAtar(`minatar/${game}`, game, { ...o, actionSet: 'full' })) };
}

function classicEntry(make: (id: string, seed: number, maxEpisodeSteps: number | null | undefined) => Env): RegistryEntry {
  return {
    rules: CLASSIC_RULES,
    create: (id, o) => make(id, o.seed as number, o.maxEpisodeSteps as number | null | undefined),
  };
}

const REGISTRY: Record<string, RegistryEntry> = {
  'minatar/asterix': minatarEntry('asterix'),
  'minatar/breakout': minatarEntry('breakout'),
  'minatar/freeway': minatarEntry('freeway'),
  'minatar/seaquest': minatarEntry('seaquest'),
  'minatar/space_invaders': minatarEntry('space_invaders'),
  'classic/CartPole-v1': classicEntry((id, seed, t) => new CartPole({ id, seed, maxEpisodeSteps: t === undefined ? 500 : t })),
  'classic/Acrobot-v1': classicEntry((id, seed, t) => new Acrobot({ id, seed, maxEpisodeSteps: t === undefined ? 500 : t })),
  'classic/MountainCar-v0': classicEntry((id, seed, t) => new MountainCar({ id, seed, maxEpisodeSteps: t === undefined ? 200 : t })),
};

/** Every environment a user picks by id, in display order. */
export const ENV_IDS: readonly string[] = Object.keys(REGISTRY);

// The games of `suite/minatar` in the suite's observation layout: actors
// create them; users pick the suite (see `minatarSuite.ts`), not these.
for (const game of SUITE_GAMES) REGISTRY[suiteTaskEnvId(game)] = suiteTaskEntry(game);

export function isEnvId(id: string): boolean {
  return Object.hasOwn(REGISTRY, id);
}

/**
 * Creates an environment by id. Unknown ids and bad options throw an error
 * that names the valid choices. The environment must be `reset()` before
 * its first step.
 */
export function createEnv(id: string, options: EnvOptions): Env {
  if (!isEnvId(id)) {
    throw new Error(`Unknown environment '${id}'. Valid environments: ${[...ENV_IDS, ...SUITE_GAMES.map(suiteTaskEnvId)].join(', ')}`);
  }
  const entry = REGISTRY[id]!;
  const checked = checkOptions(id, options as unknown as Record<string, unknown>, entry.rules, ['seed']);
  return entry.create(id, checked);
}
