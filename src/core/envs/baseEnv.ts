import type { Env, EnvSpec, ObservationArray, StepResult } from './types';

/**
 * Shared episode bookkeeping: the reused step result, the time limit
 * (truncation, as Gymnasium's `TimeLimit` wrapper: `truncated` once
 * `elapsedSteps >= maxEpisodeSteps`, possibly together with `terminated`),
 * and the guard that an ended episode is reset before it is stepped again.
 * Subclasses supply the dynamics.
 */
export abstract class BaseEnv implements Env {
  abstract readonly spec: EnvSpec;
  private readonly result: StepResult = { reward: 0, terminated: false, truncated: false };
  private elapsed = 0;
  private running = false;

  get elapsedSteps(): number {
    return this.elapsed;
  }

  reset(): void {
    this.resetDynamics();
    this.beginEpisode();
  }

  /**
   * Starts the step count and allows stepping, as `reset()` does after
   * `resetDynamics()`; for subclasses that put the dynamics in a given start
   * state themselves (e.g. a `setState` for replays and tests).
   */
  protected beginEpisode(): void {
    this.elapsed = 0;
    this.running = true;
  }

  step(action: number): Readonly<StepResult> {
    if (!this.running) {
      throw new Error(`${this.spec.id}: the episode has ended or not started; call reset() before step()`);
    }
    if (!(action >= 0 && action < this.spec.numActions && (action | 0) === action)) {
      throw new RangeError(`${this.spec.id}: action must be an integer in [0, ${this.spec.numActions}), got ${String(action)}`);
    }
    const result = this.result;
    result.reward = this.stepDynamics(action);
    result.terminated = this.isTerminal();
    this.elapsed++;
    const limit = this.spec.maxEpisodeSteps;
    result.truncated = limit !== null && this.elapsed >= limit;
    if (result.terminated || result.truncated) this.running = false;
    return result;
  }

  abstract writeObservation(out: ObservationArray, offset: number): void;
  /** Puts the dynamics in a start state (drawing from the env's generator as the original does). */
  protected abstract resetDynamics(): void;
  /** Applies one action and returns the reward. */
  protected abstract stepDynamics(action: number): number;
  /** Whether the state reached by the last step is terminal. */
  protected abstract isTerminal(): boolean;
}
