import * as tf from '@tensorflow/tfjs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTargets, CORRECTIONS } from '../../src/core/agent/corrections';
import { baselineLoss, entropyLoss, impalaLoss, policyEntropy, policyGradientLoss } from '../../src/core/agent/losses';
import {
  vtraceFromImportanceWeights,
  vtraceFromLogits,
  type VtraceFromLogitsInputs,
} from '../../src/core/agent/vtrace';
import { RandomState } from '../../src/core/rng/randomState';
import { goldenFiles, readJson } from '../support/golden';

/** One case of `$GOLDEN_DIR/vtrace/*.json` (see the golden README). */
interface GoldenCase {
  T: number;
  B: number;
  numActions: number;
  clipRhoThreshold: number | null;
  clipPgRhoThreshold: number | null;
  clipCThreshold: number | null;
  lambda_: number;
  targetLogits: number[][][];
  behaviourLogits: number[][][];
  actions: number[][];
  discounts: number[][];
  rewards: number[][];
  values: number[][];
  bootstrapValue: number[];
  logRhos: number[][];
  vs: number[][];
  pgAdvantages: number[][];
  targetEntropy: number[][];
  policyGradientLossSum: number;
  baselineLossHalfSquaredSum: number;
  entropySum: number;
}

interface GoldenFile {
  description: string;
  layout: string;
  cases: GoldenCase[];
}

/** The golden README's tolerance: 1e-4 relative, for a float32 implementation. */
const RTOL = 1e-4;

/**
 * Relative error with a floor: |actual - expected| / max(|expected|, 1). Pure
 * relative error is meaningless for entries that cancel to near zero (an
 * advantage of 1e-3 among advantages of 10), where float32 leaves an absolute
 * error of a few ulps of the operands; the floor of 1 keeps those honest.
 */
function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1);
}

function maxRelativeError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, relativeError(actual[i]!, expected[i]!));
  return worst;
}

function goldenInputs(c: GoldenCase): VtraceFromLogitsInputs {
  return {
    targetLogits: tf.tensor3d(c.targetLogits, [c.T, c.B, c.numActions], 'float32'),
    behaviourLogits: tf.tensor3d(c.behaviourLogits, [c.T, c.B, c.numActions], 'float32'),
    actions: tf.tensor2d(c.actions, [c.T, c.B], 'int32'),
    discounts: tf.tensor2d(c.discounts, [c.T, c.B], 'float32'),
    rewards: tf.tensor2d(c.rewards, [c.T, c.B], 'float32'),
    values: tf.tensor2d(c.values, [c.T, c.B], 'float32'),
    bootstrapValue: tf.tensor1d(c.bootstrapValue, 'float32'),
    clipRhoThreshold: c.clipRhoThreshold,
    clipPgRhoThreshold: c.clipPgRhoThreshold,
    clipCThreshold: c.clipCThreshold,
    lambda: c.lambda_,
  };
}

function disposeInputs(inputs: VtraceFromLogitsInputs): void {
  const { targetLogits, behaviourLogits, actions, discounts, rewards, values, bootstrapValue } = inputs;
  tf.dispose([targetLogits, behaviourLogits, actions, discounts, rewards, values, bootstrapValue]);
}

/** `_shaped_arange` of scalable_agent's vtrace_test: 0, 1, 2, ... as a nested [rows][cols] array. */
function shapedArange(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => r * cols + c));
}

interface NaiveVtraceArgs {
  logRhos: number[][];
  discounts: number[][];
  rewards: number[][];
  values: number[][];
  bootstrapValue: number[];
  clipRhoThreshold: number | null;
  clipPgRhoThreshold: number | null;
  clipCThreshold: number | null;
  lambda: number;
}

/**
 * V-trace in float64, deliberately naive and close to the paper's notation
 * (section 4.1, eq. 1; the explicit sum, not the recursion of remark 1):
 *   v_s = V(x_s) + sum_{t=s}^{T-1} (prod_{i=s}^{t-1} gamma_i c_i) rho_t (r_t + gamma_t V(x_{t+1}) - V(x_t)),
 *   pgAdvantage_s = rho^pg_s (r_s + gamma_s v_{s+1} - V(x_s)),
 * with V(x_T) = v_T = bootstrapValue.
 */
