import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTargets, EPSILON_CORRECTION, policyLogEpsilon } from '../../src/core/agent/corrections';
import { baselineLoss, entropyLoss, impalaLoss, policyGradientLoss } from '../../src/core/agent/losses';
import type { VtraceFromLogitsInputs } from '../../src/core/agent/vtrace';
import { RandomState } from '../../src/core/rng/randomState';

const T = 5;
const B = 3;
const A = 4;

// ---------------------------------------------------------------------------
// Float64 references, written from the definitions (section 4.2 of the paper).
// Logits are flat row-major [T][B][A], everything else flat [T][B].

function logSoftmax64(logits: ArrayLike<number>, row: number): number[] {
  const x = Array.from({ length: A }, (_, a) => logits[row * A + a]!);
  const max = Math.max(...x);
  const logSum = Math.log(x.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return x.map((v) => v - logSum);
}

/** -sum log pi(a_s|x_s) * adv_s, or with log(pi + epsilon). */
function policyGradientLoss64(logits: ArrayLike<number>, actions: ArrayLike<number>, adv: ArrayLike<number>, epsilon?: number): number {
  let loss = 0;
  for (let i = 0; i < T * B; i++) {
    const logPi = logSoftmax64(logits, i)[actions[i]!]!;
    loss -= (epsilon === undefined ? logPi : Math.log(Math.exp(logPi) + epsilon)) * adv[i]!;
  }
  return loss;
}

/** 0.5 sum (vs - V)^2. */
function baselineLoss64(vs: ArrayLike<number>, values: ArrayLike<number>): number {
  let loss = 0;
  for (let i = 0; i < T * B; i++) loss += 0.5 * (vs[i]! - values[i]!) ** 2;
  return loss;
}

/** -sum_s H(pi(.|x_s)) = sum_s sum_a pi log pi. */
function entropyLoss64(logits: ArrayLike<number>): number {
  let loss = 0;
  for (let i = 0; i < T * B; i++) for (const lp of logSoftmax64(logits, i)) loss += Math.exp(lp) * lp;
  return loss;
}

/** Central finite differences of `f` at `x`, in float64. */
function finiteDifferenceGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): number[] {
  const point = Float64Array.from(x);
  return Array.from(point, (_, i) => {
    const saved = point[i]!;
    point[i] = saved + h;
    const up = f(point);
    point[i] = saved - h;
    const down = f(point);
    point[i] = saved;
    return (up - down) / (2 * h);
  });
}

/** float32 against float64: |a - e| <= 1e-3 |e| + 1e-5. */
function expectGradientsClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(Math.abs(actual[i]! - e), `${what}[${i}]: ${actual[i]!} vs ${e}`).toBeLessThanOrEqual(1e-3 * Math.abs(e) + 1e-5);
  });
}

// ---------------------------------------------------------------------------
// Seeded random data.

interface Data {
  targetLogits: number[];
  behaviourLogits: number[];
  actions: number[];
  discounts: number[];
  rewards: number[];
  values: number[];
  bootstrapValue: number[];
  advantages: number[];
  vs: number[];
}

function randomData(seed: number): Data {
  const r = new RandomState(seed);
  const n = T * B;
  return {
    targetLogits: Array.from({ length: n * A }, () => r.uniform(-2, 2)),
    behaviourLogits: Array.from({ length: n * A }, () => r.uniform(-2, 2)),
    actions: Array.from({ length: n }, () => r.randint(A)),
    // Some episode ends (gamma = 0) inside the unroll.
    discounts: Array.from({ length: n }, () => (r.rand() < 0.2 ? 0 : 0.99)),
    rewards: Array.from({ length: n }, () => r.uniform(-1, 1)),
    values: Array.from({ length: n }, () => r.uniform(-2, 2)),
    bootstrapValue: Array.from({ length: B }, () => r.uniform(-2, 2)),
    advantages: Array.from({ length: n }, () => r.uniform(-3, 3)),
    vs: Array.from({ length: n }, () => r.uniform(-2, 2)),
  };
}

