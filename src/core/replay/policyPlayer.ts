import * as tf from '@tensorflow/tfjs';
import { sampleCategorical } from '../actor/sampleCategorical';
import { ClassicEnv } from '../envs/classic/classicEnv';
import { createEnv, type EnvOptions, type EnvSettings } from '../envs/registry';
import { allocateObservations, type Env, type EnvSpec, type ObservationArray } from '../envs/types';
import { CoreCarry } from '../model/coreCarry';
import { createNetwork, type Network, type NetworkConfig } from '../model/networks';
import { setNetworkWeights } from '../model/weights';
import { renderFrame, type Frame } from '../render/renderFrame';
import { deriveSeed } from '../rng/deriveSeed';
import { RandomState } from '../rng/randomState';
import { SuiteTaskEnv } from '../envs/suite/suiteTaskEnv';
import type { EpisodeEnd, Recording, ReplayStep } from './replay';

/** One task of a multi-task network, as a player plays it. */
export interface PlayerTask {
  /** What the user calls it, e.g. 'breakout'. */
  name: string;
  /** Registry id of the environment that plays it, e.g. 'suite/minatar/breakout'. */
  envId: string;
}

export interface PolicyPlayerOptions {
  /** The environment to play; with `tasks`, the environment of the task to play first. */
  envId: string;
  /**
   * A multi-task network's tasks, in task-id order (the network has one
   * value output per task). The player plays one at a time, starting with
   * the one whose environment is `envId`; `setTask` switches.
   */
  tasks?: readonly PlayerTask[];
  /**
   * For a value head normalised by PopArt: task `task`'s statistics now, so
   * that the value shown is V = sigma n + mu, in the game's own scale
   * (null: the network's output as it is). Read at every step, so it may be
   * a little newer than the weights.
   */
  valueScale?: (task: number) => { mu: number; sigma: number } | null;
  /** Environment options other than the seed. */
  envSettings?: EnvSettings;
  network: NetworkConfig;
  /** The player's seed; the environment and action sampling derive theirs from it (`policyPlayerSeeds`). */
  seed: number;
  /**
   * Most steps a recording stores (default 5,000): a longer episode plays on
   * to its end, but its recording keeps only its first `maxSteps` steps.
   */
  maxSteps?: number;
  /** Act with argmax pi(.|x) instead of sampling (default false). */
  greedy?: boolean;
  /** Pixels per MinAtar cell in the returned frames (default 1; canvases scale them up). */
  frameScale?: number;
}

/** What one `PolicyPlayer.step()` returns. */
export interface PlayerStep {
  step: ReplayStep;
  /** x_t, the state the step acted on, as `renderFrame` draws it. */
  frame: Frame;
  /** Index t of the step in its episode (0 for the first action). */
  t: number;
  /** Number of the episode, counting from 0. */
  episode: number;
  /** Sum of the episode's rewards up to and including this step's. */
  returnSoFar: number;
  /** Version of the weights that chose the action. */
  policyVersion: number;
  /** The step ended the episode; the next step starts a new one. */
  done: boolean;
  /** The episode's recording, when `done`. */
  finished?: Recording;
}

const DEFAULT_MAX_STEPS = 5000;
/** Tag of the player's seed path, apart from the actors' `[actorIndex, env]` paths. */
const PLAYER_SEED_TAG = 0x91a7;

/** The seeds a player with `seed` gives its environment (of task `task`, for a multi-task network) and its action sampler. */
export function policyPlayerSeeds(seed: number, task = 0): { env: number; policy: number } {
  return {
    env: task === 0 ? deriveSeed(seed, PLAYER_SEED_TAG, 0) : deriveSeed(seed, PLAYER_SEED_TAG, 0, task),
    policy: deriveSeed(seed, PLAYER_SEED_TAG, 1),
  };
}

/**
 * pi = softmax(logits) in float64: exp(l_a - max l) / sum_b exp(l_b - max l)
 * (subtracting the maximum changes nothing but keeps exp finite).
 */
export function softmaxFloat64(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let a = 0; a < logits.length; a++) max = Math.max(max, logits[a]!);
  const p = new Array<number>(logits.length);
  let total = 0;
  for (let a = 0; a < logits.length; a++) {
    p[a] = Math.exp(logits[a]! - max);
    total += p[a]!;
  }
  for (let a = 0; a < p.length; a++) p[a] = p[a]! / total;
  return p;
}

/** A suite game's observation in its own 10x10xC layout: what a replay stores (the suite layout's other channels are all 0). */
function gameObservation(env: SuiteTaskEnv): Uint8Array {
  const observation = new Uint8Array(env.inner.spec.observationSize);
  env.inner.writeObservation(observation, 0);
  return observation;
}