function naiveVtrace(a: NaiveVtraceArgs): { vs: number[][]; pgAdvantages: number[][] } {
  const T = a.logRhos.length;
  const B = a.bootstrapValue.length;
  const clip = (x: number, threshold: number | null): number => (threshold === null ? x : Math.min(x, threshold));
  const rho = (t: number, b: number): number => Math.exp(a.logRhos[t]![b]!);
  const V = (t: number, b: number): number => (t === T ? a.bootstrapValue[b]! : a.values[t]![b]!);
  const vs: number[][] = [];
  for (let s = 0; s < T; s++) {
    const row: number[] = [];
    for (let b = 0; b < B; b++) {
      let v = V(s, b);
      for (let t = s; t < T; t++) {
        let product = 1;
        for (let i = s; i < t; i++) product *= a.discounts[i]![b]! * a.lambda * clip(rho(i, b), a.clipCThreshold);
        const rhoT = clip(rho(t, b), a.clipRhoThreshold);
        v += product * rhoT * (a.rewards[t]![b]! + a.discounts[t]![b]! * V(t + 1, b) - V(t, b));
      }
      row.push(v);
    }
    vs.push(row);
  }
  const vNext = (s: number, b: number): number => (s + 1 === T ? a.bootstrapValue[b]! : vs[s + 1]![b]!);
  const pgAdvantages = vs.map((row, s) =>
    row.map(
      (_, b) =>
        clip(rho(s, b), a.clipPgRhoThreshold) * (a.rewards[s]![b]! + a.discounts[s]![b]! * vNext(s, b) - a.values[s]![b]!),
    ),
  );
  return { vs, pgAdvantages };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('V-trace against the golden float64 traces', () => {
  const files = goldenFiles('vtrace');

  for (const file of files) {
    const golden = readJson<GoldenFile>(file);

    it(`${basename(file)}: holds cases`, () => {
      expect(golden.cases.length).toBeGreaterThan(0);
    });

    golden.cases.forEach((c, index) => {
      const label = `${basename(file)} case ${index} (T=${c.T}, B=${c.B}, A=${c.numActions}, rho_bar=${String(c.clipRhoThreshold)}, pg_rho_bar=${String(c.clipPgRhoThreshold)}, c_bar=${String(c.clipCThreshold)}, lambda=${c.lambda_})`;
      it(`${label}: logRhos, vs, pgAdvantages, entropy and the loss sums within ${RTOL} relative`, async () => {
        const inputs = goldenInputs(c);
        const out = vtraceFromLogits(inputs);
        const entropy = policyEntropy(inputs.targetLogits);
        const pg = policyGradientLoss(inputs.targetLogits, inputs.actions, out.pgAdvantages);
        const baseline = baselineLoss(out.vs, inputs.values);
        const negEntropy = entropyLoss(inputs.targetLogits);

        const errors = {
          logRhos: maxRelativeError(await out.logRhos.data(), c.logRhos.flat()),
          vs: maxRelativeError(await out.vs.data(), c.vs.flat()),
          pgAdvantages: maxRelativeError(await out.pgAdvantages.data(), c.pgAdvantages.flat()),
          targetEntropy: maxRelativeError(await entropy.data(), c.targetEntropy.flat()),
          policyGradientLossSum: relativeError((await pg.data())[0]!, c.policyGradientLossSum),
          baselineLossHalfSquaredSum: relativeError((await baseline.data())[0]!, c.baselineLossHalfSquaredSum),
          entropySum: relativeError(-(await negEntropy.data())[0]!, c.entropySum),
        };
        tf.dispose([out, entropy, pg, baseline, negEntropy]);
        disposeInputs(inputs);
        for (const [name, error] of Object.entries(errors)) {
          expect(error, `${label}: ${name}`).toBeLessThan(RTOL);
        }
      });
    });
  }
});

describe('V-trace against a naive float64 double loop (scalable_agent vtrace_test)', () => {
  for (const B of [1, 5]) {
    it(`from importance weights, batch ${B}: rho_bar 3.7, pg_rho_bar 2.2`, async () => {
      const T = 5;
      // log rhos in [-2.5, 2.5), so rho spans about [0.08, 12.2): below, between and above both thresholds.
      const logRhos = shapedArange(T, B).map((row) => row.map((x) => 5 * (x / (B * T) - 0.5)));
      const args: NaiveVtraceArgs = {
        logRhos,
        discounts: shapedArange(T, B).map((row) => row.map((_, b) => 0.9 / (b + 1))),
        rewards: shapedArange(T, B),
        values: shapedArange(T, B).map((row) => row.map((x) => x / B)),
        bootstrapValue: Array.from({ length: B }, (_, b) => b + 1),
        clipRhoThreshold: 3.7,
        clipPgRhoThreshold: 2.2,
        clipCThreshold: 1,
        lambda: 1,
      };
      const expected = naiveVtrace(args);
      const out = vtraceFromImportanceWeights({
        logRhos: tf.tensor2d(args.logRhos),
        discounts: tf.tensor2d(args.discounts),
        rewards: tf.tensor2d(args.rewards),
        values: tf.tensor2d(args.values),
        bootstrapValue: tf.tensor1d(args.bootstrapValue),
        clipRhoThreshold: 3.7,
        clipPgRhoThreshold: 2.2,
      });
      expect(maxRelativeError(await out.vs.data(), expected.vs.flat())).toBeLessThan(1e-5);
      expect(maxRelativeError(await out.pgAdvantages.data(), expected.pgAdvantages.flat())).toBeLessThan(1e-5);
      // The rhos above 3.7 are those with log rho > log 3.7.
      const above = logRhos.flat().filter((x) => Math.exp(x) > 3.7).length;
      expect(above).toBeGreaterThan(0);
      expect((await out.clippedRhoFraction.data())[0]).toBeCloseTo(above / (T * B), 6);
      tf.dispose(out);
    });
  }

  it('honours c_bar, lambda and unclipped thresholds (random off-policy data, episode ends)', async () => {
    const T = 9;
    const B = 3;
    const random = new RandomState(17);
    const next = (): number => random.rand();
    const grid = (f: () => number): number[][] => Array.from({ length: T }, () => Array.from({ length: B }, f));
    const args: NaiveVtraceArgs = {
      logRhos: grid(() => 3 * (next() - 0.5)),
      discounts: grid(() => (next() < 0.15 ? 0 : 0.97)),
      rewards: grid(() => 2 * next() - 1),
      values: grid(() => 4 * next() - 2),
      bootstrapValue: Array.from({ length: B }, () => next()),
      clipRhoThreshold: null,
      clipPgRhoThreshold: null,
      clipCThreshold: 0.7,
      lambda: 0.9,
    };
    const expected = naiveVtrace(args);
    const out = vtraceFromImportanceWeights({
      logRhos: tf.tensor2d(args.logRhos),
      discounts: tf.tensor2d(args.discounts),
      rewards: tf.tensor2d(args.rewards),
      values: tf.tensor2d(args.values),
      bootstrapValue: tf.tensor1d(args.bootstrapValue),
      clipRhoThreshold: null,
      clipPgRhoThreshold: null,
      clipCThreshold: 0.7,
      lambda: 0.9,
    });
    expect(maxRelativeError(await out.vs.data(), expected.vs.flat())).toBeLessThan(1e-5);
    expect(maxRelativeError(await out.pgAdvantages.data(), expected.pgAdvantages.flat())).toBeLessThan(1e-5);
    expect((await out.clippedRhoFraction.data())[0]).toBe(0);
    tf.dispose(out);
  });

  it('from logits: the action log-probabilities are log softmax(logits)[a]', async () => {
    const T = 7;
    const B = 2;
    const A = 3;
    // scalable_agent's test: _shaped_arange(T, B, A) + 10 (target) and a different behaviour policy.
    const target = Array.from({ length: T }, (_, t) =>
      Array.from({ length: B }, (_, b) => Array.from({ length: A }, (_, a) => (t * B + b) * A + a + 10)),
    );
    const behaviour = target.map((row) => row.map((logits) => logits.map((x, a) => Math.sin(x) * (a + 1))));
    const actions = Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => (t + 2 * b) % A));
    const logSoftmaxAt = (logits: number[], a: number): number => {
      const max = Math.max(...logits);
      const logSum = Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max;
      return logits[a]! - logSum;
    };
    const expectTarget = target.flatMap((row, t) => row.map((logits, b) => logSoftmaxAt(logits, actions[t]![b]!)));
    const expectBehaviour = behaviour.flatMap((row, t) => row.map((logits, b) => logSoftmaxAt(logits, actions[t]![b]!)));
    const zeros = tf.zeros([T, B]);
    const out = vtraceFromLogits({
      targetLogits: tf.tensor3d(target),
      behaviourLogits: tf.tensor3d(behaviour),
      actions: tf.tensor2d(actions, [T, B], 'int32'),
      discounts: zeros,
      rewards: zeros,
      values: zeros,
      bootstrapValue: tf.zeros([B]),
      clipRhoThreshold: null,
      clipPgRhoThreshold: null,
    });
    expect(maxRelativeError(await out.targetActionLogProbs.data(), expectTarget)).toBeLessThan(1e-5);
    expect(maxRelativeError(await out.behaviourActionLogProbs.data(), expectBehaviour)).toBeLessThan(1e-5);
    const expectLogRhos = expectTarget.map((x, i) => x - expectBehaviour[i]!);
    expect(maxRelativeError(await out.logRhos.data(), expectLogRhos)).toBeLessThan(1e-5);
    tf.dispose(out);
  });
});