function vtraceInputs(d: Data): VtraceFromLogitsInputs {
  return {
    targetLogits: tf.tensor3d(d.targetLogits, [T, B, A]),
    behaviourLogits: tf.tensor3d(d.behaviourLogits, [T, B, A]),
    actions: tf.tensor2d(d.actions, [T, B], 'int32'),
    discounts: tf.tensor2d(d.discounts, [T, B]),
    rewards: tf.tensor2d(d.rewards, [T, B]),
    values: tf.tensor2d(d.values, [T, B]),
    bootstrapValue: tf.tensor1d(d.bootstrapValue),
  };
}

function disposeInputs(inputs: VtraceFromLogitsInputs): void {
  const { targetLogits, behaviourLogits, actions, discounts, rewards, values, bootstrapValue } = inputs;
  tf.dispose([targetLogits, behaviourLogits, actions, discounts, rewards, values, bootstrapValue]);
}

/** The n-step bootstrapped return, float64: G_T = V(x_T), G_s = r_s + gamma_s G_{s+1}; flat [T][B]. */
function nStepReturns64(d: Data): number[] {
  const returns = new Array<number>(T * B).fill(0);
  for (let b = 0; b < B; b++) {
    let g = d.bootstrapValue[b]!;
    for (let s = T - 1; s >= 0; s--) {
      g = d.rewards[s * B + b]! + d.discounts[s * B + b]! * g;
      returns[s * B + b] = g;
    }
  }
  return returns;
}

/** r_s + gamma_s G_{s+1} - V(x_s) with G_T = V(x_T): the uncorrected one-step advantage on the n-step returns. */
function uncorrectedAdvantages64(d: Data, returns: readonly number[]): number[] {
  return returns.map((_, i) => {
    const s = Math.floor(i / B);
    const b = i % B;
    const next = s + 1 === T ? d.bootstrapValue[b]! : returns[i + B]!;
    return d.rewards[i]! + d.discounts[i]! * next - d.values[i]!;
  });
}

