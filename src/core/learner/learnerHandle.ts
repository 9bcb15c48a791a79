import type { Batch } from './batch';
import type { LearnerOptions, LearnerState, OptimizerState, UpdateResult } from './learner';

/**
 * A learner as a training run and the lab see it: the core `Learner` in
 * this thread, or one in a dedicated worker (`RemoteLearner`), whose
 * counters are mirrored here so that they read synchronously.
 */
export interface LearnerHandle {
  readonly options: LearnerOptions;
  /** Updates applied so far; the version of the current weights. */
  readonly version: number;
  /** Environment frames consumed so far. */
  readonly framesSeen: number;
  /** One update on a batch (paper section 3; `Learner.update`). */
  update(batch: Batch, now?: () => number): Promise<UpdateResult>;
  getWeights(): Promise<Float32Array[]>;
  getOptimizerState(): Promise<OptimizerState>;
  /** Everything the learner learned, read as of the call; the inverse of `restore`. */
  snapshot(): Promise<LearnerState>;
  /** The state from weights and optimiser statistics the caller already holds, with the counters and PopArt statistics as of now. */
  stateWith(weights: readonly Float32Array[], optimizer: OptimizerState | undefined): LearnerState;
  /** Restores counters, weights, optimiser and PopArt statistics; refuses (changing nothing) a state that does not fit. */
  restore(state: LearnerState): Promise<void> | void;
  /** The shape of each weight array, in `getWeights()` order (for model files). */
  weightShapes(): number[][];
  dispose(): void;
}