/** The first index of the largest value. */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let a = 1; a < values.length; a++) if (values[a]! > values[best]!) best = a;
  return best;
}

/**
 * Plays one environment with its own copy of the policy network, for
 * watching: one step per `step()` call, recording each episode (capped at
 * `maxSteps` stored steps) and handing it over when the episode ends.
 * Seeded, so that the same seed, weights and settings play the same game.
 * Runs on whatever tf.js backend is active and reads results with the
 * asynchronous `data()`, so it never stalls a WebGPU page.
 *
 * A multi-task network (a task suite's agent) plays one of its tasks at a
 * time, with that task's id for the value head; each task has its own
 * seeded environment, created when first played.
 */
export class PolicyPlayer {
  /** The tasks of a multi-task network, in task-id order; empty for a single-task one. */
  readonly tasks: readonly PlayerTask[];
  readonly spec: EnvSpec;
  readonly maxSteps: number;
  private readonly envSettings: EnvSettings | undefined;
  private readonly seed: number;
  private readonly valueScale: PolicyPlayerOptions['valueScale'];
  /** The environment id of each task (the one environment without tasks). */
  private readonly envIds: readonly string[];
  /** The environment of each task played so far. */
  private readonly envs = new Map<number, Env>();
  private env: Env;
  private task = 0;
  private requestedTask = 0;
  private readonly network: Network;
  private readonly random: RandomState;
  private readonly observationBuffer: ObservationArray;
  private readonly sampled = new Int32Array(1);
  private readonly frameScale: number;
  private greedyActing: boolean;
  private version = -1;
  private started = false;
  /** The last step asked for; each `step()` runs after it. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private episode = 0;
  private steps: ReplayStep[] = [];
  private episodeReturn = 0;
  /** A recurrent network's state and previous action and reward; null when feed-forward. */
  private readonly carry: CoreCarry | null;

