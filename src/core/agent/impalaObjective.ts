import * as tf from '@tensorflow/tfjs';
import { computeTargetsFromImportanceWeights, type Correction } from './corrections';
import { DEFAULT_LOSS_COSTS, type ImpalaLossCosts } from './losses';
import type { VtraceParameters } from './vtrace';

/**
 * The learner's objective as one differentiable op: the off-policy targets
 * (`computeTargetsFromImportanceWeights`: V-trace, Espeholt et al. 2018,
 * section 4, or another correction) and the three loss terms of section 4.2
 * (`impalaLoss`: sums over the T x B steps), from the learner's logits and
 * values, with the gradient written out rather than taped.
 *
 * Notation as in `vtrace.ts` and `losses.ts`: l_s the logits of pi at x_s,
 * pi_s = softmax(l_s), a_s the action, adv_s the policy-gradient advantage,
 * n_s the network's value output (V = sigma n + mu under PopArt, Hessel et
 * al. 2019; V = n without), v_s the value target in the same space as n_s.
 * With c_b = baselineCost, c_e = entropyCost and epsilon the
 * epsilon-correction's (0 otherwise),
 *
 *   L = -sum_s adv_s log(pi_s(a_s) + epsilon)                  (policy gradient)
 *       + c_b 0.5 sum_s (v_s - n_s)^2                           (baseline)
 *       + c_e sum_s sum_a pi_s(a) log pi_s(a)                   (negative entropy)
 *
 * and, with adv_s and v_s held constant (they carry no gradient, section 4.2)
 * and H_s = -sum_a pi_s(a) log pi_s(a),
 *
 *   dL/dl_s = adv_s w_s (pi_s - onehot(a_s)) + c_e pi_s (log pi_s + H_s),   w_s = pi_s(a_s) / (pi_s(a_s) + epsilon),
 *   dL/dn_s = c_b (n_s - v_s),   dL/dn_T = 0.
 *
 * Running the targets and the losses inside one custom-gradient op keeps
 * them off the tape: the learner's backward pass is the network's plus these
 * few kernels. `tests/unit/impalaObjective.test.ts` checks value and
 * gradient against the taped composition of `computeTargets` and `impalaLoss`.
 */
export interface ImpalaObjectiveInputs {
  /** l: the learner's policy logits, `[T, B, A]`; differentiated. */
  logits: tf.Tensor3D;
  /** n(x_0) .. n(x_T): the network's value outputs, `[T + 1, B]`; differentiated (n(x_T) bootstraps). */
  outputs: tf.Tensor2D;
  /** onehot(a_s): float32 `[T, B, A]`. */
  actionMask: tf.Tensor3D;
  /** log mu(a_s|x_s), the behaviour policy's: `[T, B]`. */
  behaviourActionLogProbs: tf.Tensor2D;
  /** gamma_s: `[T, B]`. */
  discounts: tf.Tensor2D;
  /** r_s: `[T, B]`. */
  rewards: tf.Tensor2D;
  /** PopArt's sigma and mu of each column, `[B]`: V = sigma n + mu. Absent: V = n. */
  popart?: { scale: tf.Tensor1D; shift: tf.Tensor1D };
}

export interface ImpalaObjectiveOptions extends VtraceParameters, Partial<ImpalaLossCosts> {
  correction: Correction;
  /** The epsilon-correction's epsilon (`policyLogEpsilon(correction)`). */
  logEpsilon?: number;
  /** Append the value targets v_s (in V's scale) to the result. */
  withTargets?: boolean;
  /**
   * Append what the V-trace inspector needs of this pass: log pi(a_s|x_s)
   * `[T, B]` and V(x_0) .. V(x_T) `[T + 1, B]` (in V's scale), so that it
   * shows the objective's own numbers. It joins the one concatenation the
   * result already is (one Concat more without `withTargets`, none with).
   */
  withInspection?: boolean;
}

/** What `impalaObjective` returns: index into its vector. */
export const OBJECTIVE_TERMS = ['total', 'policyGradientLoss', 'baselineLoss', 'entropyLoss', 'clippedRhoFraction'] as const;

