import type { ObservationDtype } from './types';
import type { MinAtarOptions } from './minatar/minAtarEnv';
import type { ClassicEnvOptions } from './classic/classicEnv';
import { hasTrail } from './minatar/trail';
import { MINATAR_ACTIONS, minatarEnvId, type MinAtarGameName } from './minatar/game';
import { GAME_CHANNELS, gameTitle, SUITE_CHANNELS, SUITE_GAMES, SUITE_ID, suiteTaskEnvId } from './suite/minatarSuite';

/**
 * What the code knows about each environment without creating one: its
 * family, observations, actions, name, and which options apply. Every
 * question that used to be a test of an id's prefix (`minatar/...`) is asked
 * here instead (`envInfo(id)`), so that adding an environment means adding
 * one entry. A unit test checks each entry against the environment itself
 * and against the golden traces.
 *
 * Which networks suit an environment follows from `observation.kind`; the
 * network layer says which network takes which (`model/networkKinds.ts`).
 *
 * Cheap to import (no TensorFlow.js, no environment classes): the
 * configuration schema reads it on page load.
 */

/** MinAtar games alone, Gymnasium classic control, or the multi-task suite (and its task environments). */
export type EnvFamily = 'minatar' | 'classic' | 'suite';

/** `[H, W, C]` images (MinAtar's boolean planes) or `[n]` vectors (classic control). */
export type ObservationKind = 'image' | 'vector';

/** An option `createEnv` may take besides the seed. */
export type EnvOptionKey = Exclude<keyof MinAtarOptions, 'seed'> | keyof Pick<ClassicEnvOptions, 'hideVelocities'>;

export interface EnvInfo {
  /** Registry id, e.g. `minatar/breakout`. */
  readonly id: string;
  readonly family: EnvFamily;
  /** The original's name: a MinAtar game ('breakout'), a Gymnasium id ('CartPole-v1'); 'minatar' for the suite. */
  readonly name: string;
  /** What people call it: 'MinAtar Breakout', 'CartPole-v1'. */
  readonly displayName: string;
  /**
   * Whether a user picks it (settings panel, CLI, URL). The suite's task
   * environments (`suite/minatar/breakout`) are not: actors create them.
   */
  readonly pickable: boolean;
  readonly observation: {
    readonly kind: ObservationKind;
    readonly shape: readonly number[];
    readonly dtype: ObservationDtype;
  };
  /** Names of the actions with the default options (MinAtar: the full 6-action set). */
  readonly actions: readonly string[];
  /** Options that apply to it besides the seed, which `createEnv` accepts (the suite: those its tasks take). */
  readonly options: readonly EnvOptionKey[];
  /** Default time limit in steps (truncation); null for none. */
  readonly maxEpisodeSteps: number | null;
  /** The MinAtar game it plays: MinAtar games and suite task environments. */
  readonly game?: MinAtarGameName;
  /** For a MinAtar game: the original's minimal action set, by name (`actionSet: 'minimal'`). */
  readonly minimalActions?: readonly string[];
  /**
   * For a suite: the registry ids of its task environments, in task-id
   * order. A suite is not created itself (`createEnv` makes its tasks).
   */
  readonly tasks?: readonly string[];
}

const MINATAR_OPTIONS: readonly EnvOptionKey[] = ['stickyActionProb', 'difficultyRamping', 'actionSet', 'maxEpisodeSteps'];
/**
 * The suite's games always use the full action set, which they share.
 * `hideTrail` hides the trail of the games that have one and leaves the
 * others as they are (their observations hold no trail to hide).
 */
const SUITE_OPTIONS: readonly EnvOptionKey[] = ['stickyActionProb', 'difficultyRamping', 'maxEpisodeSteps', 'hideTrail'];

/** The original's `minimal_action_set()` of each game, by name. */
const MINIMAL_ACTIONS: Readonly<Record<MinAtarGameName, readonly (typeof MINATAR_ACTIONS)[number][]>> = {
  asterix: ['noop', 'left', 'up', 'right', 'down'],
  breakout: ['noop', 'left', 'right'],
  freeway: ['noop', 'up', 'down'],
  seaquest: ['noop', 'left', 'up', 'right', 'down', 'fire'],
  space_invaders: ['noop', 'left', 'right', 'fire'],
};

function minatar(game: MinAtarGameName): EnvInfo {
  return {
    id: minatarEnvId(game),
    family: 'minatar',
    name: game,
    displayName: `MinAtar ${gameTitle(game)}`,
    pickable: true,
    observation: { kind: 'image', shape: [10, 10, GAME_CHANNELS[game]], dtype: 'uint8' },
    actions: MINATAR_ACTIONS,
    options: hasTrail(game) ? [...MINATAR_OPTIONS, 'hideTrail'] : MINATAR_OPTIONS,
    maxEpisodeSteps: null,
    game,
    minimalActions: MINIMAL_ACTIONS[game],
  };
}

function classic(name: string, observationSize: number, actions: readonly string[], maxEpisodeSteps: number): EnvInfo {
  return {
    id: `classic/${name}`,
    family: 'classic',
    name,
    displayName: name,
    pickable: true,
    observation: { kind: 'vector', shape: [observationSize], dtype: 'float32' },
    actions,
    options: ['maxEpisodeSteps', 'hideVelocities'],
    maxEpisodeSteps,
  };
}

/** The suite layout (10x10x31, the full 6 actions): the suite itself, or one of its games. */
function suiteLayout(): Pick<EnvInfo, 'family' | 'observation' | 'actions' | 'options' | 'maxEpisodeSteps'> {
  return {
    family: 'suite',
    observation: { kind: 'image', shape: [10, 10, SUITE_CHANNELS], dtype: 'uint8' },
    actions: MINATAR_ACTIONS,
    options: SUITE_OPTIONS,
    maxEpisodeSteps: null,
  };
}

function suiteTask(game: MinAtarGameName): EnvInfo {
  return { ...suiteLayout(), id: suiteTaskEnvId(game), name: game, displayName: `MinAtar ${gameTitle(game)} (suite layout)`, pickable: false, game };
}

/** Every environment, pickable ones first in display order. */
export const ENVS: readonly EnvInfo[] = [
  minatar('asterix'),
  minatar('breakout'),
  minatar('freeway'),
  minatar('seaquest'),
  minatar('space_invaders'),
  classic('CartPole-v1', 4, ['push left', 'push right'], 500),
  classic('Acrobot-v1', 6, ['torque -1', 'torque 0', 'torque +1'], 500),
  classic('MountainCar-v0', 2, ['accelerate left', 'no push', 'accelerate right'], 200),
  { ...suiteLayout(), id: SUITE_ID, name: 'minatar', displayName: 'MinAtar suite (several games, one agent)', pickable: true, tasks: SUITE_GAMES.map(suiteTaskEnvId) },
  ...SUITE_GAMES.map(suiteTask),
];

const BY_ID: ReadonlyMap<string, EnvInfo> = new Map(ENVS.map((info) => [info.id, info]));

/** What is known about an environment, or undefined for an unknown id. */
export function envInfo(id: string): EnvInfo | undefined {
  return BY_ID.get(id);
}

/** Every id a user picks (the settings panel's choices, `--env`, share links), in display order. */
export const PICKABLE_ENV_IDS: readonly string[] = ENVS.filter((e) => e.pickable).map((e) => e.id);

/** Every single environment a user picks, which `createEnv` makes (the suite, made of several, aside). */
export const ENV_IDS: readonly string[] = ENVS.filter((e) => e.pickable && e.tasks === undefined).map((e) => e.id);
