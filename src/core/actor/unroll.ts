import type { ObservationArray, ObservationDtype } from '../envs/types';
import type { CoreStart } from '../model/coreCarry';

/**
 * One actor's trajectory segment: T steps of N environments, time-major.
 * Consecutive unrolls overlap by one step: `observations` holds x_0 .. x_T,
 * and x_T (the state the learner bootstraps from) is x_0 of the next unroll
 * (the layout of torchbeast's `[T + 1, B, ...]` rollouts).
 *
 * Every array is its own buffer so the whole unroll can be transferred
 * between threads without copying.
 */
export interface Unroll {
  actorIndex: number;
  /** Version of the policy that acted (the behaviour policy mu); policy lag = learner version - this. */
  policyVersion: number;
  /** Unroll length T. */
  T: number;
  /** Environments stepped by this actor (N columns of the batch). */
  numEnvs: number;
  numActions: number;
  observationShape: number[];
  observationDtype: ObservationDtype;
  /** x_0 .. x_T: `[T + 1][N][...observationShape]`. After an episode ends at step t, x_{t+1} is the next episode's first state. */
  observations: ObservationArray;
  /** a_t: `[T][N]`. */
  actions: Int32Array;
  /** r_t: `[T][N]`. */
  rewards: Float32Array;
  /** 1 where step t ended its episode in a terminal state: `[T][N]`. */
  terminated: Uint8Array;
  /** 1 where step t ended its episode by the time limit: `[T][N]`. */
  truncated: Uint8Array;
  /** The behaviour policy's logits for x_t: `[T][N][A]`. */
  behaviourLogits: Float32Array;
  /** Flat indices `t * N + n` of truncated steps, in order. */
  truncatedIndices: Int32Array;
  /** The observation each truncated episode ended on (the learner bootstraps from it): `[K][...observationShape]`. */
  truncatedObservations: ObservationArray;
  /** Returns of the episodes that ended in this unroll. */
  episodeReturns: Float64Array;
  /** Lengths of the episodes that ended in this unroll. */
  episodeLengths: Int32Array;
  /** Task id of each of the N environments (all 0 outside a task suite): `[N]`. */
  taskIds: Int32Array;
  /** Task id of each episode that ended in this unroll. */
  episodeTaskIds: Int32Array;
  /**
   * A recurrent agent's core at x_0 (absent for a feed-forward one): the
   * LSTM state each environment's first step starts from and its previous
   * action and reward, so that the learner can replay the core over the
   * unroll from there (paper section 3; scalable_agent's `agent_state`).
   */
  core?: CoreStart;
}

/** Environment frames in an unroll (T x N). */
export function unrollFrames(u: Unroll): number {
  return u.T * u.numEnvs;
}

/** The buffers of an unroll, for a zero-copy transfer (Comlink.transfer, postMessage). */
export function unrollTransferables(u: Unroll): ArrayBuffer[] {
  const arrays = [
    u.observations,
    u.actions,
    u.rewards,
    u.terminated,
    u.truncated,
    u.behaviourLogits,
    u.truncatedIndices,
    u.truncatedObservations,
    u.episodeReturns,
    u.episodeLengths,
    u.taskIds,
    u.episodeTaskIds,
    ...(u.core ? [u.core.initialState.h, u.core.initialState.c, u.core.previousActions, u.core.previousRewards] : []),
  ];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}
