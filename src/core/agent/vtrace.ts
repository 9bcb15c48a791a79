import * as tf from '@tensorflow/tfjs';
import { withoutGradient } from './stopGradient';

/**
 * V-trace off-policy actor-critic targets: Espeholt et al. 2018, "IMPALA:
 * Scalable Distributed Deep-RL with Importance Weighted Actor-Learner
 * Architectures", section 4.
 *
 * Notation: T is the unroll length, B the batch size, A the number of
 * actions. Every tensor is time-major: `[T, B]`, logits `[T, B, A]`. mu is
 * the behaviour policy (the actor's, which chose the actions), pi the target
 * policy (the learner's, being improved), gamma_s the per-step discount (0
 * where an episode ended), and V(x_T) = `bootstrapValue`. With
 *
 *   rho_t = min(rho_bar, pi(a_t|x_t) / mu(a_t|x_t)),
 *   c_i   = lambda min(c_bar, pi(a_i|x_i) / mu(a_i|x_i)),
 *
 * the n-step V-trace target (section 4.1, eq. 1) is
 *
 *   v_s = V(x_s) + sum_{t=s}^{s+n-1} gamma^{t-s} (prod_{i=s}^{t-1} c_i) delta_t V,
 *   delta_t V = rho_t (r_t + gamma V(x_{t+1}) - V(x_t)),
 *
 * (remark 1 writes it as the backward recursion
 * v_s - V(x_s) = delta_s V + gamma_s c_s (v_{s+1} - V(x_{s+1})), with the
 * per-step discounts gamma_s in place of gamma). It is computed here in the
 * closed form of eq. 1 with n = T - s, all steps at once rather than one
 * small op per step:
 *
 *   v_s - V(x_s) = sum_t M_st delta_t V,   M_st = prod_{i=s}^{t-1} gamma_i c_i  (t >= s),  0 (t < s),
 *
 * the products being exclusive cumulative products of a `[T, B, T]` tensor
 * (no logarithms, so exact where a discount or trace is 0: an episode end
 * zeroes every product that crosses it). The policy-gradient advantage
 * (section 4.2) is
 *
 *   rho^pg_s (r_s + gamma_s v_{s+1} - V(x_s)),   rho^pg_s = min(pg_rho_bar, pi/mu),
 *
 * with v_T = V(x_T). Thresholds, defaults and the returned fields follow
 * deepmind/scalable_agent's `vtrace.py` (and torchbeast's port), plus c_bar
 * and lambda (section 4.1 and its Retrace-style lambda; both default to 1,
 * which is scalable_agent's fixed `c = min(1, rho)`).
 *
 * `vs` and `pgAdvantages` carry no gradient (`withoutGradient`): the paper
 * treats them as fixed targets. The log-probabilities and `logRhos` do carry
 * gradient to the logits, as in scalable_agent.
 */

/** The paper's clipping thresholds and trace discount; every field is optional. */
export interface VtraceParameters {
  /** rho_bar: clip on rho_t in delta_t V; it fixes which value function V-trace converges to (section 4.1). `null`: no clipping. Default 1. */
  clipRhoThreshold?: number | null;
  /** The clip on rho_s in the policy-gradient advantage (section 4.2). `null`: no clipping. Default 1. */
  clipPgRhoThreshold?: number | null;
  /** c_bar: clip on the trace coefficients c_i; it sets how fast V-trace converges (section 4.1). `null`: no clipping. Default 1. */
  clipCThreshold?: number | null;
  /** lambda in c_i = lambda min(c_bar, rho_i), in [0, 1]. Default 1. */
  lambda?: number;
}

/** The trajectory the targets are computed on, shared by both entry points. */
export interface VtraceTrajectory {
  /** gamma_s: float32 `[T, B]`, the discount after step s; 0 where the episode ended at step s. */
  discounts: tf.Tensor;
  /** r_s: float32 `[T, B]`, the reward of step s. */
  rewards: tf.Tensor;
  /** V(x_s): float32 `[T, B]`, the learner's value estimates. */
  values: tf.Tensor;
  /** V(x_T): float32 `[B]`, the value estimate of the state after the last step. */
  bootstrapValue: tf.Tensor;
}

