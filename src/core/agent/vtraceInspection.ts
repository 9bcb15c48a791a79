import * as tf from '@tensorflow/tfjs';
import { resolveVtraceParameters, vtraceFromImportanceWeights, type ResolvedVtraceParameters, type VtraceParameters } from './vtrace';

/**
 * The V-trace inspector's numbers: every quantity of Espeholt et al. 2018,
 * section 4, at each step of one column of a learner batch, from what the
 * learner used in that update (`InspectedBatch`) and thresholds that may
 * differ from the learner's (to show what each one does).
 *
 * Notation as in `vtrace.ts`: mu the behaviour policy (the actor's), pi the
 * target policy (the learner's), a_t the action taken at step t, V(x_T)
 * the bootstrap value. Per step:
 *
 *   rho_t = pi(a_t|x_t) / mu(a_t|x_t),  clipped: min(rho_bar, rho_t),
 *   c_t = lambda min(c_bar, rho_t)                                     (section 4.1),
 *   delta_t V = min(rho_bar, rho_t) (r_t + gamma_t V(x_{t+1}) - V(x_t))  (section 4.1),
 *   v_s = V(x_s) + sum_{t>=s} (prod_{i=s}^{t-1} gamma_i c_i) delta_t V  (section 4.1, eq. 1),
 *   A_s = min(pg_rho_bar, rho_s) (r_s + gamma_s v_{s+1} - V(x_s))       (section 4.2), v_T = V(x_T).
 *
 * v_s and A_s come from the core's own V-trace function
 * (`vtraceFromImportanceWeights`, float32, as the learner computes them);
 * rho_t, c_t and delta_t V, which it keeps to itself, are written out here
 * in float64 from the same float32 inputs.
 *
 * Episode ends are the learner's (`Learner.update`): where an episode ended
 * in a terminal state at step t, gamma_t = 0; where a time limit cut it,
 * gamma_t = 0 too and the learner bootstraps through the reward,
 * r_t + gamma V(x_final), with V(x_final) its value of the state the
 * episode was cut in.
 */

/**
 * What a learner used in one update, as plain arrays, time-major: step t of
 * column c is at `t * cols + c`. Every number is the learner's own.
 */
export interface InspectedBatch {
  /** Unroll length. */
  T: number;
  /** Columns (environments) side by side. */
  cols: number;
  /** a_t: `[T * cols]`. */
  actions: Int32Array;
  /** log mu(a_t|x_t), the actor's probability of the action it took: `[T * cols]`. */
  behaviourActionLogProbs: Float32Array;
  /** log pi(a_t|x_t), the learner's, as the update computed it: `[T * cols]`. */
  targetActionLogProbs: Float32Array;
  /** V(x_0) .. V(x_T) as the update computed them, in V's own scale: `[(T + 1) * cols]`; row T is the bootstrap value. */
  values: Float32Array;
  /** r_t as learned from (after any reward clipping), before a truncation's bootstrap: `[T * cols]`. */
  rewards: Float32Array;
  /** 1 where the episode ended at step t in a terminal state: `[T * cols]`. */
  terminated: Uint8Array;
  /** 1 where a time limit cut the episode at step t: `[T * cols]`. */
  truncated: Uint8Array;
  /** The flat indices of the truncated steps. */
  truncatedIndices: Int32Array;
  /** V(x_final) of the state each truncated episode was cut in, as `truncatedIndices`. */
  truncatedValues: Float32Array;
}

/** gamma and the V-trace thresholds (`null`: no clipping), all given. */
export type InspectionParameters = ResolvedVtraceParameters & {
  /** gamma, the discount of an episode that goes on. */
  discount: number;
};

/** How the episode stands after a step. */
export type StepEnd = 'continues' | 'terminated' | 'truncated';