  constructor(options: PolicyPlayerOptions) {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`PolicyPlayer: maxSteps must be a positive integer, got ${String(maxSteps)}`);
    const frameScale = options.frameScale ?? 1;
    if (!Number.isInteger(frameScale) || frameScale < 1) throw new RangeError(`PolicyPlayer: frameScale must be a positive integer, got ${String(frameScale)}`);
    this.tasks = options.tasks ? [...options.tasks] : [];
    this.envIds = this.tasks.length > 0 ? this.tasks.map((t) => t.envId) : [options.envId];
    this.envSettings = options.envSettings;
    this.seed = options.seed;
    this.valueScale = options.valueScale;
    if (this.tasks.length > 0) {
      this.task = this.tasks.findIndex((t) => t.envId === options.envId);
      if (this.task < 0) throw new RangeError(`PolicyPlayer: ${options.envId} is none of the tasks' environments (${this.tasks.map((t) => t.envId).join(', ')})`);
      this.requestedTask = this.task;
    }
    this.env = this.envOf(this.task);
    this.random = new RandomState(policyPlayerSeeds(options.seed).policy);
    this.spec = this.env.spec;
    this.maxSteps = maxSteps;
    this.frameScale = frameScale;
    this.greedyActing = options.greedy ?? false;
    this.observationBuffer = allocateObservations(this.spec, 1);
    const numTasks = Math.max(1, this.tasks.length);
    this.network = createNetwork(options.network, { observationShape: this.spec.observationShape, numActions: this.spec.numActions, numTasks }, 0, false);
    this.carry = this.network.core ? new CoreCarry(1, this.network.core.config.size) : null;
  }

  /** Registry id of the environment being played (for a multi-task network, the current task's). */
  get envId(): string {
    return this.env.spec.id;
  }

  /** Index of the task being played, or about to be after `setTask` (0 without tasks). */
  get taskIndex(): number {
    return this.requestedTask;
  }

  /**
   * Plays task `index` of a multi-task network from the next step on: the
   * episode in progress is abandoned (not recorded) and the task's own
   * environment starts a new one.
   */
  setTask(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.envIds.length) {
      throw new RangeError(`PolicyPlayer: task must be an integer in [0, ${this.envIds.length - 1}], got ${String(index)}`);
    }
    this.requestedTask = index;
  }

  /** Version of the weights the player acts with; -1 before the first `setWeights`. */
  get policyVersion(): number {
    return this.version;
  }

  /** Whether the player acts with argmax pi(.|x) instead of sampling. Sampling draws from the player's generator; greedy acting draws nothing. */
  get greedy(): boolean {
    return this.greedyActing;
  }

  /** Switches greedy acting on or off from the next step on. */
  setGreedy(greedy: boolean): void {
    this.greedyActing = greedy;
  }

  /** The environment of task `task`, created (and seeded) the first time. */
  private envOf(task: number): Env {
    let env = this.envs.get(task);
    if (!env) {
      env = createEnv(this.envIds[task]!, { ...this.envSettings, seed: policyPlayerSeeds(this.seed, task).env } as EnvOptions);
      this.envs.set(task, env);
    }
    return env;
  }

  setWeights(version: number, weights: readonly Float32Array[]): void {
    if (this.disposed) throw new Error('PolicyPlayer: disposed');
    setNetworkWeights(this.network, weights);
    this.version = version;
  }

  /**
   * Acts once: reads x_t, runs the network on it, picks a_t (sampled from
   * pi, or its argmax when greedy), steps the environment and, when the
   * episode ends, resets it and returns the episode's recording. Calls
   * made before an earlier one has finished run after it, in order.
   */
  step(): Promise<PlayerStep> {
    const run = this.queue.then(() => this.act());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async act(): Promise<PlayerStep> {
    if (this.disposed) throw new Error('PolicyPlayer: disposed');
    if (this.version < 0) throw new Error('PolicyPlayer: setWeights() must be called before step()');
    if (this.requestedTask !== this.task) {
      this.task = this.requestedTask;
      this.env = this.envOf(this.task);
      this.started = false;
      this.steps = [];
      this.episodeReturn = 0;
    }
    const env = this.env;
    const carry = this.carry;
    const task = this.task;
    const A = this.spec.numActions;
    if (!this.started) {
      env.reset();
      carry?.reset();
      this.started = true;
    }
    const t = env.elapsedSteps;
    env.writeObservation(this.observationBuffer, 0);
    const frame = renderFrame(env, this.frameScale);
    const observation = env instanceof ClassicEnv ? env.getState() : env instanceof SuiteTaskEnv ? gameObservation(env) : Uint8Array.from(this.observationBuffer);
    const policyVersion = this.version;

    // One read-back for both heads and a core's new state: [policy logits (A), baseline (1), h (H), c (H)].
    const output = tf.tidy(() => {
      const x = tf.tensor(this.observationBuffer, [1, ...this.spec.observationShape], 'float32');
      const { policyLogits, baseline, coreOutputs } = this.network.apply(x, [task], carry?.inputs());
      return tf.concat([policyLogits, tf.reshape(baseline, [1, 1]), ...(coreOutputs ? [coreOutputs.h, coreOutputs.c] : [])], 1);
    });
    let data: Float32Array;
    try {
      data = (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
    if (this.disposed) throw new Error('PolicyPlayer: disposed during step()');
    const logits = data.subarray(0, A);
    const actionProbabilities = softmaxFloat64(logits);
    let action: number;
    if (this.greedyActing) {
      action = argmax(actionProbabilities);
    } else {
      sampleCategorical(logits, A, this.random, this.sampled);
      action = this.sampled[0]!;
    }

    const result = env.step(action);
    const scale = this.valueScale?.(task) ?? null;
    const value = scale === null ? data[A]! : scale.sigma * data[A]! + scale.mu;
    const step: ReplayStep = { observation, actionProbabilities, action, value, reward: result.reward };
    if (carry) {
      // h_t, the state the step's heads read: what a replay shows as the agent's memory.
      step.coreState = Array.from(data.subarray(A + 1, A + 1 + carry.size));
      const ended = result.terminated || result.truncated;
      carry.advance({ data, rowWidth: data.length, hOffset: A + 1, cOffset: A + 1 + carry.size }, [action], [result.reward], () => ended);
    }
    this.episodeReturn += result.reward;
    if (this.steps.length < this.maxSteps) this.steps.push(step);
    const returnSoFar = this.episodeReturn;
    const episode = this.episode;
    const done = result.terminated || result.truncated;
    if (!done) return { step, frame, t, episode, returnSoFar, policyVersion, done };

    const finished = this.finishEpisode(t + 1, policyVersion, result.terminated ? 'terminal' : 'time-limit');
    env.reset();
    return { step, frame, t, episode, returnSoFar, policyVersion, done, finished };
  }

  private finishEpisode(length: number, policyVersion: number, end: EpisodeEnd): Recording {
    const recording: Recording = {
      envId: this.envId,
      actionNames: this.spec.actionNames,
      policyVersion,
      steps: this.steps,
      episodeReturn: this.episodeReturn,
      length,
      end,
    };
    if (length > this.maxSteps) recording.truncatedAt = this.maxSteps;
    this.steps = [];
    this.episodeReturn = 0;
    this.episode++;
    return recording;
  }

  /** Frees the network's tensors; the player cannot step afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.network.dispose();
  }
}
