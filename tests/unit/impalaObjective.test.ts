import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeTargets, CORRECTIONS, policyLogEpsilon, type Correction } from '../../src/core/agent/corrections';
import { actionMask, behaviourActionLogProbs, impalaObjective, objectiveTotal, OBJECTIVE_TERMS, readObjective } from '../../src/core/agent/impalaObjective';
import { impalaLoss } from '../../src/core/agent/losses';
import { RandomState } from '../../src/core/rng/randomState';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const T = 6;
const B = 3;
const A = 4;
const costs = { baselineCost: 0.5, entropyCost: 0.01 };
const vtraceParameters = { clipRhoThreshold: 1.2, clipPgRhoThreshold: 0.9, clipCThreshold: 0.8, lambda: 0.95 };

function data(seed: number) {
  const r = new RandomState(seed);
  const f = (n: number, scale = 1): number[] => Array.from({ length: n }, () => scale * (2 * r.rand() - 1));
  return {
    logits: f(T * B * A, 2),
    behaviourLogits: f(T * B * A, 2),
    actions: Array.from({ length: T * B }, () => r.randint(A)),
    outputs: f((T + 1) * B, 3),
    rewards: f(T * B),
    discounts: Array.from({ length: T * B }, () => (r.rand() < 0.2 ? 0 : 0.9)),
    scale: Array.from({ length: B }, () => 0.5 + r.rand()),
    shift: f(B),
  };
}

/**
 * The reference: the taped composition the learner used before the fused op,
 * `computeTargets` then `impalaLoss` (PopArt: targets on sigma n + mu, losses
 * in the normalised space), differentiated by tf.js.
 */
function reference(d: ReturnType<typeof data>, correction: Correction, popart: boolean) {
  const scale = tf.tensor1d(d.scale);
  const shift = tf.tensor1d(d.shift);
  const f = (logits: tf.Tensor, outputs: tf.Tensor) => {
    const values = popart ? tf.add(tf.mul(outputs, scale), shift) : outputs;
    const targets = computeTargets(correction, {
      targetLogits: logits,
      behaviourLogits: tf.tensor3d(d.behaviourLogits, [T, B, A]),
      actions: tf.tensor2d(d.actions, [T, B], 'int32'),
      discounts: tf.tensor2d(d.discounts, [T, B]),
      rewards: tf.tensor2d(d.rewards, [T, B]),
      values: tf.slice(values, [0, 0], [T, B]),
      bootstrapValue: tf.reshape(tf.slice(values, [T, 0], [1, B]), [B]),
      ...vtraceParameters,
    });
    const terms = impalaLoss(
      {
        logits,
        actions: tf.tensor2d(d.actions, [T, B], 'int32'),
        vs: popart ? tf.div(tf.sub(targets.vs, shift), scale) : targets.vs,
        pgAdvantages: popart ? tf.div(targets.pgAdvantages, scale) : targets.pgAdvantages,
        values: tf.slice(outputs, [0, 0], [T, B]),
        logEpsilon: policyLogEpsilon(correction),
      },
      costs,
    );
    return { terms: [terms.total, terms.policyGradientLoss, terms.baselineLoss, terms.entropyLoss, targets.clippedRhoFraction], vs: targets.vs };
  };
  const logits = tf.tensor3d(d.logits, [T, B, A]);
  const outputs = tf.tensor2d(d.outputs, [T + 1, B]);
  const { terms, vs } = f(logits, outputs);
  const grads = tf.grads((l: tf.Tensor, n: tf.Tensor) => f(l, n).terms[0]!)([logits, outputs]);
  return { terms: terms.map((t) => t.dataSync()[0]!), vs: Array.from(vs.dataSync()), dLogits: Array.from(grads[0]!.dataSync()), dOutputs: Array.from(grads[1]!.dataSync()) };
}

function fused(d: ReturnType<typeof data>, correction: Correction, popart: boolean) {
  const inputs = {
    actionMask: tf.tensor3d(actionMask(d.actions, A), [T, B, A]),
    behaviourActionLogProbs: tf.tensor2d(behaviourActionLogProbs(d.behaviourLogits, d.actions, A), [T, B]),
    discounts: tf.tensor2d(d.discounts, [T, B]),
    rewards: tf.tensor2d(d.rewards, [T, B]),
    ...(popart ? { popart: { scale: tf.tensor1d(d.scale), shift: tf.tensor1d(d.shift) } } : {}),
  };
  const options = { correction, ...vtraceParameters, ...costs, logEpsilon: policyLogEpsilon(correction), withTargets: true };
  const f = (logits: tf.Tensor, outputs: tf.Tensor) =>
    impalaObjective({ ...inputs, logits: logits as tf.Tensor3D, outputs: outputs as tf.Tensor2D }, options);
  const logits = tf.tensor3d(d.logits, [T, B, A]);
  const outputs = tf.tensor2d(d.outputs, [T + 1, B]);
  const all = Array.from(f(logits, outputs).dataSync());
  const grads = tf.grads((l: tf.Tensor, n: tf.Tensor) => objectiveTotal(f(l, n)))([logits, outputs]);
  const K = OBJECTIVE_TERMS.length;
  return { terms: all.slice(0, K), vs: all.slice(K), dLogits: Array.from(grads[0]!.dataSync()), dOutputs: Array.from(grads[1]!.dataSync()) };
}

