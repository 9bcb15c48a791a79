/**
 * The one interface every environment implements, DOM-free so that the same
 * code runs in Node tests, the headless trainer, workers and the main thread.
 */

/** How an environment's observation is stored: MinAtar's boolean planes as 0/1 bytes, classic control as float32. */
export type ObservationDtype = 'uint8' | 'float32';

/** A flat observation buffer of the spec's dtype. */
export type ObservationArray = Uint8Array | Float32Array;

export interface EnvSpec {
  /** Registry id, e.g. `minatar/breakout`. */
  readonly id: string;
  /** Observation shape: `[10, 10, C]` channel-last for MinAtar, `[n]` for classic control. */
  readonly observationShape: readonly number[];
  /** Product of `observationShape`. */
  readonly observationSize: number;
  readonly observationDtype: ObservationDtype;
  /** Number of discrete actions the agent chooses from. */
  readonly numActions: number;
  /** Human-readable name of each action, indexed by action. */
  readonly actionNames: readonly string[];
  /** Steps after which an episode is truncated (a time limit, not a terminal state); `null` for none. */
  readonly maxEpisodeSteps: number | null;
}

/**
 * What one step returns. Environments reuse one object (no allocation per
 * step): read it before the next `step()` call.
 */
export interface StepResult {
  reward: number;
  /** The episode reached a terminal state of the task (value 0 beyond it). */
  terminated: boolean;
  /** The episode was cut by the time limit; the state is not terminal, so learners bootstrap from it. */
  truncated: boolean;
}

export interface Env {
  readonly spec: EnvSpec;
  /** Starts a new episode. Must be called before the first `step()` and after an episode ends. */
  reset(): void;
  /** Advances one step with an action in `[0, spec.numActions)`. */
  step(action: number): Readonly<StepResult>;
  /** Writes the current observation into `out[offset .. offset + observationSize)`. */
  writeObservation(out: ObservationArray, offset: number): void;
  /** Steps taken in the current episode. */
  readonly elapsedSteps: number;
}

/** What it takes to store observations: their size and dtype. */
export type ObservationLayout = Pick<EnvSpec, 'observationSize' | 'observationDtype'>;

/** Allocates an observation buffer for `count` observations of `spec`. */
export function allocateObservations(spec: ObservationLayout, count: number): ObservationArray {
  const length = spec.observationSize * count;
  return spec.observationDtype === 'uint8' ? new Uint8Array(length) : new Float32Array(length);
}

/** Packs separate observations into one buffer, one after another. */
export function stackObservations(layout: ObservationLayout, observations: readonly ObservationArray[]): ObservationArray {
  const out = allocateObservations(layout, observations.length);
  observations.forEach((o, k) => out.set(o, k * layout.observationSize));
  return out;
}

/** The current observation as a fresh array (convenience; hot paths use `writeObservation`). */
export function observe(env: Env): ObservationArray {
  const out = allocateObservations(env.spec, 1);
  env.writeObservation(out, 0);
  return out;
}
