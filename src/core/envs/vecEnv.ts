import { deriveSeed } from '../rng/deriveSeed';
import { EpisodeStats } from './episodeStats';
import { createEnv, type EnvOptions, type EnvSettings } from './registry';
import { allocateObservations, type Env, type EnvSpec, type ObservationArray } from './types';

export interface VecEnvOptions {
  /** Number of environment copies stepped together. */
  numEnvs: number;
  /** Experiment seed; environment `i` is seeded with `deriveSeed(seed, i)` (or `deriveSeed(seed, ...seedPath, i)`). */
  seed: number;
  /** Prefix of the seed path, e.g. `[actorIndex]`, so that actors get disjoint streams. */
  seedPath?: readonly number[];
  /** Options for each environment other than its seed. */
  envOptions?: EnvSettings;
}

/**
 * N environments stepped together (N copies of one id, or one id per slot
 * when the ids share one observation layout and action set, as the games of
 * a task suite do) into preallocated buffers,
 * with automatic reset: when an episode ends, the environment is reset at
 * once and `observations` holds the new episode's first observation, while
 * `finalObservations` keeps the observation the episode ended on (a learner
 * bootstraps from it when the episode was truncated). Stepping allocates
 * nothing.
 */
export class VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly envs: readonly Env[];
  /** Current observation of each environment, `[numEnvs][...observationShape]` flattened. */
  readonly observations: ObservationArray;
  /** Observation each environment ended its episode on; valid where `terminated` or `truncated` is set. */
  readonly finalObservations: ObservationArray;
  /** Reward of the latest step, per environment. */
  readonly rewards: Float32Array;
  /** 1 where the latest step ended the episode in a terminal state. */
  readonly terminated: Uint8Array;
  /**
   * 1 where the latest step ended the episode by the time limit and not in a
   * terminal state. A step can be both (CartPole's pole falling on step 500,
   * where Gymnasium returns terminated and truncated): then it is terminal
   * only, since a terminal state's value is 0 and the learner must not
   * bootstrap from it (Gymnasium's guidance on the two flags).
   */
  readonly truncated: Uint8Array;
  readonly stats: EpisodeStats;

  /** `id`: one environment id for every slot, or one per slot (`numEnvs` of them). */
  constructor(id: string | readonly string[], options: VecEnvOptions) {
    const { numEnvs, seed } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(`VecEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    }
    if (typeof id !== 'string' && id.length !== numEnvs) {
      throw new RangeError(`VecEnv: got ${id.length} environment ids for ${numEnvs} environments`);
    }
    const path = options.seedPath ?? [];
    const envs: Env[] = [];
    for (let i = 0; i < numEnvs; i++) {
      const slotId = typeof id === 'string' ? id : id[i]!;
      envs.push(createEnv(slotId, { ...options.envOptions, seed: deriveSeed(seed, ...path, i) } as EnvOptions));
    }
    const first = envs[0]!.spec;
    for (const env of envs) {
      const s = env.spec;
      if (s.observationShape.join() !== first.observationShape.join() || s.observationDtype !== first.observationDtype || s.numActions !== first.numActions) {
        throw new Error(`VecEnv: ${s.id} ([${s.observationShape}], ${s.numActions} actions) does not share ${first.id}'s layout ([${first.observationShape}], ${first.numActions} actions)`);
      }
    }
    this.envs = envs;
    this.spec = first;
    this.numEnvs = numEnvs;
    this.observations = allocateObservations(this.spec, numEnvs);
    this.finalObservations = allocateObservations(this.spec, numEnvs);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.stats = new EpisodeStats(numEnvs);
  }

  /** Resets every environment and writes the first observations. */
  reset(): void {
    const size = this.spec.observationSize;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      env.reset();
      env.writeObservation(this.observations, i * size);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.stats.clear();
  }

  /** Steps environment `i` with `actions[i]`, resetting those whose episode ended. */
  step(actions: ArrayLike<number>): void {
    const size = this.spec.observationSize;
    const stats = this.stats;
    stats.beginStep();
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      const result = env.step(actions[i]!);
      const done = result.terminated || result.truncated;
      this.rewards[i] = result.reward;
      this.terminated[i] = result.terminated ? 1 : 0;
      this.truncated[i] = result.truncated && !result.terminated ? 1 : 0;
      stats.record(i, result.reward, done);
      if (done) {
        env.writeObservation(this.finalObservations, i * size);
        env.reset();
      }
      env.writeObservation(this.observations, i * size);
    }
  }
}
