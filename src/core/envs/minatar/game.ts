import type { RandomState } from '../../rng/randomState';

/** MinAtar's full action set, in the original's order: no-op, left, up, right, down, fire. */
export const MINATAR_ACTIONS = ['noop', 'left', 'up', 'right', 'down', 'fire'] as const;
export const enum Action {
  Noop = 0,
  Left = 1,
  Up = 2,
  Right = 3,
  Down = 4,
  Fire = 5,
}

export type MinAtarGameName = 'asterix' | 'breakout' | 'freeway' | 'seaquest' | 'space_invaders';

/** Registry id of a MinAtar game played alone: `minatar/breakout`. */
export function minatarEnvId(game: MinAtarGameName): string {
  return `minatar/${game}`;
}

/**
 * One MinAtar game's dynamics, a port of `minatar/environments/<game>.py`
 * (kenjyoung/MinAtar). The game shares the wrapper's generator, as the
 * original does after `env.seed(seed)`.
 *
 * Contract, which the golden traces check:
 * - the constructor draws nothing from `random` (the original's constructor
 *   reset used a different, unseeded generator);
 * - `reset()` draws exactly what the original `reset()` draws;
 * - `act(a)` takes a full-set action (0..5), returns the reward, and returns
 *   0 without changing anything once `terminal` is true, as the original;
 * - `writeState(out, offset)` writes the 10x10xC boolean state as 0/1 bytes,
 *   channel-last (index `(y * 10 + x) * C + c`), overwriting every byte of
 *   the slice.
 */
export interface MinAtarGame {
  readonly name: MinAtarGameName;
  /** Channel names in the original's order (index = channel). */
  readonly channels: readonly string[];
  /** The original's `minimal_action_set()`, as full-set action indices. */
  readonly minimalActions: readonly number[];
  readonly terminal: boolean;
  reset(): void;
  act(action: number): number;
  /** The original's `difficulty_ramp()`: the ramp level, or null for games without one. */
  difficultyRamp(): number | null;
  writeState(out: Uint8Array, offset: number): void;
}

export interface MinAtarGameOptions {
  random: RandomState;
  /** Difficulty ramping (games without a ramp ignore it). */
  ramping: boolean;
}

export type MinAtarGameFactory = (options: MinAtarGameOptions) => MinAtarGame;
