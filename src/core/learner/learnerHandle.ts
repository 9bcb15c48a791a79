import type { Batch } from './batch';
import type { BatchInspection } from './batchInspection';
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
  /**
   * The batch of the last update and the numbers the update computed on it
   * (`BatchInspection`), for the V-trace inspector; null before the first
   * update. From a learner in a worker it comes back as a copy.
   */
  lastBatchInspection(): Promise<BatchInspection | null>;
  /** The shape of each weight array, in `getWeights()` order (for model files). */
  weightShapes(): number[][];
  dispose(): void;
}