export interface VtraceFromImportanceWeightsInputs extends VtraceTrajectory, VtraceParameters {
  /** log(pi(a_s|x_s) / mu(a_s|x_s)): float32 `[T, B]`; V-trace works with rhos in log space. */
  logRhos: tf.Tensor;
}

export interface VtraceFromLogitsInputs extends VtraceTrajectory, VtraceParameters {
  /** Logits of mu, the behaviour policy that chose the actions: float32 `[T, B, A]`. */
  behaviourLogits: tf.Tensor;
  /** Logits of pi, the target policy being learned: float32 `[T, B, A]`. */
  targetLogits: tf.Tensor;
  /** a_s: int32 `[T, B]`, the actions taken. */
  actions: tf.Tensor;
}

export type VtraceReturns = {
  /** v_s: `[T, B]`, the baseline's regression target; no gradient. */
  vs: tf.Tensor2D;
  /** rho^pg_s (r_s + gamma_s v_{s+1} - V(x_s)): `[T, B]`; no gradient. */
  pgAdvantages: tf.Tensor2D;
  /** Fraction of the T*B importance weights pi/mu above rho_bar (0 when it is null): a scalar gauge of policy lag. */
  clippedRhoFraction: tf.Scalar;
};

export type VtraceFromLogitsReturns = VtraceReturns & {
  /** log(pi(a_s|x_s) / mu(a_s|x_s)): `[T, B]`. */
  logRhos: tf.Tensor2D;
  /** log mu(a_s|x_s): `[T, B]`. */
  behaviourActionLogProbs: tf.Tensor2D;
  /** log pi(a_s|x_s): `[T, B]`. */
  targetActionLogProbs: tf.Tensor2D;
};

/** V-trace targets from the two policies' logits: the learner's entry point. */
export function vtraceFromLogits(inputs: VtraceFromLogitsInputs): VtraceFromLogitsReturns {
  const where = 'vtraceFromLogits';
  assertVtraceFromLogitsInputs(where, inputs);
  const parameters = resolveVtraceParameters(where, inputs);
  return tf.tidy(() => {
    const targetActionLogProbs = actionLogProbs(inputs.targetLogits, inputs.actions);
    const behaviourActionLogProbs = actionLogProbs(inputs.behaviourLogits, inputs.actions);
    const logRhos = tf.sub(targetActionLogProbs, behaviourActionLogProbs) as tf.Tensor2D;
    return {
      ...vtraceCore(logRhos, inputs, parameters),
      logRhos,
      behaviourActionLogProbs,
      targetActionLogProbs,
    };
  });
}

/** V-trace targets from log importance weights log(pi/mu). */
export function vtraceFromImportanceWeights(inputs: VtraceFromImportanceWeightsInputs): VtraceReturns {
  const where = 'vtraceFromImportanceWeights';
  const [T, B] = assertRank(where, 'logRhos', inputs.logRhos, ['T', 'B']);
  assertShape(where, 'logRhos', inputs.logRhos, ['T', 'B'], [T, B], 'float32');
  assertTrajectory(where, inputs, T, B);
  const parameters = resolveVtraceParameters(where, inputs);
  return tf.tidy(() => vtraceCore(inputs.logRhos, inputs, parameters));
}

/**
 * Checks the shapes and dtypes of `vtraceFromLogits`'s tensors: logits
 * `[T, B, A]`, the rest `[T, B]`, `bootstrapValue` `[B]`. Throws an Error that
 * names `where`, the argument, and the expected and actual shapes.
 */
export function assertVtraceFromLogitsInputs(where: string, inputs: VtraceFromLogitsInputs): void {
  const [T, B, A] = assertRank(where, 'targetLogits', inputs.targetLogits, ['T', 'B', 'A']);
  assertShape(where, 'targetLogits', inputs.targetLogits, ['T', 'B', 'A'], [T, B, A], 'float32');
  assertShape(where, 'behaviourLogits', inputs.behaviourLogits, ['T', 'B', 'A'], [T, B, A], 'float32');
  assertShape(where, 'actions', inputs.actions, ['T', 'B'], [T, B], 'int32');
  assertTrajectory(where, inputs, T, B);
}

/**
 * log pi(a_s|x_s) for a softmax policy: logits `[T, B, A]`, int32 actions
 * `[T, B]`, result `[T, B]` (scalable_agent's `log_probs_from_logits_and_actions`).
 * Differentiable with respect to the logits.
 */
