import { RandomState } from '../../rng/randomState';
import { BaseEnv } from '../baseEnv';
import type { EnvSpec, ObservationArray } from '../types';

/** What the registry passes to every classic-control environment. */
export interface ClassicEnvOptions {
  /** Registry id, e.g. `classic/CartPole-v1`. */
  id: string;
  /** Seed of the environment's own generator (reset noise), an integer in [0, 2^32). */
  seed: number;
  /** Time limit in steps (truncation); `null` for none. */
  maxEpisodeSteps: number | null;
  /**
   * Partial observability: the velocity components of the observation
   * (`ClassicSpecParts.velocityObservations`) are written as 0. The
   * dynamics, rewards and episode ends are untouched. Default false.
   */
  hideVelocities?: boolean;
}

/** The fixed parts of a classic-control spec. */
export interface ClassicSpecParts {
  observationSize: number;
  actionNames: readonly string[];
  /** Names of the internal state's components, for error messages. */
  stateNames: readonly string[];
  /** Indices of the observation that are velocities, which `hideVelocities` zeroes. */
  velocityObservations: readonly number[];
}

/**
 * Shared base of the Gymnasium classic-control ports: a float64 internal
 * state (Gymnasium computes in float64), float32 observations, the env's own
 * seeded generator for reset noise, and `setState`/`getState` so that tests
 * and replays can start an episode from a known state.
 *
 * With `hideVelocities` the observation keeps its shape but its velocity
 * components read 0, a partially observed task in which speeds must be
 * inferred from earlier observations, as in the position-only control tasks
 * of recurrent-RL papers (e.g. Heess et al. 2015, "Memory-based control with
 * recurrent neural networks"). Only what is observed changes.
 */
export abstract class ClassicEnv extends BaseEnv {
  readonly spec: EnvSpec;
  /** The internal state in float64, as Gymnasium keeps it. */
  protected readonly state: Float64Array;
  /** The env's own generator; reset noise is drawn from it. */
  protected readonly random: RandomState;
  private readonly stateNames: readonly string[];
  /**
   * Observation indices written as 0: the velocities under `hideVelocities`,
   * else none. A `#` field, invisible to `captureState`: it is how the env
   * was built, not its state, so snapshots (deterministic checkpoints) keep
   * the fields they had before the option existed and still restore.
   */
  readonly #hiddenObservations: readonly number[];

  protected constructor(options: ClassicEnvOptions, parts: ClassicSpecParts) {
    super();
    this.random = new RandomState(options.seed);
    this.state = new Float64Array(parts.stateNames.length);
    this.stateNames = parts.stateNames;
    this.#hiddenObservations = options.hideVelocities === true ? parts.velocityObservations : [];
    this.spec = {
      id: options.id,
      observationShape: [parts.observationSize],
      observationSize: parts.observationSize,
      observationDtype: 'float32',
      numActions: parts.actionNames.length,
      actionNames: parts.actionNames,
      maxEpisodeSteps: options.maxEpisodeSteps,
    };
  }

  /**
   * Starts an episode from `state` (the internal state, in the order of
   * `getState()`), exactly as if `reset()` had drawn it: the step count
   * restarts at 0 and the env is ready to step. The generator is not touched.
   */
  setState(state: ArrayLike<number>): void {
    const n = this.state.length;
    if (state.length !== n) {
      throw new RangeError(`${this.spec.id}: setState needs ${n} numbers [${this.stateNames.join(', ')}], got ${state.length}`);
    }
    for (let i = 0; i < n; i++) {
      const v = state[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`${this.spec.id}: setState: ${this.stateNames[i]} must be a finite number, got ${String(v)}`);
      }
    }
    for (let i = 0; i < n; i++) this.state[i] = state[i]!;
    this.beginEpisode();
  }

  /** A copy of the internal float64 state. */
  getState(): number[] {
    return Array.from(this.state);
  }

  writeObservation(out: ObservationArray, offset: number): void {
    if (!(out instanceof Float32Array)) {
      throw new TypeError(`${this.spec.id}: observations are float32; pass a Float32Array`);
    }
    this.writeFloat32Observation(out, offset);
    for (const i of this.#hiddenObservations) out[offset + i] = 0;
  }

  /** Writes the observation; the Float32Array store rounds float64 to float32 as numpy's `astype(float32)` does. */
  protected abstract writeFloat32Observation(out: Float32Array, offset: number): void;
}