const close = (actual: readonly number[], expected: readonly number[], label: string): void => {
  expect(actual.length, label).toBe(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!) / Math.max(1, Math.abs(expected[i]!))));
  expect(worst, label).toBeLessThan(1e-5);
};

describe('impalaObjective: the fused targets and losses, against the taped composition', () => {
  for (const correction of CORRECTIONS) {
    for (const popart of [false, true]) {
      it(`${correction}${popart ? ', PopArt' : ''}: terms, targets and the gradient with respect to logits and values`, () => {
        tf.tidy(() => {
          const d = data(correction.length + (popart ? 100 : 0));
          const want = reference(d, correction, popart);
          const got = fused(d, correction, popart);
          close(got.terms, want.terms, 'terms');
          close(got.vs, want.vs, 'vs');
          close(got.dLogits, want.dLogits, 'dL/dlogits');
          close(got.dOutputs, want.dOutputs, 'dL/doutputs');
          // The bootstrap value gets no gradient; the others do.
          expect(got.dOutputs.slice(T * B).every((g) => g === 0)).toBe(true);
          expect(got.dOutputs.slice(0, T * B).some((g) => g !== 0)).toBe(true);
        });
      });
    }
  }

  it('behaviourActionLogProbs is log softmax(logits)[a] in float64', () => {
    const logits = [1, 2, 3, -1, 0, 1000];
    const got = behaviourActionLogProbs(logits, [2, 1], 3);
    const logSumExp = (xs: number[]): number => Math.max(...xs) + Math.log(xs.reduce((s, x) => s + Math.exp(x - Math.max(...xs)), 0));
    expect(got[0]).toBeCloseTo(3 - logSumExp([1, 2, 3]), 6);
    expect(got[1]).toBeCloseTo(0 - logSumExp([-1, 0, 1000]), 3);
  });

  for (const popart of [false, true]) {
    it(`withInspection${popart ? ', PopArt' : ''}: appends log pi(a_s|x_s) and V(x_0..x_T) in V's scale (float64 log-softmax and sigma n + mu), changing nothing else`, () => {
      tf.tidy(() => {
        const d = data(popart ? 7 : 8);
        const inputs = {
          actionMask: tf.tensor3d(actionMask(d.actions, A), [T, B, A]),
          behaviourActionLogProbs: tf.tensor2d(behaviourActionLogProbs(d.behaviourLogits, d.actions, A), [T, B]),
          discounts: tf.tensor2d(d.discounts, [T, B]),
          rewards: tf.tensor2d(d.rewards, [T, B]),
          logits: tf.tensor3d(d.logits, [T, B, A]),
          outputs: tf.tensor2d(d.outputs, [T + 1, B]),
          ...(popart ? { popart: { scale: tf.tensor1d(d.scale), shift: tf.tensor1d(d.shift) } } : {}),
        };
        const options = { correction: 'vtrace' as const, ...vtraceParameters, ...costs, withTargets: popart };
        const plain = readObjective(impalaObjective(inputs, options).dataSync() as Float32Array, T, B, options);
        const read = readObjective(impalaObjective(inputs, { ...options, withInspection: true }).dataSync() as Float32Array, T, B, { ...options, withInspection: true });
        expect(Array.from(read.terms)).toEqual(Array.from(plain.terms));
        expect(read.vs && Array.from(read.vs)).toEqual(plain.vs && Array.from(plain.vs));
        const logPi = d.actions.map((a, k) => {
          const l = d.logits.slice(k * A, (k + 1) * A);
          return l[a]! - Math.log(l.reduce((sum, x) => sum + Math.exp(x), 0));
        });
        close(Array.from(read.targetActionLogProbs!), logPi, 'log pi(a_s|x_s)');
        const V = d.outputs.map((n, i) => (popart ? d.scale[i % B]! * n + d.shift[i % B]! : n));
        close(Array.from(read.values!), V, 'V(x_s)');
        expect(() => readObjective(new Float32Array(3), T, B, options)).toThrow(/expected/);
      });
    });
  }

  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => fused(data(3), 'vtrace', true));
    expect(tf.memory().numTensors).toBe(before);
  });
});