/**
 * The objective and its terms as one vector `[total, policyGradientLoss,
 * baselineLoss, entropyLoss, clippedRhoFraction]` (the `OBJECTIVE_TERMS`;
 * then, with `withTargets`, the T x B targets v_s; then, with
 * `withInspection`, the T x B log pi(a_s|x_s) and the (T + 1) x B values
 * V(x_s); all time-major). Only `total` has a gradient (the others are for
 * logging): pass `objectiveTotal(result)` to the optimiser, read the rest
 * with one `data()` and split it with `readObjective`.
 */
export function impalaObjective(inputs: ImpalaObjectiveInputs, options: ImpalaObjectiveOptions): tf.Tensor1D {
  const [T, B, A] = inputs.logits.shape;
  const { baselineCost, entropyCost } = { ...DEFAULT_LOSS_COSTS, ...options };
  const epsilon = options.logEpsilon;
  const { actionMask, behaviourActionLogProbs, discounts, rewards, popart } = inputs;
  const op = tf.customGrad((logits, outputs, save) => {
    const l = logits as tf.Tensor3D;
    const n = outputs as tf.Tensor2D;
    const logPi = tf.logSoftmax(l);
    const pi = tf.exp(logPi);
    const logPiA = tf.sum(tf.mul(logPi, actionMask), -1);
    const allValues = popart ? tf.add(tf.mul(n, popart.scale), popart.shift) : n;
    const targets = computeTargetsFromImportanceWeights(options.correction, {
      logRhos: tf.sub(logPiA, behaviourActionLogProbs),
      discounts,
      rewards,
      values: tf.slice(allValues, [0, 0], [T, B]),
      bootstrapValue: tf.reshape(tf.slice(allValues, [T, 0], [1, B]), [B]),
      clipRhoThreshold: options.clipRhoThreshold,
      clipPgRhoThreshold: options.clipPgRhoThreshold,
      clipCThreshold: options.clipCThreshold,
      lambda: options.lambda,
    });
    // Under PopArt the losses live in the normalised space: v -> (v - mu) / sigma, adv -> adv / sigma.
    const vs = popart ? tf.div(tf.sub(targets.vs, popart.shift), popart.scale) : targets.vs;
    const adv = popart ? tf.div(targets.pgAdvantages, popart.scale) : targets.pgAdvantages;
    let logPiTerm = logPiA;
    let weightedAdv = adv;
    if (epsilon !== undefined) {
      const piA = tf.exp(logPiA);
      const piAPlusEpsilon = tf.add(piA, epsilon);
      logPiTerm = tf.log(piAPlusEpsilon);
      weightedAdv = tf.mul(adv, tf.div(piA, piAPlusEpsilon));
    }
    const policyGradientLoss = tf.neg(tf.sum(tf.mul(logPiTerm, adv)));
    const valueError = tf.sub(tf.slice(n, [0, 0], [T, B]), vs);
    const baselineLoss = tf.mul(tf.sum(tf.square(valueError)), 0.5);
    const negativeEntropy = tf.sum(tf.mul(pi, logPi), -1);
    const entropyLoss = tf.sum(negativeEntropy);
    const total = tf.add(tf.add(policyGradientLoss, tf.mul(baselineLoss, baselineCost)), tf.mul(entropyLoss, entropyCost));
    (save as tf.GradSaveFunc)([pi, logPi, weightedAdv, valueError, negativeEntropy]);
    const terms = tf.stack([total, policyGradientLoss, baselineLoss, entropyLoss, targets.clippedRhoFraction]);
    const appended = [
      ...(options.withTargets ? [targets.vs] : []),
      ...(options.withInspection ? [logPiA, allValues] : []),
    ].map((x) => tf.reshape(x, [-1]));
    return {
      value: appended.length > 0 ? tf.concat([terms, ...appended]) : terms,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [pi, logPi, weightedAdv, valueError, negativeEntropy] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dTotal = tf.slice(dy, [0], [1]);
        const policyGradient = tf.mul(tf.sub(pi, actionMask), tf.expandDims(weightedAdv, -1));
        const entropyGradient = tf.mul(tf.mul(pi, tf.sub(logPi, tf.expandDims(negativeEntropy, -1))), entropyCost);
        const dLogits = tf.mul(tf.add(policyGradient, entropyGradient), dTotal);
        const dOutputs = tf.pad(tf.mul(valueError, tf.mul(dTotal, baselineCost)), [[0, 1], [0, 0]]);
        return [dLogits, dOutputs];
      },
    };
  });
  if (inputs.outputs.shape[0] !== T + 1 || inputs.outputs.shape[1] !== B || actionMask.shape[2] !== A) {
    throw new Error(`impalaObjective: outputs must be [T + 1, B] = [${T + 1}, ${B}] and the action mask [T, B, A], got [${inputs.outputs.shape}] and [${actionMask.shape}]`);
  }
  return op(inputs.logits, inputs.outputs) as tf.Tensor1D;
}