export function actionLogProbs(logits: tf.Tensor, actions: tf.Tensor): tf.Tensor2D {
  const where = 'actionLogProbs';
  const [T, B, A] = assertRank(where, 'logits', logits, ['T', 'B', 'A']);
  assertShape(where, 'actions', actions, ['T', 'B'], [T, B], 'int32');
  return tf.tidy(() => {
    // oneHot's own dtype argument is ignored by the wasm backend of tf.js 4.22 (it writes
    // int32 bits into a float32 buffer: all zeros), so build an int32 mask and cast it.
    const mask = tf.cast(tf.oneHot(actions, A), 'float32');
    return tf.sum(tf.mul(tf.logSoftmax(logits), mask), -1) as tf.Tensor2D;
  });
}

/** The fraction of rho = exp(logRhos) above rho_bar, as a scalar; 0 when rho_bar is null. */
export function clippedRhoFraction(logRhos: tf.Tensor, clipRhoThreshold: number | null): tf.Scalar {
  return tf.tidy(() =>
    clipRhoThreshold === null
      ? tf.scalar(0)
      : tf.mean(tf.cast(tf.greater(logRhos, Math.log(clipRhoThreshold)), 'float32')),
  );
}

/** `VtraceParameters` with the defaults filled in. */
export type ResolvedVtraceParameters = { [K in keyof VtraceParameters]-?: Exclude<VtraceParameters[K], undefined> };

/** The algorithm proper, on checked inputs; the caller tidies. */
function vtraceCore(logRhos: tf.Tensor, trajectory: VtraceTrajectory, p: ResolvedVtraceParameters): VtraceReturns {
  const { discounts, rewards, values, bootstrapValue } = trajectory;
  // The targets are constants (section 4.2): computed off the gradient tape.
  const [vs, pgAdvantages] = tf.unstack(
    withoutGradient([logRhos, discounts, rewards, values, bootstrapValue], () => tf.stack(vtraceTargets(logRhos, trajectory, p))),
  ) as [tf.Tensor2D, tf.Tensor2D];
  return { vs, pgAdvantages, clippedRhoFraction: clippedRhoFraction(logRhos, p.clipRhoThreshold) };
}

/** v_s and the policy-gradient advantages, `[T, B]` each. */
function vtraceTargets(logRhos: tf.Tensor, trajectory: VtraceTrajectory, p: ResolvedVtraceParameters): [tf.Tensor2D, tf.Tensor2D] {
  const { discounts, rewards, values, bootstrapValue } = trajectory;
  const rhos = tf.exp(logRhos);
  const clippedRhos = p.clipRhoThreshold === null ? rhos : tf.minimum(rhos, p.clipRhoThreshold);
  const cs = tf.mul(p.clipCThreshold === null ? rhos : tf.minimum(rhos, p.clipCThreshold), p.lambda);

  // delta_t V = rho_t (r_t + gamma_t V(x_{t+1}) - V(x_t)), with V(x_T) = bootstrapValue.
  const valuesTPlus1 = shiftOneStep(values, bootstrapValue);
  const deltas = tf.mul(clippedRhos, tf.sub(tf.add(rewards, tf.mul(discounts, valuesTPlus1)), values));

  // Eq. 1: v_s - V(x_s) = sum_{t >= s} (prod_{i=s}^{t-1} gamma_i c_i) delta_t V.
  const vs = tf.add(discountedTraceSums(tf.mul(discounts, cs), deltas), values) as tf.Tensor2D;

  // Section 4.2: rho^pg_s (r_s + gamma_s v_{s+1} - V(x_s)), with v_T = V(x_T).
  const vsTPlus1 = shiftOneStep(vs, bootstrapValue);
  const pgRhos = p.clipPgRhoThreshold === null ? rhos : tf.minimum(rhos, p.clipPgRhoThreshold);
  const pgAdvantages = tf.mul(pgRhos, tf.sub(tf.add(rewards, tf.mul(discounts, vsTPlus1)), values)) as tf.Tensor2D;

  return [vs, pgAdvantages];
}

/**
 * sum_{t >= s} (prod_{i=s}^{t-1} a_i) x_t for every s, from `a` and `x` `[T, B]`:
 * eq. 1's sum with a_i = gamma_i c_i and x_t = delta_t V. In `[s, b, t]`
 * layout, row s of `factors` holds 1 before s and a_t from s on; its
 * exclusive cumulative product along t is prod_{i=s}^{t-1} a_i for t >= s
 * (and 1 before s, masked out by `upper`).
 */