/** Small valid inputs, T=4, B=3, A=2, for the shape, gradient and memory tests. */
function smallInputs(): VtraceFromLogitsInputs {
  const T = 4;
  const B = 3;
  const A = 2;
  return {
    targetLogits: tf.tensor3d(Array.from({ length: T * B * A }, (_, i) => Math.sin(i)), [T, B, A]),
    behaviourLogits: tf.tensor3d(Array.from({ length: T * B * A }, (_, i) => Math.cos(i)), [T, B, A]),
    actions: tf.tensor2d(Array.from({ length: T * B }, (_, i) => i % A), [T, B], 'int32'),
    discounts: tf.fill([T, B], 0.9) as tf.Tensor2D,
    rewards: tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i % 5) - 2), [T, B]),
    values: tf.tensor2d(Array.from({ length: T * B }, (_, i) => 0.1 * i), [T, B]),
    bootstrapValue: tf.tensor1d([0.5, -0.5, 1]),
  };
}

describe('V-trace input checks', () => {
  const expectThrow = (patch: Partial<VtraceFromLogitsInputs>, message: RegExp): void => {
    const inputs = smallInputs();
    const patched = { ...inputs, ...patch };
    try {
      expect(() => vtraceFromLogits(patched)).toThrow(message);
    } finally {
      disposeInputs(inputs);
      tf.dispose(Object.values(patch).filter((x): x is tf.Tensor => x instanceof tf.Tensor));
    }
  };

  it('names the argument and both shapes', () => {
    expectThrow({ values: tf.zeros([4, 2]) }, /vtraceFromLogits: values must have shape \[T, B\] = \[4, 3\], got \[4, 2\]/);
    expectThrow({ rewards: tf.zeros([5, 3]) }, /rewards must have shape \[T, B\] = \[4, 3\], got \[5, 3\]/);
    expectThrow({ discounts: tf.zeros([4, 3, 1]) }, /discounts must have shape \[T, B\] = \[4, 3\], got \[4, 3, 1\]/);
    expectThrow({ bootstrapValue: tf.zeros([4, 3]) }, /bootstrapValue must have shape \[B\] = \[3\], got \[4, 3\]/);
    expectThrow({ bootstrapValue: tf.zeros([2]) }, /bootstrapValue must have shape \[B\] = \[3\], got \[2\]/);
    expectThrow({ targetLogits: tf.zeros([4, 3]) }, /targetLogits must have shape \[T, B, A\] \(rank 3, no empty dimension\), got \[4, 3\]/);
    expectThrow({ behaviourLogits: tf.zeros([4, 3, 5]) }, /behaviourLogits must have shape \[T, B, A\] = \[4, 3, 2\], got \[4, 3, 5\]/);
    expectThrow({ actions: tf.zeros([12], 'int32') }, /actions must have shape \[T, B\] = \[4, 3\], got \[12\]/);
    expectThrow({ targetLogits: tf.zeros([0, 3, 2]) }, /targetLogits .* got \[0, 3, 2\]/);
  });

  it('checks dtypes and parameter ranges', () => {
    expectThrow({ actions: tf.zeros([4, 3]) }, /actions must be int32, got float32/);
    expectThrow({ clipRhoThreshold: -1 }, /clipRhoThreshold must be a positive number or null, got -1/);
    expectThrow({ clipCThreshold: Number.NaN }, /clipCThreshold must be a positive number or null/);
    expectThrow({ lambda: 1.5 }, /lambda must lie in \[0, 1\], got 1.5/);
  });

  it('checks vtraceFromImportanceWeights too', () => {
    const logRhos = tf.zeros([4, 3]);
    const good = { discounts: tf.zeros([4, 3]), rewards: tf.zeros([4, 3]), values: tf.zeros([4, 3]) };
    const badBootstrap = tf.zeros([4]);
    expect(() => vtraceFromImportanceWeights({ logRhos, ...good, bootstrapValue: badBootstrap })).toThrow(
      /vtraceFromImportanceWeights: bootstrapValue must have shape \[B\] = \[3\], got \[4\]/,
    );
    const rank3 = tf.zeros([4, 3, 1]);
    expect(() => vtraceFromImportanceWeights({ logRhos: rank3, ...good, bootstrapValue: tf.zeros([3]) })).toThrow(
      /logRhos must have shape \[T, B\] \(rank 2, no empty dimension\), got \[4, 3, 1\]/,
    );
    tf.dispose([logRhos, good.discounts, good.rewards, good.values, badBootstrap, rank3]);
  });
});

