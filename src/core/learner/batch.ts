import type { Unroll } from '../actor/unroll';
import { allocateObservations, stackObservations, type ObservationArray } from '../envs/types';
import type { CoreStart } from '../model/coreCarry';

/**
 * B unrolls stacked time-major into one learner batch whose columns are the
 * unrolls' environments side by side (`cols` = sum of their N): the layout
 * V-trace takes, `[T][cols]`.
 */
export interface Batch {
  T: number;
  cols: number;
  numActions: number;
  observationShape: number[];
  /** x_0 .. x_T: `[T + 1][cols][...observationShape]`. */
  observations: ObservationArray;
  actions: Int32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  behaviourLogits: Float32Array;
  /** Flat indices `t * cols + c` of truncated steps, and the observations those episodes ended on. */
  truncatedIndices: Int32Array;
  truncatedObservations: ObservationArray;
  /** Policy version of each unroll, for the policy-lag metric. */
  policyVersions: number[];
  episodeReturns: number[];
  episodeLengths: number[];
  /** Task id of each column: `[cols]` (all 0 outside a task suite). */
  taskIds: Int32Array;
  /** Task id of each episode in `episodeReturns`. */
  episodeTaskIds: number[];
  /** New environment frames: T x the fresh columns (replayed ones were counted when first learned from). */
  frames: number;
  /**
   * Columns `[0, freshCols)` come from fresh unrolls, the rest from replayed
   * ones (experience replay): the learner learns from all of them, but only
   * fresh columns count as frames, episodes and task frames.
   */
  freshCols: number;
  /** A recurrent agent's core at x_0 of each column (the unrolls' `core`, side by side); absent for a feed-forward one. */
  core?: CoreStart;
}

/**
 * Stacks unrolls of one environment and one unroll length into a batch:
 * the fresh ones first, then any replayed from an experience buffer, whose
 * episodes and frames were already counted when they were fresh.
 */
export function assembleBatch(fresh: readonly Unroll[], replayed: readonly Unroll[] = []): Batch {
  if (fresh.length === 0) throw new Error('assembleBatch: no fresh unrolls');
  const unrolls = [...fresh, ...replayed];
  const first = unrolls[0]!;
  const { T, numActions: A, observationShape, observationDtype } = first;
  const size = observationShape.reduce((a, b) => a * b, 1);
  for (const u of unrolls) {
    if (u.T !== T || u.numActions !== A || u.observationShape.join() !== observationShape.join() || u.observationDtype !== observationDtype) {
      throw new Error(`assembleBatch: unrolls disagree (T ${u.T} vs ${T}, actions ${u.numActions} vs ${A}, shape [${u.observationShape}] vs [${observationShape}])`);
    }
  }
  const recurrent = first.core !== undefined;
  if (unrolls.some((u) => (u.core !== undefined) !== recurrent)) throw new Error('assembleBatch: some unrolls carry a core state and others do not');
  const cols = unrolls.reduce((n, u) => n + u.numEnvs, 0);
  const freshCols = fresh.reduce((n, u) => n + u.numEnvs, 0);
  const layout = { observationSize: size, observationDtype };
  const observations = allocateObservations(layout, (T + 1) * cols);
  const actions = new Int32Array(T * cols);
  const rewards = new Float32Array(T * cols);
  const terminated = new Uint8Array(T * cols);
  const truncated = new Uint8Array(T * cols);
  const behaviourLogits = new Float32Array(T * cols * A);
  const truncatedIndices: number[] = [];
  const truncatedObs: ObservationArray[] = [];
  let col = 0;
  for (const u of unrolls) {
    const N = u.numEnvs;
    for (let t = 0; t <= T; t++) {
      observations.set(u.observations.subarray(t * N * size, (t + 1) * N * size), (t * cols + col) * size);
      if (t === T) break;
      const src = t * N;
      const dst = t * cols + col;
      actions.set(u.actions.subarray(src, src + N), dst);
      rewards.set(u.rewards.subarray(src, src + N), dst);
      terminated.set(u.terminated.subarray(src, src + N), dst);
      truncated.set(u.truncated.subarray(src, src + N), dst);
      behaviourLogits.set(u.behaviourLogits.subarray(src * A, (src + N) * A), dst * A);
    }
    u.truncatedIndices.forEach((flat, k) => {
      const t = Math.floor(flat / N);
      truncatedIndices.push(t * cols + col + (flat % N));
      truncatedObs.push(u.truncatedObservations.subarray(k * size, (k + 1) * size));
    });
    col += N;
  }
  return {
    T,
    cols,
    numActions: A,
    observationShape: [...observationShape],
    observations,
    actions,
    rewards,
    terminated,
    truncated,
    behaviourLogits,
    truncatedIndices: Int32Array.from(truncatedIndices),
    truncatedObservations: stackObservations(layout, truncatedObs),
    policyVersions: unrolls.map((u) => u.policyVersion),
    episodeReturns: fresh.flatMap((u) => Array.from(u.episodeReturns)),
    episodeLengths: fresh.flatMap((u) => Array.from(u.episodeLengths)),
    taskIds: Int32Array.from(unrolls.flatMap((u) => Array.from(u.taskIds))),
    episodeTaskIds: fresh.flatMap((u) => Array.from(u.episodeTaskIds)),
    frames: T * freshCols,
    freshCols,
    ...(recurrent ? { core: stackCoreStarts(unrolls.map((u) => u.core!)) } : {}),
  };
}

/** Cores of several unrolls side by side, in column order; all must have one core size. */
function stackCoreStarts(cores: readonly CoreStart[]): CoreStart {
  const columns = cores.reduce((n, c) => n + c.previousActions.length, 0);
  const width = cores[0]!.initialState.h.length / cores[0]!.previousActions.length;
  const out: CoreStart = {
    initialState: { h: new Float32Array(columns * width), c: new Float32Array(columns * width) },
    previousActions: new Int32Array(columns),
    previousRewards: new Float32Array(columns),
  };
  let col = 0;
  for (const core of cores) {
    const N = core.previousActions.length;
    if (core.initialState.h.length !== N * width || core.initialState.c.length !== N * width || core.previousRewards.length !== N) {
      throw new Error(`assembleBatch: an unroll's core state does not fit ${N} environments of core size ${width}`);
    }
    out.initialState.h.set(core.initialState.h, col * width);
    out.initialState.c.set(core.initialState.c, col * width);
    out.previousActions.set(core.previousActions, col);
    out.previousRewards.set(core.previousRewards, col);
    col += N;
  }
  return out;
}

/**
 * The buffers of a batch that may be handed to a learner in another thread
 * without copying: everything the learner reads and the run does not read
 * afterwards (the run keeps the episode lists, task ids and policy versions
 * for its metrics).
 */
export function batchTransferables(batch: Batch): ArrayBuffer[] {
  const core = batch.core ? [batch.core.initialState.h, batch.core.initialState.c, batch.core.previousActions, batch.core.previousRewards] : [];
  const arrays = [batch.observations, batch.actions, batch.rewards, batch.terminated, batch.truncated, batch.behaviourLogits, batch.truncatedIndices, batch.truncatedObservations, ...core];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