function discountedTraceSums(a: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const T = a.shape[0]!;
  // upper[s][t] = 1 where t >= s; lower = 1 - upper. Shaped [T, 1, T] to broadcast over b.
  const upperValues = new Float32Array(T * T);
  for (let s = 0; s < T; s++) upperValues.fill(1, s * T + s, (s + 1) * T);
  const upper = tf.tensor3d(upperValues, [T, 1, T]);
  const lower = tf.tensor3d(upperValues.map((u) => 1 - u), [T, 1, T]);
  const factors = tf.add(tf.mul(tf.expandDims(tf.transpose(a), 0), upper), lower);
  const M = tf.cumprod(factors, 2, true);
  return tf.sum(tf.mul(M, tf.mul(tf.expandDims(tf.transpose(x), 0), upper)), 2);
}

/** `[x_1, ..., x_{T-1}, last]` from `x = [x_0, ..., x_{T-1}]` `[T, B]` and `last` `[B]`. */
function shiftOneStep(x: tf.Tensor, last: tf.Tensor): tf.Tensor {
  const T = x.shape[0]!;
  const lastStep = tf.expandDims(last, 0);
  return T === 1 ? lastStep : tf.concat([tf.slice(x, 1, T - 1), lastStep], 0);
}

function assertTrajectory(where: string, t: VtraceTrajectory, T: number, B: number): void {
  assertShape(where, 'discounts', t.discounts, ['T', 'B'], [T, B], 'float32');
  assertShape(where, 'rewards', t.rewards, ['T', 'B'], [T, B], 'float32');
  assertShape(where, 'values', t.values, ['T', 'B'], [T, B], 'float32');
  assertShape(where, 'bootstrapValue', t.bootstrapValue, ['B'], [B], 'float32');
}

/** Fills in the defaults (thresholds 1, lambda 1) and checks the ranges: thresholds positive or null, lambda in [0, 1]. */
export function resolveVtraceParameters(where: string, p: VtraceParameters): ResolvedVtraceParameters {
  const threshold = (name: string, value: number | null | undefined): number | null => {
    if (value === undefined) return 1;
    if (value !== null && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${where}: ${name} must be a positive number or null, got ${String(value)}`);
    }
    return value;
  };
  const lambda = p.lambda ?? 1;
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`${where}: lambda must lie in [0, 1], got ${String(lambda)}`);
  return {
    clipRhoThreshold: threshold('clipRhoThreshold', p.clipRhoThreshold),
    clipPgRhoThreshold: threshold('clipPgRhoThreshold', p.clipPgRhoThreshold),
    clipCThreshold: threshold('clipCThreshold', p.clipCThreshold),
    lambda,
  };
}

/**
 * Checks that `tensor` has one non-empty dimension per label (e.g. `['T', 'B', 'A']`)
 * and returns its shape; the error names the function, the argument and both shapes.
 */
export function assertRank<const L extends readonly string[]>(
  where: string,
  name: string,
  tensor: tf.Tensor,
  labels: L,
): { readonly [K in keyof L]: number } {
  const shape = tensor.shape;
  if (shape.length !== labels.length || shape.some((d) => d < 1)) {
    throw new Error(
      `${where}: ${name} must have shape [${labels.join(', ')}] (rank ${labels.length}, no empty dimension), got [${shape.join(', ')}]`,
    );
  }
  return shape as unknown as { readonly [K in keyof L]: number };
}

/** Checks that `tensor` has exactly the shape `expected` (named by `labels`) and, if given, the dtype. */
export function assertShape(
  where: string,
  name: string,
  tensor: tf.Tensor,
  labels: readonly string[],
  expected: readonly number[],
  dtype?: tf.DataType,
): void {
  const shape = tensor.shape;
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${where}: ${name} must have shape [${labels.join(', ')}] = [${expected.join(', ')}], got [${shape.join(', ')}]`,
    );
  }
  if (dtype !== undefined && tensor.dtype !== dtype) {
    throw new Error(`${where}: ${name} must be ${dtype}, got ${tensor.dtype}`);
  }
}
