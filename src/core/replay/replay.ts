import type { Frame } from '../render/renderFrame';
import { renderMinAtar } from '../render/minatarRender';
import { renderClassic } from '../render/classicRender';
import { envInfo } from '../envs/envInfo';
import type { MinAtarGameName } from '../envs/minatar/game';
import { GAME_CHANNELS } from '../envs/suite/minatarSuite';

/**
 * What a replay keeps of one step of an episode: the state the agent saw,
 * what its policy made of it, and what came of the action. Step `t` pairs
 * the state x_t with pi(.|x_t), the action a_t ~ pi(.|x_t), the value
 * estimate V(x_t) and the reward r_t the environment returned for a_t.
 */
export interface ReplayStep {
  /**
   * Enough to draw x_t without an environment. MinAtar: the `10 x 10 x C`
   * observation (0/1 bytes, channel-last, at most 1,000 bytes); a game of
   * the `suite/minatar` suite keeps its own C channels, not the 31 of the
   * suite layout the network saw (the others are all 0). Classic
   * control: the internal float64 state (`ClassicEnv.getState()`), which the
   * renderer needs (Acrobot's observation holds cos/sin, not the angles).
   */
  observation: Uint8Array | number[];
  /** pi(a|x_t) = softmax(policy logits), computed in float64; sums to 1. */
  actionProbabilities: number[];
  /** a_t, an index into `Recording.actionNames`. */
  action: number;
  /** V(x_t), the network's baseline output. */
  value: number;
  /** r_t, the reward returned for a_t. */
  reward: number;
  /** A recurrent agent's h_t (the LSTM state its heads read at x_t), H numbers; absent for a feed-forward agent. */
  coreState?: number[];
}

/** How an episode ended: a terminal state of the task, or the environment's time limit. */
export type EpisodeEnd = 'terminal' | 'time-limit';

/** One finished episode, as played by a `PolicyPlayer`. */
export interface Recording {
  envId: string;
  actionNames: readonly string[];
  /** Version of the weights that chose the episode's last action (weights may change during an episode). */
  policyVersion: number;
  /** The first `min(length, truncatedAt)` steps, in order. */
  steps: ReplayStep[];
  /** Undiscounted sum of every reward of the episode, stored steps or not. */
  episodeReturn: number;
  /** Steps in the episode, stored steps or not. */
  length: number;
  /** Set when the episode outran the recording's step cap: steps from this index on were played but not stored. */
  truncatedAt?: number;
  end: EpisodeEnd;
}

/** The game of a suite task's environment (`suite/minatar/breakout` -> `breakout`), or null. */
function suiteGameOf(envId: string): MinAtarGameName | null {
  const env = envInfo(envId);
  return env?.family === 'suite' && env.game !== undefined ? env.game : null;
}

/**
 * Draws a recorded step as `renderFrame` drew the live environment at that
 * step, without an environment: MinAtar from the stored observation
 * (`observationShape` = `[10, 10, C]`; for a suite game, `suite/minatar/<game>`,
 * the game's own channels and palette whatever the shape), classic control
 * from the stored state. `scale` is pixels per MinAtar cell (ignored by
 * classic control).
 */
export function renderReplayStep(envId: string, observationShape: readonly number[], step: ReplayStep, scale = 1): Frame {
  const { observation } = step;
  if (observation instanceof Uint8Array) {
    const game = suiteGameOf(envId);
    const shape = game === null ? observationShape : [10, 10, GAME_CHANNELS[game]];
    const channels = shape[2];
    if (shape.length !== 3 || channels === undefined || observation.length !== 100 * channels) {
      throw new RangeError(
        `renderReplayStep: ${envId}: a ${observation.length}-byte observation does not fit shape [${shape.join(', ')}]`,
      );
    }
    return { kind: 'pixels', width: 10 * scale, height: 10 * scale, rgba: renderMinAtar(observation, 0, channels, scale) };
  }
  return { kind: 'picture', picture: renderClassic(envId, observation) };
}