describe('V-trace targets carry no gradient', () => {
  it('d sum(vs)/d values, d sum(vs)/d bootstrapValue and d sum(pgAdvantages)/d logits are zero', async () => {
    const inputs = smallInputs();
    const vsWrtValues = tf.grad((values: tf.Tensor) => tf.sum(vtraceFromLogits({ ...inputs, values }).vs))(inputs.values);
    const vsWrtBootstrap = tf.grad((bootstrapValue: tf.Tensor) =>
      tf.sum(vtraceFromLogits({ ...inputs, bootstrapValue }).vs),
    )(inputs.bootstrapValue);
    const pgWrtValues = tf.grad((values: tf.Tensor) => tf.sum(vtraceFromLogits({ ...inputs, values }).pgAdvantages))(
      inputs.values,
    );
    const pgWrtTarget = tf.grad((targetLogits: tf.Tensor) =>
      tf.sum(vtraceFromLogits({ ...inputs, targetLogits }).pgAdvantages),
    )(inputs.targetLogits);
    for (const g of [vsWrtValues, vsWrtBootstrap, pgWrtValues, pgWrtTarget]) {
      expect(Array.from(await g.data()).every((x) => x === 0)).toBe(true);
    }
    // The same for every correction: oneStepIS multiplies by rho, which depends on the target logits.
    for (const correction of CORRECTIONS) {
      const g = tf.grad((targetLogits: tf.Tensor) =>
        tf.sum(computeTargets(correction, { ...inputs, targetLogits }).pgAdvantages),
      )(inputs.targetLogits);
      expect(Array.from(await g.data()).every((x) => x === 0), correction).toBe(true);
      g.dispose();
    }
    // The tape does see through the rest: log rhos and the baseline loss have gradients.
    const logRhoGrad = tf.grad((targetLogits: tf.Tensor) =>
      tf.sum(vtraceFromLogits({ ...inputs, targetLogits }).logRhos),
    )(inputs.targetLogits);
    expect(Array.from(await logRhoGrad.data()).some((x) => x !== 0)).toBe(true);
    const baselineGrad = tf.grad((values: tf.Tensor) => {
      const { vs } = vtraceFromLogits({ ...inputs, values });
      return baselineLoss(vs, values);
    })(inputs.values);
    // d/dV 0.5 (vs - V)^2 = V - vs, with vs held constant.
    const { vs } = vtraceFromLogits(inputs);
    const expected = tf.sub(inputs.values, vs);
    expect(maxRelativeError(await baselineGrad.data(), Array.from(await expected.data()))).toBeLessThan(1e-6);
    tf.dispose([vsWrtValues, vsWrtBootstrap, pgWrtValues, pgWrtTarget, logRhoGrad, baselineGrad, vs, expected]);
    disposeInputs(inputs);
  });
});

