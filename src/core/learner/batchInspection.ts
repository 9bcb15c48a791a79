import type { Correction } from '../agent/corrections';
import type { InspectedBatch, InspectionParameters } from '../agent/vtraceInspection';
import type { Batch } from './batch';

/**
 * The batch a learner used in its last update and the numbers that update
 * computed on it, for the V-trace inspector (`inspectVtrace`): plain arrays
 * the learner owns (copied out of the batch and out of the update's one
 * read-back), so they cross a worker boundary as they are and nothing else
 * writes to them. No observations and no weights: only the per-step
 * numbers V-trace takes.
 */
export interface BatchInspection extends InspectedBatch {
  /** The version of the weights that computed pi and V (the update made version + 1 if `applied`). */
  version: number;
  /** False when the update was skipped (a loss or gradient that was not finite). */
  applied: boolean;
  numActions: number;
  /** Columns `[0, freshCols)` came from fresh unrolls, the rest from experience replay. */
  freshCols: number;
  /** Task id of each column. */
  taskIds: Int32Array;
  /** The correction, gamma and thresholds the learner learned with: the inspector starts from them. */
  learned: InspectionParameters & { correction: Correction };
}

/** What one update computed on the batch, beyond the batch itself. */
export interface UpdateNumbers {
  version: number;
  applied: boolean;
  /** r_t as learned from (after reward clipping). */
  rewards: Float32Array;
  behaviourActionLogProbs: Float32Array;
  targetActionLogProbs: Float32Array;
  values: Float32Array;
  truncatedValues: Float32Array;
}

/** The inspection record of one update on `batch`: every array copied, so that the record owns compact buffers of its own. */
export function recordBatchInspection(batch: Batch, numbers: UpdateNumbers, learned: BatchInspection['learned']): BatchInspection {
  return {
    T: batch.T,
    cols: batch.cols,
    numActions: batch.numActions,
    freshCols: batch.freshCols,
    taskIds: batch.taskIds.slice(),
    actions: batch.actions.slice(),
    terminated: batch.terminated.slice(),
    truncated: batch.truncated.slice(),
    truncatedIndices: batch.truncatedIndices.slice(),
    version: numbers.version,
    applied: numbers.applied,
    rewards: numbers.rewards.slice(),
    behaviourActionLogProbs: numbers.behaviourActionLogProbs.slice(),
    targetActionLogProbs: numbers.targetActionLogProbs.slice(),
    values: numbers.values.slice(),
    truncatedValues: numbers.truncatedValues.slice(),
    learned: { ...learned },
  };
}
