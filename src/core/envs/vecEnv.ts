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
 * N copies of one environment stepped together into preallocated buffers,
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
  /** 1 where the latest step ended the episode by the time limit. */
  readonly truncated: Uint8Array;
  readonly stats: EpisodeStats;

  constructor(id: string, options: VecEnvOptions) {
    const { numEnvs, seed } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(`VecEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    }
    const path = options.seedPath ?? [];
    const envs: Env[] = [];
    for (let i = 0; i < numEnvs; i++) {
      envs.push(createEnv(id, { ...options.envOptions, seed: deriveSeed(seed, ...path, i) } as EnvOptions));
    }
    this.envs = envs;
    this.spec = envs[0]!.spec;
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
      this.truncated[i] = result.truncated ? 1 : 0;
      stats.record(i, result.reward, done);
      if (done) {
        env.writeObservation(this.finalObservations, i * size);
        env.reset();
      }
      env.writeObservation(this.observations, i * size);
    }
  }
}