/** rho_s = pi(a_s|x_s) / mu(a_s|x_s), float64. */
function rhos64(d: Data): number[] {
  return d.actions.map((a, i) => Math.exp(logSoftmax64(d.targetLogits, i)[a]! - logSoftmax64(d.behaviourLogits, i)[a]!));
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(Math.abs(actual[i]! - e), `${what}[${i}]: ${actual[i]!} vs ${e}`).toBeLessThanOrEqual(rtol * Math.max(Math.abs(e), 1));
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loss gradients against float64 finite differences', () => {
  const d = randomData(2018);
  let actions: tf.Tensor2D;
  let advantages: tf.Tensor2D;
  let vs: tf.Tensor2D;
  beforeAll(() => {
    actions = tf.tensor2d(d.actions, [T, B], 'int32');
    advantages = tf.tensor2d(d.advantages, [T, B]);
    vs = tf.tensor2d(d.vs, [T, B]);
  });
  afterAll(() => tf.dispose([actions, advantages, vs]));

  it('policy gradient loss: value and d/d logits', async () => {
    const logits = tf.tensor3d(d.targetLogits, [T, B, A]);
    const loss = policyGradientLoss(logits, actions, advantages);
    expectClose(await loss.data(), [policyGradientLoss64(d.targetLogits, d.actions, d.advantages)], 'pg loss');
    const grad = tf.grad((x: tf.Tensor) => policyGradientLoss(x, actions, advantages))(logits);
    const expected = finiteDifferenceGradient((x) => policyGradientLoss64(x, d.actions, d.advantages), d.targetLogits);
    expectGradientsClose(await grad.data(), expected, 'd pg / d logits');
    // The advantages are constants: no gradient flows into them.
    const advantageGrad = tf.grad((adv: tf.Tensor) => policyGradientLoss(logits, actions, adv))(advantages);
    expect(Array.from(await advantageGrad.data()).every((x) => x === 0)).toBe(true);
    tf.dispose([logits, loss, grad, advantageGrad]);
  });

  it('policy gradient loss with the epsilon-correction: log(pi + 1e-6)', async () => {
    const logits = tf.tensor3d(d.targetLogits, [T, B, A]);
    const loss = policyGradientLoss(logits, actions, advantages, EPSILON_CORRECTION);
    expectClose(await loss.data(), [policyGradientLoss64(d.targetLogits, d.actions, d.advantages, 1e-6)], 'pg loss (epsilon)');
    const grad = tf.grad((x: tf.Tensor) => policyGradientLoss(x, actions, advantages, EPSILON_CORRECTION))(logits);
    const expected = finiteDifferenceGradient((x) => policyGradientLoss64(x, d.actions, d.advantages, 1e-6), d.targetLogits);
    expectGradientsClose(await grad.data(), expected, 'd pg(epsilon) / d logits');
    tf.dispose([logits, loss, grad]);
  });

  it('baseline loss: value and d/d values (= V - vs)', async () => {
    const values = tf.tensor2d(d.values, [T, B]);
    const loss = baselineLoss(vs, values);
    expectClose(await loss.data(), [baselineLoss64(d.vs, d.values)], 'baseline loss');
    const grad = tf.grad((x: tf.Tensor) => baselineLoss(vs, x))(values);
    const expected = finiteDifferenceGradient((x) => baselineLoss64(d.vs, x), d.values);
    expectGradientsClose(await grad.data(), expected, 'd baseline / d values');
    tf.dispose([values, loss, grad]);
  });

  it('entropy loss: value and d/d logits', async () => {
    const logits = tf.tensor3d(d.targetLogits, [T, B, A]);
    const loss = entropyLoss(logits);
    expectClose(await loss.data(), [entropyLoss64(d.targetLogits)], 'entropy loss');
    const grad = tf.grad((x: tf.Tensor) => entropyLoss(x))(logits);
    const expected = finiteDifferenceGradient((x) => entropyLoss64(x), d.targetLogits);
    expectGradientsClose(await grad.data(), expected, 'd entropy / d logits');
    tf.dispose([logits, loss, grad]);
  });

  it('impalaLoss = pg + baselineCost * baseline + entropyCost * entropy, and its gradient', async () => {
    const logits = tf.tensor3d(d.targetLogits, [T, B, A]);
    const values = tf.tensor2d(d.values, [T, B]);
    const terms = impalaLoss({ logits, actions, pgAdvantages: advantages, vs, values });
    const pg = policyGradientLoss64(d.targetLogits, d.actions, d.advantages);
    const baseline = baselineLoss64(d.vs, d.values);
    const entropy = entropyLoss64(d.targetLogits);
    expectClose(await terms.policyGradientLoss.data(), [pg], 'pg term');
    expectClose(await terms.baselineLoss.data(), [baseline], 'baseline term');
    expectClose(await terms.entropyLoss.data(), [entropy], 'entropy term');
    expectClose(await terms.total.data(), [pg + 0.5 * baseline + 0.01 * entropy], 'total (default costs)');
    tf.dispose(terms);

    const costs = { baselineCost: 0.25, entropyCost: 0.1 };
    const total64 = (x: Float64Array): number =>
      policyGradientLoss64(x, d.actions, d.advantages) + 0.25 * baselineLoss64(d.vs, d.values) + 0.1 * entropyLoss64(x);
    const grad = tf.grad((x: tf.Tensor) => impalaLoss({ logits: x, actions, pgAdvantages: advantages, vs, values }, costs).total)(logits);
    expectGradientsClose(await grad.data(), finiteDifferenceGradient(total64, d.targetLogits), 'd total / d logits');
    tf.dispose([logits, values, grad]);
  });

  it('rejects inconsistent shapes', () => {
    const logits = tf.zeros([T, B, A]);
    const wrong = tf.zeros([T, B + 1]);
    expect(() => policyGradientLoss(logits, actions, wrong)).toThrow(
      /policyGradientLoss: pgAdvantages must have shape \[T, B\] = \[5, 3\], got \[5, 4\]/,
    );
    expect(() => baselineLoss(vs, wrong)).toThrow(/baselineLoss: vs must have shape \[T, B\] = \[5, 4\], got \[5, 3\]/);
    expect(() => entropyLoss(wrong)).toThrow(/entropyLoss: logits must have shape \[T, B, A\]/);
    tf.dispose([logits, wrong]);
  });
});