/** One row of the inspector's table: step t of the inspected column. */
export interface InspectionStep {
  t: number;
  /** a_t. */
  action: number;
  /** mu(a_t|x_t). */
  behaviourProb: number;
  /** pi(a_t|x_t). */
  targetProb: number;
  /** log rho_t = log pi(a_t|x_t) - log mu(a_t|x_t), as V-trace takes it (float32). */
  logRho: number;
  /** rho_t = pi / mu, unclipped. */
  rho: number;
  /** min(rho_bar, rho_t): the weight of delta_t V. */
  clippedRho: number;
  /** rho_t > rho_bar. */
  rhoClipped: boolean;
  /** c_t = lambda min(c_bar, rho_t). */
  c: number;
  /** lambda rho_t, c_t before clipping. */
  unclippedC: number;
  /** rho_t > c_bar. */
  cClipped: boolean;
  /** min(pg_rho_bar, rho_t): the weight of the policy-gradient advantage. */
  pgRho: number;
  /** rho_t > pg_rho_bar. */
  pgRhoClipped: boolean;
  /** r_t as learned from. */
  reward: number;
  end: StepEnd;
  /** V(x_final) where a time limit cut the episode at step t; null elsewhere. */
  truncatedValue: number | null;
  /** The reward V-trace sees: r_t + gamma V(x_final) at a truncation, r_t elsewhere. */
  bootstrappedReward: number;
  /** gamma_t: gamma, or 0 where the episode ended at step t. */
  discount: number;
  /** V(x_t). */
  value: number;
  /** V(x_{t+1}); at t = T - 1 the bootstrap value V(x_T). */
  nextValue: number;
  /** delta_t V = min(rho_bar, rho_t) (r_t + gamma_t V(x_{t+1}) - V(x_t)). */
  delta: number;
  /** v_t, the baseline's target (eq. 1). */
  vs: number;
  /** min(pg_rho_bar, rho_t) (r_t + gamma_t v_{t+1} - V(x_t)), the policy-gradient advantage (section 4.2). */
  pgAdvantage: number;
}

export interface VtraceInspection {
  column: number;
  parameters: InspectionParameters;
  /** V(x_T), which bootstraps the column's last step. */
  bootstrapValue: number;
  steps: InspectionStep[];
}

/**
 * Checks that the arrays of `batch` have the lengths its T and cols give
 * and that every truncated index is a truncated step; throws an Error that
 * names the array (a batch may come from another thread).
 */
export function checkInspectedBatch(where: string, batch: InspectedBatch): void {
  const { T, cols } = batch;
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(cols) && cols > 0)) {
    throw new Error(`${where}: T and cols must be positive integers, got T = ${String(T)}, cols = ${String(cols)}`);
  }
  if (!ArrayBuffer.isView(batch.truncatedIndices)) throw new Error(`${where}: truncatedIndices must be an array of indices`);
  const lengths: [keyof InspectedBatch, number][] = [
    ['actions', T * cols],
    ['behaviourActionLogProbs', T * cols],
    ['targetActionLogProbs', T * cols],
    ['values', (T + 1) * cols],
    ['rewards', T * cols],
    ['terminated', T * cols],
    ['truncated', T * cols],
    ['truncatedValues', batch.truncatedIndices.length],
  ];
  for (const [name, length] of lengths) {
    const array = batch[name] as ArrayLike<number> | undefined;
    if (array?.length !== length) throw new Error(`${where}: ${name} must hold ${length} numbers, got ${array?.length ?? 'none'}`);
  }
  for (const flat of batch.truncatedIndices) {
    if (!(flat >= 0 && flat < T * cols && batch.truncated[flat] === 1)) throw new Error(`${where}: truncated index ${flat} is not a truncated step`);
  }
}

/**
 * gamma and the thresholds with `vtrace.ts`'s defaults filled in (thresholds
 * 1, lambda 1), checked: thresholds positive or null, lambda and gamma in
 * [0, 1].
 */
export function resolveInspectionParameters(where: string, p: VtraceParameters & { discount: number }): InspectionParameters {
  if (!(p.discount >= 0 && p.discount <= 1)) throw new RangeError(`${where}: discount must lie in [0, 1], got ${String(p.discount)}`);
  return { ...resolveVtraceParameters(where, p), discount: p.discount };
}

/**
 * Every quantity of the inspector's table for column `column` of `batch`
 * under `parameters`: the behaviour and target probabilities of the action
 * taken, rho_t before and after clipping, c_t, gamma_t, delta_t V, V(x_t),
 * v_t and the policy-gradient advantage (see the opening comment). Throws
 * on a batch whose arrays do not fit (`checkInspectedBatch`), a column
 * outside it, or parameters out of range. Leaves no tensor behind.
 */
