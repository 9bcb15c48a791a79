import type { CoreInputs } from '../model/lstmCore';
import type { Batch } from './batch';

/**
 * The core's inputs for a learner batch: x_0 .. x_T of every column,
 * `(T + 1) * cols` rows time-major, run from the state the actor stored at
 * x_0 (scalable_agent's learner unrolls its LSTM from `agent_state` the same
 * way). Row (t, c) for t >= 1 follows step t - 1: where that step ended the
 * episode (terminated or truncated), x_t begins a new one, so the state
 * resets to zero and there is no previous action or reward, as on the
 * actor; otherwise the previous action and reward are a_{t-1} and r_{t-1}.
 */
export function coreInputsOf(batch: Batch): CoreInputs {
  const { T, cols: C, core } = batch;
  if (!core) throw new Error('coreInputsOf: the batch carries no core state');
  const rows = (T + 1) * C;
  const previousActions = new Int32Array(rows);
  const previousRewards = new Float32Array(rows);
  const resets = new Uint8Array(rows);
  previousActions.set(core.previousActions, 0);
  previousRewards.set(core.previousRewards, 0);
  for (let k = C; k < rows; k++) {
    const before = k - C;
    if (batch.terminated[before] || batch.truncated[before]) {
      resets[k] = 1;
      previousActions[k] = -1;
    } else {
      previousActions[k] = batch.actions[before]!;
      previousRewards[k] = batch.rewards[before]!;
    }
  }
  return { initialState: core.initialState, previousActions, previousRewards, resets };
}