describe('V-trace leaks no tensors', () => {
  it('leaves tf.memory().numTensors unchanged once the outputs are disposed', () => {
    const inputs = smallInputs();
    const before = tf.memory().numTensors;
    tf.dispose(vtraceFromLogits(inputs));
    tf.dispose(
      vtraceFromImportanceWeights({
        logRhos: inputs.values,
        discounts: inputs.discounts,
        rewards: inputs.rewards,
        values: inputs.values,
        bootstrapValue: inputs.bootstrapValue,
      }),
    );
    for (const correction of CORRECTIONS) tf.dispose(computeTargets(correction, inputs));
    const targets = vtraceFromLogits(inputs);
    tf.dispose(
      impalaLoss({
        logits: inputs.targetLogits,
        actions: inputs.actions,
        pgAdvantages: targets.pgAdvantages,
        vs: targets.vs,
        values: inputs.values,
        logEpsilon: 1e-6,
      }),
    );
    tf.dispose(targets);
    const grads = tf.grads((logits: tf.Tensor, values: tf.Tensor) => {
      const t = vtraceFromLogits({ ...inputs, targetLogits: logits, values });
      return impalaLoss({ logits, actions: inputs.actions, pgAdvantages: t.pgAdvantages, vs: t.vs, values }).total;
    })([inputs.targetLogits, inputs.values]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    disposeInputs(inputs);
  });
});

describe('V-trace on the wasm backend (the one the learner uses in the browser)', () => {
  // Regression: tf.oneHot's dtype argument is ignored by tfjs-backend-wasm 4.22, which made every
  // action log-probability 0 there while the cpu backend was right.
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the golden traces too', async () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const file of goldenFiles('vtrace')) {
      for (const c of readJson<GoldenFile>(file).cases) {
        const inputs = goldenInputs(c);
        const out = vtraceFromLogits(inputs);
        const terms = impalaLoss({
          logits: inputs.targetLogits,
          actions: inputs.actions,
          pgAdvantages: out.pgAdvantages,
          vs: out.vs,
          values: inputs.values,
        });
        expect(maxRelativeError(await out.logRhos.data(), c.logRhos.flat())).toBeLessThan(RTOL);
        expect(maxRelativeError(await out.vs.data(), c.vs.flat())).toBeLessThan(RTOL);
        expect(maxRelativeError(await out.pgAdvantages.data(), c.pgAdvantages.flat())).toBeLessThan(RTOL);
        expect(relativeError((await terms.policyGradientLoss.data())[0]!, c.policyGradientLossSum)).toBeLessThan(RTOL);
        expect(relativeError((await terms.baselineLoss.data())[0]!, c.baselineLossHalfSquaredSum)).toBeLessThan(RTOL);
        expect(relativeError(-(await terms.entropyLoss.data())[0]!, c.entropySum)).toBeLessThan(RTOL);
        tf.dispose([out, terms]);
        disposeInputs(inputs);
      }
    }
  });
});