export async function inspectVtrace(batch: InspectedBatch, column: number, parameters: VtraceParameters & { discount: number }): Promise<VtraceInspection> {
  const where = 'inspectVtrace';
  checkInspectedBatch(where, batch);
  const { T, cols } = batch;
  if (!(Number.isInteger(column) && column >= 0 && column < cols)) throw new RangeError(`${where}: column must be an integer in [0, ${cols}), got ${String(column)}`);
  const p = resolveInspectionParameters(where, parameters);
  const gamma = p.discount;
  const at = (t: number): number => t * cols + column;

  const truncatedValue = new Map<number, number>();
  batch.truncatedIndices.forEach((flat, k) => truncatedValue.set(flat, batch.truncatedValues[k]!));
  // The learner's inputs to V-trace for this column, in float32 as it holds them.
  const logRhos = new Float32Array(T);
  const discounts = new Float32Array(T);
  const rewards = new Float32Array(T);
  const values = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const i = at(t);
    logRhos[t] = batch.targetActionLogProbs[i]! - batch.behaviourActionLogProbs[i]!;
    const ended = batch.terminated[i] === 1 || batch.truncated[i] === 1;
    discounts[t] = ended ? 0 : gamma;
    const vFinal = truncatedValue.get(i);
    // float32 steps as the learner's: r_t + (V(x_final) * gamma).
    rewards[t] = vFinal === undefined ? batch.rewards[i]! : batch.rewards[i]! + Math.fround(vFinal * Math.fround(gamma));
    values[t] = batch.values[i]!;
  }
  const bootstrapValue = batch.values[at(T)]!;

  const targets = tf.tidy(() => {
    const column2d = (x: Float32Array): tf.Tensor2D => tf.tensor2d(x, [T, 1]);
    const { vs, pgAdvantages } = vtraceFromImportanceWeights({
      logRhos: column2d(logRhos),
      discounts: column2d(discounts),
      rewards: column2d(rewards),
      values: column2d(values),
      bootstrapValue: tf.tensor1d([bootstrapValue]),
      ...p,
    });
    return tf.concat([tf.reshape(vs, [T]), tf.reshape(pgAdvantages, [T])]);
  });
  let vsAndAdvantages: Float32Array;
  try {
    vsAndAdvantages = (await targets.data()) as Float32Array;
  } finally {
    targets.dispose();
  }

  const clip = (x: number, threshold: number | null): number => (threshold === null ? x : Math.min(threshold, x));
  const steps: InspectionStep[] = [];
  for (let t = 0; t < T; t++) {
    const i = at(t);
    const rho = Math.exp(logRhos[t]!);
    const clippedRho = clip(rho, p.clipRhoThreshold);
    const nextValue = t + 1 < T ? values[t + 1]! : bootstrapValue;
    const vFinal = truncatedValue.get(i);
    steps.push({
      t,
      action: batch.actions[i]!,
      behaviourProb: Math.exp(batch.behaviourActionLogProbs[i]!),
      targetProb: Math.exp(batch.targetActionLogProbs[i]!),
      logRho: logRhos[t]!,
      rho,
      clippedRho,
      rhoClipped: p.clipRhoThreshold !== null && rho > p.clipRhoThreshold,
      c: p.lambda * clip(rho, p.clipCThreshold),
      unclippedC: p.lambda * rho,
      cClipped: p.clipCThreshold !== null && rho > p.clipCThreshold,
      pgRho: clip(rho, p.clipPgRhoThreshold),
      pgRhoClipped: p.clipPgRhoThreshold !== null && rho > p.clipPgRhoThreshold,
      reward: batch.rewards[i]!,
      end: batch.terminated[i] === 1 ? 'terminated' : batch.truncated[i] === 1 ? 'truncated' : 'continues',
      truncatedValue: vFinal ?? null,
      bootstrappedReward: rewards[t]!,
      discount: discounts[t]!,
      value: values[t]!,
      nextValue,
      delta: clippedRho * (rewards[t]! + discounts[t]! * nextValue - values[t]!),
      vs: vsAndAdvantages[t]!,
      pgAdvantage: vsAndAdvantages[T + t]!,
    });
  }
  return { column, parameters: p, bootstrapValue, steps };
}

/** What a column holds, for picking one: importance weights above rho_bar, and episode ends. */
export interface ColumnSummary {
  clippedRhos: number;
  terminations: number;
  truncations: number;
}

/** `ColumnSummary` of column `column` (no tensors; `batch` as `inspectVtrace` takes it, checked by the caller). */
export function summariseColumn(batch: InspectedBatch, column: number, clipRhoThreshold: number | null): ColumnSummary {
  const summary: ColumnSummary = { clippedRhos: 0, terminations: 0, truncations: 0 };
  for (let t = 0; t < batch.T; t++) {
    const i = t * batch.cols + column;
    if (clipRhoThreshold !== null && Math.exp(batch.targetActionLogProbs[i]! - batch.behaviourActionLogProbs[i]!) > clipRhoThreshold) summary.clippedRhos++;
    if (batch.terminated[i] === 1) summary.terminations++;
    if (batch.truncated[i] === 1) summary.truncations++;
  }
  return summary;
}
