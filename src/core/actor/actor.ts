import * as tf from '@tensorflow/tfjs';
import type { EnvSettings } from '../envs/registry';
import { allocateObservations, stackObservations, type ObservationArray } from '../envs/types';
import { captureState, restoreState, type StateValue } from '../envs/stateSnapshot';
import { VecEnv } from '../envs/vecEnv';
import { CoreCarry } from '../model/coreCarry';
import { createNetwork, type Network, type NetworkConfig } from '../model/networks';
import { setNetworkWeights } from '../model/weights';
import { deriveSeed } from '../rng/deriveSeed';
import { RandomState } from '../rng/randomState';
import { sampleCategorical } from './sampleCategorical';
import type { Unroll } from './unroll';

export interface ActorOptions {
  actorIndex: number;
  envId: string;
  /** Environment options other than the seed. */
  envOptions?: EnvSettings;
  numEnvs: number;
  /** T, steps per unroll. */
  unrollLength: number;
  /** The experiment seed; environments and action sampling derive their seeds from it and the actor index. */
  seed: number;
  network: NetworkConfig;
  /**
   * A multi-task actor (a task suite): the environment id and task id of
   * each of the `numEnvs` slots, and how many tasks the suite has (the
   * network's value heads). Without it every slot plays `envId`, task 0.
   */
  tasks?: { envIds: readonly string[]; taskIds: readonly number[]; numTasks: number };
}

/**
 * An IMPALA actor (paper section 3): steps N environments with a local,
 * possibly stale copy of the policy and returns fixed-length unrolls with
 * the behaviour policy's logits. Plain TypeScript: the same class runs in a
 * Web Worker, a Node worker thread, or in-process.
 */
export class Actor {
  readonly vec: VecEnv;
  private readonly network: Network;
  private readonly random: RandomState;
  private readonly actions: Int32Array;
  /** Task id of each environment slot. */
  readonly taskIds: Int32Array;
  private readonly observationShape: number[];
  private version = -1;
  private started = false;
  /** A recurrent network's state and previous action and reward per environment; null when feed-forward. */
  private readonly carry: CoreCarry | null;

  constructor(readonly options: ActorOptions) {
    const { actorIndex, envId, numEnvs, unrollLength, seed } = options;
    if (!Number.isInteger(unrollLength) || unrollLength < 1) throw new RangeError(`Actor: unrollLength must be a positive integer, got ${unrollLength}`);
    const tasks = options.tasks;
    if (tasks && (tasks.envIds.length !== numEnvs || tasks.taskIds.length !== numEnvs)) {
      throw new RangeError(`Actor: tasks must name the environment and task of each of the ${numEnvs} environments`);
    }
    if (tasks?.taskIds.some((t) => !(Number.isInteger(t) && t >= 0 && t < tasks.numTasks))) {
      throw new RangeError(`Actor: task ids must be integers in [0, ${tasks.numTasks})`);
    }
    this.vec = new VecEnv(tasks ? tasks.envIds : envId, { numEnvs, seed, seedPath: [actorIndex], envOptions: options.envOptions });
    this.taskIds = Int32Array.from(tasks ? tasks.taskIds : new Array<number>(numEnvs).fill(0));
    const spec = this.vec.spec;
    this.observationShape = [...spec.observationShape];
    this.network = createNetwork(
      options.network,
      { observationShape: spec.observationShape, numActions: spec.numActions, numTasks: tasks?.numTasks ?? 1 },
      0,
      false,
    );
    this.random = new RandomState(deriveSeed(seed, 0x5eed, actorIndex));
    this.actions = new Int32Array(numEnvs);
    this.carry = this.network.core ? new CoreCarry(numEnvs, this.network.core.config.size) : null;
  }

  /** Version of the weights the actor acts with; -1 before the first `setWeights`. */
  get policyVersion(): number {
    return this.version;
  }

  /**
   * The actor's state between unrolls, apart from its weights: its
   * environments (with their random streams and the episodes in progress)
   * its action-sampling stream and, for a recurrent network, the core's
   * state and previous actions and rewards. An actor built with the same options
   * and given this state by `setState` (and the same weights) produces the
   * same unrolls as this one would. See `stateSnapshot.ts`.
   */
  getState(): StateValue {
    return captureState({ vec: this.vec, random: this.random, started: this.started, ...(this.carry ? { core: this.carry } : {}) }, 'actor');
  }

  /** Takes a state from `getState` of an actor with the same options; throws, naming the field, if it does not fit. */
  setState(state: StateValue): void {
    if (state === null || typeof state !== 'object' || Array.isArray(state) || ArrayBuffer.isView(state)) throw new Error('actor state: not an object');
    const { vec, random, started, core } = state as { [key: string]: StateValue };
    if (typeof started !== 'boolean') throw new Error('actor state: started should be true or false');
    if ((core !== undefined) !== (this.carry !== null)) {
      throw new Error(`actor state: ${this.carry ? 'this actor has an LSTM core but the state has no core state' : 'the state has a core state but this actor has no LSTM core'}`);
    }
    // Checked together before anything is written (restoreState checks the path it writes).
    restoreState(this.vec, vec ?? null, 'actor.vec');
    restoreState(this.random, random ?? null, 'actor.random');
    if (this.carry) restoreState(this.carry, core ?? null, 'actor.core');
    this.started = started;
  }

