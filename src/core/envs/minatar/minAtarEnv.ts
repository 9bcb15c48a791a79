import { RandomState } from '../../rng/randomState';
import { BaseEnv } from '../baseEnv';
import type { EnvSpec, ObservationArray } from '../types';
import { MINATAR_ACTIONS, type MinAtarGame, type MinAtarGameFactory } from './game';
import { TRAIL_GAMES, zeroChannel } from './trail';

export interface MinAtarOptions {
  seed: number;
  /** Probability that the previous action is repeated instead of the chosen one (default 0.1, as the original). */
  stickyActionProb?: number;
  /** Whether difficulty ramps up over an episode (default true, as the original). */
  difficultyRamping?: boolean;
  /** `full`: the 6 actions of every game (default); `minimal`: the game's own minimal set. */
  actionSet?: 'full' | 'minimal';
  /** Time limit in steps (truncation); `null` (default) for none, as the original. */
  maxEpisodeSteps?: number | null;
  /**
   * Partial observability: the game's 'trail' channel (where objects were a
   * step earlier; `trail.ts`) reads 0, so directions of motion must be
   * remembered. Only for games with a trail (Asterix, Breakout, Seaquest).
   * Default false.
   */
  hideTrail?: boolean;
}

/**
 * MinAtar's `Environment` wrapper (minatar/environment.py): sticky actions
 * over a game, sharing one seeded `RandomState` with it.
 *
 * As in the original, the sticky-action test draws `rand()` on every step,
 * even when the probability is 0, and the last action survives `reset()`.
 * `hideTrail` changes only the observation, never the game or its draws.
 */
export class MinAtarEnv extends BaseEnv {
  readonly spec: EnvSpec;
  readonly game: MinAtarGame;
  private readonly random: RandomState;
  private readonly stickyActionProb: number;
  private readonly actionMap: readonly number[];
  private lastAction = 0;
  /**
   * The channel written as 0 (the trail, under `hideTrail`), or -1 for none.
   * A `#` field, invisible to `captureState`: it is how the env was built,
   * not its state, so snapshots keep the fields they had before the option.
   */
  readonly #hiddenChannel: number;

  constructor(id: string, factory: MinAtarGameFactory, options: Required<MinAtarOptions>) {
    super();
    this.random = new RandomState(options.seed);
    this.game = factory({ random: this.random, ramping: options.difficultyRamping });
    this.stickyActionProb = options.stickyActionProb;
    this.actionMap = options.actionSet === 'minimal' ? this.game.minimalActions : [0, 1, 2, 3, 4, 5];
    const channels = this.game.channels.length;
    this.#hiddenChannel = options.hideTrail ? this.game.channels.indexOf('trail') : -1;
    if (options.hideTrail && this.#hiddenChannel < 0) {
      throw new Error(`${id}: hideTrail needs a 'trail' channel, which ${this.game.name} has not (its channels: ${this.game.channels.join(', ')}); the games with one are ${TRAIL_GAMES.join(', ')}`);
    }
    this.spec = {
      id,
      observationShape: [10, 10, channels],
      observationSize: 100 * channels,
      observationDtype: 'uint8',
      numActions: this.actionMap.length,
      actionNames: this.actionMap.map((a) => MINATAR_ACTIONS[a]!),
      maxEpisodeSteps: options.maxEpisodeSteps,
    };
  }

  protected resetDynamics(): void {
    this.game.reset();
  }

  protected stepDynamics(action: number): number {
    let a = this.actionMap[action]!;
    if (this.random.rand() < this.stickyActionProb) a = this.lastAction;
    this.lastAction = a;
    return this.game.act(a);
  }

  protected isTerminal(): boolean {
    return this.game.terminal;
  }

  writeObservation(out: ObservationArray, offset: number): void {
    this.game.writeState(out as Uint8Array, offset);
    if (this.#hiddenChannel >= 0) zeroChannel(out as Uint8Array, offset, this.game.channels.length, this.#hiddenChannel);
  }

  /** The game's difficulty-ramp level (null for games without a ramp). */
  difficultyRamp(): number | null {
    return this.game.difficultyRamp();
  }
}
