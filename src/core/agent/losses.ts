import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './stopGradient';
import { actionLogProbs, assertRank, assertShape } from './vtrace';

/**
 * The IMPALA loss terms (Espeholt et al. 2018, section 4.2), each summed over
 * time and batch as in deepmind/scalable_agent's `experiment.py`
 * (`compute_policy_gradient_loss`, `compute_baseline_loss`,
 * `compute_entropy_loss`) and torchbeast's `monobeast.py`. Layout: logits
 * `[T, B, A]`, everything else `[T, B]`; every term is a scalar tensor and
 * every function tidies its intermediates.
 */

/**
 * The policy-gradient term: -sum_{s,b} log pi(a_s|x_s) * pgAdvantage_s, whose
 * gradient is the paper's rho_s grad log pi(a_s|x_s) (r_s + gamma_s v_{s+1} - V(x_s))
 * with a minus sign (we minimise). `pgAdvantages` is treated as a constant.
 * With `logEpsilon`, the epsilon that the epsilon-correction (section 5.2.1)
 * adds inside the log, log pi(a_s|x_s) becomes log(pi(a_s|x_s) + logEpsilon).
 */
export function policyGradientLoss(
  logits: tf.Tensor,
  actions: tf.Tensor,
  pgAdvantages: tf.Tensor,
  logEpsilon?: number,
): tf.Scalar {
  const where = 'policyGradientLoss';
  const [T, B] = assertRank(where, 'logits', logits, ['T', 'B', 'A']);
  assertShape(where, 'actions', actions, ['T', 'B'], [T, B], 'int32');
  assertShape(where, 'pgAdvantages', pgAdvantages, ['T', 'B'], [T, B], 'float32');
  if (logEpsilon !== undefined && !(Number.isFinite(logEpsilon) && logEpsilon >= 0)) {
    throw new RangeError(`${where}: logEpsilon must be a non-negative number, got ${String(logEpsilon)}`);
  }
  return tf.tidy(() => {
    const logPi = actionLogProbs(logits, actions);
    const logPiTerm = logEpsilon === undefined ? logPi : tf.log(tf.add(tf.exp(logPi), logEpsilon));
    return tf.neg(tf.sum(tf.mul(logPiTerm, stopGradient(pgAdvantages)))) as tf.Scalar;
  });
}

/**
 * The baseline term: 0.5 * sum_{s,b} (v_s - V(x_s))^2, regressing V(x_s)
 * towards the V-trace target v_s (section 4.2); the 0.5 makes its gradient
 * with respect to V(x_s) exactly -(v_s - V(x_s)). `vs` is treated as a constant.
 */
export function baselineLoss(vs: tf.Tensor, values: tf.Tensor): tf.Scalar {
  const where = 'baselineLoss';
  const [T, B] = assertRank(where, 'values', values, ['T', 'B']);
  assertShape(where, 'vs', vs, ['T', 'B'], [T, B]);
  return tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(stopGradient(vs), values)))));
}

/**
 * H(pi(.|x_s)) = -sum_a pi(a|x_s) log pi(a|x_s) per step: `[T, B]` from
 * logits `[T, B, A]`.
 */
export function policyEntropy(logits: tf.Tensor): tf.Tensor2D {
  assertRank('policyEntropy', 'logits', logits, ['T', 'B', 'A']);
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.softmax(logits), tf.logSoftmax(logits)), -1)) as tf.Tensor2D);
}

/**
 * The entropy term: -sum_{s,b} H(pi(.|x_s)). Adding `entropyCost` times it
 * to the loss rewards entropy, the paper's bonus "to prevent premature
 * convergence" (section 4.2).
 */
export function entropyLoss(logits: tf.Tensor): tf.Scalar {
  assertRank('entropyLoss', 'logits', logits, ['T', 'B', 'A']);
  return tf.tidy(() => tf.sum(tf.mul(tf.softmax(logits), tf.logSoftmax(logits))));
}

export interface ImpalaLossInputs {
  /** The learner's policy logits, float32 `[T, B, A]`. */
  logits: tf.Tensor;
  /** a_s: int32 `[T, B]`. */
  actions: tf.Tensor;
  /** From `vtraceFromLogits` / `computeTargets`: `[T, B]`, constant. */
  pgAdvantages: tf.Tensor;
  /** v_s, the baseline target: `[T, B]`, constant. */
  vs: tf.Tensor;
  /** V(x_s), the learner's baseline: `[T, B]`. */
  values: tf.Tensor;
  /** The epsilon-correction's epsilon (`policyLogEpsilon(correction)`); none by default. */
  logEpsilon?: number;
}

export interface ImpalaLossCosts {
  /** Weight of the baseline term. */
  baselineCost: number;
  /** Weight of the entropy term. */
  entropyCost: number;
}

export const DEFAULT_LOSS_COSTS: Readonly<ImpalaLossCosts> = { baselineCost: 0.5, entropyCost: 0.01 };

export type ImpalaLossTerms = {
  /** policyGradientLoss + baselineCost * baselineLoss + entropyCost * entropyLoss: what the optimiser minimises. */
  total: tf.Scalar;
  policyGradientLoss: tf.Scalar;
  /** Unweighted. */
  baselineLoss: tf.Scalar;
  /** Unweighted (the negative summed entropy). */
  entropyLoss: tf.Scalar;
};

/** The IMPALA objective with each term kept for logging; the caller disposes the four scalars. */
export function impalaLoss(inputs: ImpalaLossInputs, costs: Partial<ImpalaLossCosts> = {}): ImpalaLossTerms {
  const [T, B] = assertRank('impalaLoss', 'logits', inputs.logits, ['T', 'B', 'A']);
  assertShape('impalaLoss', 'values', inputs.values, ['T', 'B'], [T, B], 'float32');
  const { baselineCost, entropyCost } = { ...DEFAULT_LOSS_COSTS, ...costs };
  return tf.tidy(() => {
    const pg = policyGradientLoss(inputs.logits, inputs.actions, inputs.pgAdvantages, inputs.logEpsilon);
    const baseline = baselineLoss(inputs.vs, inputs.values);
    const entropy = entropyLoss(inputs.logits);
    const total = tf.addN([pg, tf.mul(baselineCost, baseline), tf.mul(entropyCost, entropy)]) as tf.Scalar;
    return { total, policyGradientLoss: pg, baselineLoss: baseline, entropyLoss: entropy };
  });
}