  setWeights(version: number, weights: readonly Float32Array[]): void {
    setNetworkWeights(this.network, weights);
    this.version = version;
  }

  /**
   * Policy logits for the current observations of every environment,
   * `[N][A]`; for a recurrent network, each row is followed by the core's
   * new h and c (`[N][A + 2H]`), all in one read-back.
   */
  private async policyStep(observations: ObservationArray): Promise<Float32Array> {
    const n = this.vec.numEnvs;
    const carry = this.carry;
    const output = tf.tidy(() => {
      const x = tf.tensor(observations, [n, ...this.observationShape], 'float32');
      if (!carry) return this.network.applyPolicy(x).policyLogits;
      const { policyLogits, coreOutputs } = this.network.applyPolicy(x, carry.inputs());
      return tf.concat([policyLogits, coreOutputs!.h, coreOutputs!.c], 1);
    });
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  }

  /** Policy logits for the current observations of every environment, `[N][A]` (a recurrent network's core is not advanced). */
  async policyLogits(observations: ObservationArray): Promise<Float32Array> {
    return this.logitsOf(await this.policyStep(observations), new Float32Array(this.vec.numEnvs * this.vec.spec.numActions));
  }

  /** The `[N][A]` logits of a `policyStep` output, written into `into` (without a core they are the output itself). */
  private logitsOf(out: Float32Array, into: Float32Array): Float32Array {
    if (!this.carry) return out;
    const A = this.vec.spec.numActions;
    const width = A + 2 * this.carry.size;
    for (let k = 0; k < this.vec.numEnvs; k++) into.set(out.subarray(k * width, k * width + A), k * A);
    return into;
  }

  /** Acts for T steps and returns the unroll (a fresh set of buffers, ready to transfer). */
  async unroll(): Promise<Unroll> {
    if (this.version < 0) throw new Error('Actor: setWeights() must be called before unroll()');
    const vec = this.vec;
    const { unrollLength: T, actorIndex } = this.options;
    const N = vec.numEnvs;
    const A = vec.spec.numActions;
    const size = vec.spec.observationSize;
    if (!this.started) {
      vec.reset();
      this.started = true;
    }
    const observations = allocateObservations(vec.spec, (T + 1) * N);
    const actions = new Int32Array(T * N);
    const rewards = new Float32Array(T * N);
    const terminated = new Uint8Array(T * N);
    const truncated = new Uint8Array(T * N);
    const behaviourLogits = new Float32Array(T * N * A);
    const truncatedIndices: number[] = [];
    const truncatedObs: ObservationArray[] = [];
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    const episodeTaskIds: number[] = [];
    const policyVersion = this.version;
    const carry = this.carry;
    const core = carry?.snapshot();
    const buffer = new Float32Array(N * A);

    observations.set(vec.observations, 0);
    for (let t = 0; t < T; t++) {
      const out = await this.policyStep(vec.observations);
      const logits = this.logitsOf(out, buffer);
      behaviourLogits.set(logits, t * N * A);
      sampleCategorical(logits, A, this.random, this.actions);
      vec.step(this.actions);
      if (carry) {
        const state = { data: out, rowWidth: A + 2 * carry.size, hOffset: A, cOffset: A + carry.size };
        carry.advance(state, this.actions, vec.rewards, (k) => vec.terminated[k] === 1 || vec.truncated[k] === 1);
      }
      actions.set(this.actions, t * N);
      rewards.set(vec.rewards, t * N);
      terminated.set(vec.terminated, t * N);
      truncated.set(vec.truncated, t * N);
      for (let n = 0; n < N; n++) {
        if (vec.truncated[n]) {
          truncatedIndices.push(t * N + n);
          truncatedObs.push(vec.finalObservations.slice(n * size, (n + 1) * size));
        }
      }
      const stats = vec.stats;
      for (let k = 0; k < stats.finishedCount; k++) {
        episodeReturns.push(stats.finishedReturns[k]!);
        episodeLengths.push(stats.finishedLengths[k]!);
        episodeTaskIds.push(this.taskIds[stats.finishedEnvs[k]!]!);
      }
      observations.set(vec.observations, (t + 1) * N * size);
    }
    return {
      actorIndex,
      policyVersion,
      T,
      numEnvs: N,
      numActions: A,
      observationShape: [...this.observationShape],
      observationDtype: vec.spec.observationDtype,
      observations,
      actions,
      rewards,
      terminated,
      truncated,
      behaviourLogits,
      truncatedIndices: Int32Array.from(truncatedIndices),
      truncatedObservations: stackObservations(vec.spec, truncatedObs),
      episodeReturns: Float64Array.from(episodeReturns),
      episodeLengths: Int32Array.from(episodeLengths),
      taskIds: this.taskIds.slice(),
      episodeTaskIds: Int32Array.from(episodeTaskIds),
      ...(core ? { core } : {}),
    };
  }

  dispose(): void {
    this.network.dispose();
  }
}