describe('off-policy corrections (section 5.2.1)', () => {
  const d = randomData(7);
  const returns = nStepReturns64(d);
  const uncorrected = uncorrectedAdvantages64(d, returns);
  const rhos = rhos64(d);

  it('the data are off-policy (so that a missing correction would show)', () => {
    expect(rhos.some((rho) => Math.abs(rho - 1) > 0.5)).toBe(true);
    expect(d.discounts.some((g) => g === 0)).toBe(true);
  });

  for (const correction of ['none', 'epsilon'] as const) {
    it(`'${correction}': vs are the n-step bootstrapped returns and the advantage is unweighted`, async () => {
      const inputs = vtraceInputs(d);
      const out = computeTargets(correction, inputs);
      expectClose(await out.vs.data(), returns, 'vs');
      expectClose(await out.pgAdvantages.data(), uncorrected, 'pgAdvantages');
      // The true log rhos are still reported.
      expectClose(await out.logRhos.data(), rhos.map(Math.log), 'logRhos');
      tf.dispose(out);
      disposeInputs(inputs);
    });
  }

  it(`'epsilon': the policy-gradient loss uses log(pi + 1e-6)`, async () => {
    expect(policyLogEpsilon('epsilon')).toBe(1e-6);
    expect(policyLogEpsilon('none')).toBeUndefined();
    expect(policyLogEpsilon('vtrace')).toBeUndefined();
    expect(policyLogEpsilon('oneStepIS')).toBeUndefined();
    // Make pi(a_0) tiny (about 1e-11) so that log pi and log(pi + 1e-6) differ by about 11.
    const logits = d.targetLogits.slice();
    logits[d.actions[0]!] = -25;
    const inputs = { ...vtraceInputs(d) };
    const logitsTensor = tf.tensor3d(logits, [T, B, A]);
    const out = computeTargets('epsilon', { ...inputs, targetLogits: logitsTensor });
    const advantages = Array.from(await out.pgAdvantages.data());
    const loss = impalaLoss({
      logits: logitsTensor,
      actions: inputs.actions,
      pgAdvantages: out.pgAdvantages,
      vs: out.vs,
      values: inputs.values,
      logEpsilon: policyLogEpsilon('epsilon'),
    });
    const withEpsilon = policyGradientLoss64(logits, d.actions, advantages, 1e-6);
    const withoutEpsilon = policyGradientLoss64(logits, d.actions, advantages);
    expect(Math.abs(withEpsilon - withoutEpsilon)).toBeGreaterThan(1);
    expectClose(await loss.policyGradientLoss.data(), [withEpsilon], 'pg loss (epsilon)');
    tf.dispose([out, loss, logitsTensor]);
    disposeInputs(inputs);
  });

  it(`'oneStepIS': vs as 'none', pgAdvantage_s = rho_s (r_s + gamma_s v_{s+1} - V(x_s)), rho unclipped`, async () => {
    expect(rhos.some((rho) => rho > 1.5)).toBe(true);
    const inputs = vtraceInputs(d);
    const out = computeTargets('oneStepIS', inputs);
    expectClose(await out.vs.data(), returns, 'vs');
    expectClose(await out.pgAdvantages.data(), uncorrected.map((adv, i) => rhos[i]! * adv), 'pgAdvantages');
    tf.dispose(out);
    // The optional clip: min(1.5, rho_s).
    const clipped = computeTargets('oneStepIS', inputs, { clipOneStepRhoThreshold: 1.5 });
    expectClose(await clipped.pgAdvantages.data(), uncorrected.map((adv, i) => Math.min(1.5, rhos[i]!) * adv), 'clipped');
    tf.dispose(clipped);
    disposeInputs(inputs);
  });

  it(`'vtrace' is vtraceFromLogits: it differs from the uncorrected targets on off-policy data`, async () => {
    const inputs = vtraceInputs(d);
    const out = computeTargets('vtrace', inputs);
    const vs = Array.from(await out.vs.data());
    expect(vs.some((v, i) => Math.abs(v - returns[i]!) > 1e-3)).toBe(true);
    tf.dispose(out);
    disposeInputs(inputs);
  });
});
