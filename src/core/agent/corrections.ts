import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './stopGradient';
import {
  actionLogProbs,
  assertVtraceFromLogitsInputs,
  clippedRhoFraction,
  resolveVtraceParameters,
  vtraceFromImportanceWeights,
  vtraceFromLogits,
  type VtraceFromImportanceWeightsInputs,
  type VtraceFromLogitsInputs,
  type VtraceFromLogitsReturns,
  type VtraceReturns,
} from './vtrace';

/**
 * The off-policy corrections compared in the IMPALA paper's ablation
 * (Espeholt et al. 2018, section 5.2.1, table 2), as one switch:
 *
 * - `'vtrace'`: V-trace (section 4), with the thresholds and lambda given.
 * - `'none'`: "No off-policy correction, e.g. treating experience as being
 *   on-policy." Every importance weight is taken to be 1 (log rho = 0, so
 *   rho_t = c_t = 1, unclipped): `vs` are the n-step bootstrapped returns
 *   v_s = sum_{t=s}^{T-1} (prod_{i=s}^{t-1} gamma_i) r_t + (prod_{i=s}^{T-1} gamma_i) V(x_T)
 *   (lambda-returns if `lambda` < 1: lambda is kept, as it is not an
 *   importance weight), and the policy-gradient advantage is
 *   r_s + gamma_s v_{s+1} - V(x_s), unweighted.
 * - `'epsilon'`: the same targets as `'none'`; the paper adds "a small value
 *   (epsilon = 1e-6) during gradient calculation to prevent log pi(a) from
 *   becoming very small", so the policy-gradient loss uses
 *   log(pi(a_s|x_s) + epsilon). That change lives in the loss: pass
 *   `policyLogEpsilon(correction)` to `policyGradientLoss` / `impalaLoss`.
 * - `'oneStepIS'`: "No off-policy correction when optimising V(x). For the
 *   policy gradient, multiply the advantage at each time step by the
 *   corresponding importance weight. This variant is similar to V-trace
 *   without 'traces'." Read literally: `vs` as in `'none'`, and
 *   pgAdvantage_s = rho_s (r_s + gamma_s v_{s+1} - V(x_s)) with
 *   rho_s = pi(a_s|x_s) / mu(a_s|x_s) and v from the uncorrected targets.
 *   The paper clips nothing here, so rho_s is unclipped by default;
 *   `clipOneStepRhoThreshold` clips it at a threshold for experiments.
 *
 * Every correction returns `VtraceFromLogitsReturns` with the true `logRhos`
 * and action log-probabilities, and `clippedRhoFraction` measured against
 * `inputs.clipRhoThreshold` (default 1) on the true rhos: for the
 * corrections that clip nothing it is the share V-trace would have clipped,
 * a policy-lag gauge comparable across runs.
 */
export type Correction = 'vtrace' | 'none' | 'epsilon' | 'oneStepIS';

/** Every correction, in the paper's table order (V-trace last there; first here as the default). */
export const CORRECTIONS: readonly Correction[] = ['vtrace', 'none', 'epsilon', 'oneStepIS'];

/** epsilon of the epsilon-correction: the policy gradient uses log(pi + 1e-6) (section 5.2.1). */
export const EPSILON_CORRECTION = 1e-6;

export interface CorrectionOptions {
  /** `'oneStepIS'` only: clip on its rho_s = pi/mu. `null` (default): no clipping, as in the paper. */
  clipOneStepRhoThreshold?: number | null;
}

/** The epsilon that the policy-gradient loss adds to pi(a) under `correction`: 1e-6 for `'epsilon'`, otherwise none. */
export function policyLogEpsilon(correction: Correction): number | undefined {
  return correction === 'epsilon' ? EPSILON_CORRECTION : undefined;
}

/** Value targets and policy-gradient advantages for `correction`; the outputs match `vtraceFromLogits`. */
export function computeTargets(
  correction: Correction,
  inputs: VtraceFromLogitsInputs,
  options: CorrectionOptions = {},
): VtraceFromLogitsReturns {
  assertVtraceFromLogitsInputs('computeTargets', inputs);
  if (correction === 'vtrace') return vtraceFromLogits(inputs);
  return tf.tidy(() => {
    const targetActionLogProbs = actionLogProbs(inputs.targetLogits, inputs.actions);
    const behaviourActionLogProbs = actionLogProbs(inputs.behaviourLogits, inputs.actions);
    const logRhos = tf.sub(targetActionLogProbs, behaviourActionLogProbs) as tf.Tensor2D;
    const { behaviourLogits: _b, targetLogits: _t, actions: _a, ...trajectory } = inputs;
    const targets = computeTargetsFromImportanceWeights(correction, { ...trajectory, logRhos }, options);
    return { ...targets, logRhos, behaviourActionLogProbs, targetActionLogProbs };
  });
}

/** The same from log importance weights log(pi/mu) `[T, B]` (as `vtraceFromImportanceWeights`). */
export function computeTargetsFromImportanceWeights(
  correction: Correction,
  inputs: VtraceFromImportanceWeightsInputs,
  options: CorrectionOptions = {},
): VtraceReturns {
  switch (correction) {
    case 'vtrace':
      return vtraceFromImportanceWeights(inputs);
    case 'none':
    case 'epsilon':
      return withoutTraces(inputs, { weightPolicyGradient: false, clipPgRhoThreshold: null });
    case 'oneStepIS': {
      const threshold = options.clipOneStepRhoThreshold ?? null;
      if (threshold !== null && !(Number.isFinite(threshold) && threshold > 0)) {
        throw new RangeError(`computeTargets: clipOneStepRhoThreshold must be a positive number or null, got ${String(threshold)}`);
      }
      return withoutTraces(inputs, { weightPolicyGradient: true, clipPgRhoThreshold: threshold });
    }
    default: {
      const unknown: never = correction;
      throw new Error(`computeTargets: unknown correction ${String(unknown)}`);
    }
  }
}

/** Uncorrected (on-policy) value targets; the policy gradient optionally weighted by the one-step rho_s. */
function withoutTraces(
  inputs: VtraceFromImportanceWeightsInputs,
  pg: { weightPolicyGradient: boolean; clipPgRhoThreshold: number | null },
): VtraceReturns {
  const { clipRhoThreshold, lambda } = resolveVtraceParameters('computeTargets', inputs);
  return tf.tidy(() => {
    const { logRhos } = inputs;
    // Treat the experience as on-policy: V-trace with log rho = 0 is the n-step return.
    const onPolicy = vtraceFromImportanceWeights({
      logRhos: tf.zerosLike(logRhos),
      discounts: inputs.discounts,
      rewards: inputs.rewards,
      values: inputs.values,
      bootstrapValue: inputs.bootstrapValue,
      clipRhoThreshold: null,
      clipPgRhoThreshold: null,
      clipCThreshold: null,
      lambda,
    });

    let pgAdvantages = onPolicy.pgAdvantages;
    if (pg.weightPolicyGradient) {
      const rhos = tf.exp(logRhos);
      const weights = pg.clipPgRhoThreshold === null ? rhos : tf.minimum(rhos, pg.clipPgRhoThreshold);
      // rhos depend on the target logits: the product is a constant target too.
      pgAdvantages = stopGradient(tf.mul(weights, pgAdvantages) as tf.Tensor2D);
    }
    return {
      vs: onPolicy.vs,
      pgAdvantages,
      clippedRhoFraction: clippedRhoFraction(logRhos, clipRhoThreshold),
    };
  });
}