/** `impalaObjective`'s vector, read back and split into its parts (absent: not asked for). */
export interface ObjectiveReadout {
  /** The `OBJECTIVE_TERMS`, in order. */
  terms: Float32Array;
  /** v_s in V's scale, `[T * B]` (`withTargets`). */
  vs?: Float32Array;
  /** log pi(a_s|x_s), `[T * B]` (`withInspection`). */
  targetActionLogProbs?: Float32Array;
  /** V(x_0) .. V(x_T) in V's scale, `[(T + 1) * B]` (`withInspection`). */
  values?: Float32Array;
}

/** The length of `impalaObjective`'s vector for a `[T, B]` batch under `options`. */
export function objectiveLength(T: number, B: number, options: Pick<ImpalaObjectiveOptions, 'withTargets' | 'withInspection'>): number {
  return OBJECTIVE_TERMS.length + (options.withTargets ? T * B : 0) + (options.withInspection ? T * B + (T + 1) * B : 0);
}

/** Splits the data of `impalaObjective`'s vector (views on `data`, no copies), with the `options` it was made with. */
export function readObjective(data: Float32Array, T: number, B: number, options: Pick<ImpalaObjectiveOptions, 'withTargets' | 'withInspection'>): ObjectiveReadout {
  if (data.length !== objectiveLength(T, B, options)) {
    throw new Error(`readObjective: expected ${objectiveLength(T, B, options)} numbers for T = ${T}, B = ${B}, got ${data.length}`);
  }
  let at = 0;
  const take = (n: number): Float32Array => data.subarray(at, (at += n));
  const terms = take(OBJECTIVE_TERMS.length);
  const vs = options.withTargets ? take(T * B) : undefined;
  const targetActionLogProbs = options.withInspection ? take(T * B) : undefined;
  const values = options.withInspection ? take((T + 1) * B) : undefined;
  return { terms, ...(vs ? { vs } : {}), ...(targetActionLogProbs && values ? { targetActionLogProbs, values } : {}) };
}

/** The total loss, the differentiable part of `impalaObjective`'s result. */
export function objectiveTotal(objective: tf.Tensor1D): tf.Scalar {
  return tf.reshape(tf.slice(objective, [0], [1]), []) as tf.Scalar;
}

/**
 * log softmax(logits)[a] of each step, in float64: the behaviour policy's
 * action log-probabilities, from the actors' logits `[T * B * A]` and
 * actions `[T * B]` (no tensor ops: they are data, not parameters).
 */
export function behaviourActionLogProbs(logits: ArrayLike<number>, actions: ArrayLike<number>, A: number): Float32Array {
  const out = new Float32Array(actions.length);
  for (let k = 0; k < actions.length; k++) {
    let max = -Infinity;
    for (let j = 0; j < A; j++) max = Math.max(max, logits[k * A + j]!);
    let sum = 0;
    for (let j = 0; j < A; j++) sum += Math.exp(logits[k * A + j]! - max);
    out[k] = logits[k * A + actions[k]!]! - max - Math.log(sum);
  }
  return out;
}

/** onehot(a_s) as float32 `[T * B * A]`. */
export function actionMask(actions: ArrayLike<number>, A: number): Float32Array {
  const mask = new Float32Array(actions.length * A);
  for (let k = 0; k < actions.length; k++) mask[k * A + actions[k]!] = 1;
  return mask;
}
