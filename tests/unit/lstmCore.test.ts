import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { LstmCore, type CoreInputs, type LstmCoreConfig } from '../../src/core/model/lstmCore';
import { createNetwork } from '../../src/core/model/networks';
import { RandomState } from '../../src/core/rng/randomState';
import { useWasmBackend } from '../../src/node/tfWasm';

/**
 * The LSTM core (src/core/model/lstmCore.ts) against a float64 LSTM written
 * out step by step from the equations in its comment, and its gradients
 * against float64 central finite differences of that reference.
 */

beforeAll(async () => {
  await useWasmBackend();
});

interface Params {
  wx: Float64Array;
  wh: Float64Array;
  b: Float64Array;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** h_t of every row (S x C rows, time-major), in float64, straight from the equations. */
function referenceLstm(
  p: Params,
  features: Float64Array,
  F: number,
  A: number,
  H: number,
  core: Pick<LstmCoreConfig, 'previousAction' | 'previousReward'>,
  inputs: CoreInputs,
): { h: Float64Array; c: Float64Array } {
  const s = inputs.initialState as { h: Float32Array; c: Float32Array };
  const C = s.h.length / H;
  const rows = features.length / F;
  const width = F + (core.previousAction ? A : 0) + (core.previousReward ? 1 : 0);
  let h = Float64Array.from(s.h);
  let c = Float64Array.from(s.c);
  const hs = new Float64Array(rows * H);
  const cs = new Float64Array(rows * H);
  for (let row = 0; row < rows; row++) {
    const k = row % C;
    if (k === 0 && row > 0) {
      h = Float64Array.from(hs.subarray((row - C) * H, row * H));
      c = Float64Array.from(cs.subarray((row - C) * H, row * H));
    }
    const u = new Float64Array(width);
    for (let j = 0; j < F; j++) u[j] = features[row * F + j]!;
    let at = F;
    if (core.previousAction) {
      const a = inputs.previousActions[row]!;
      if (a >= 0) u[at + a] = 1;
      at += A;
    }
    if (core.previousReward) u[at] = Math.max(-1, Math.min(1, inputs.previousRewards[row]!));
    const reset = inputs.resets[row] === 1;
    const hPrev = (j: number) => (reset ? 0 : h[k * H + j]!);
    const cPrev = (j: number) => (reset ? 0 : c[k * H + j]!);
    const z = new Float64Array(4 * H);
    for (let g = 0; g < 4 * H; g++) {
      let sum = p.b[g]!;
      for (let j = 0; j < width; j++) sum += u[j]! * p.wx[j * 4 * H + g]!;
      for (let j = 0; j < H; j++) sum += hPrev(j) * p.wh[j * 4 * H + g]!;
      z[g] = sum;
    }
    for (let j = 0; j < H; j++) {
      const i = sigmoid(z[j]!);
      const f = sigmoid(z[H + j]!);
      const g = Math.tanh(z[2 * H + j]!);
      const o = sigmoid(z[3 * H + j]!);
      const cj = f * cPrev(j) + i * g;
      cs[row * H + j] = cj;
      hs[row * H + j] = o * Math.tanh(cj);
    }
  }
  return { h: hs, c: cs };
}

/** A small core with random parameters (larger than its initialisation's, so that every gate matters). */
function makeCore(config: LstmCoreConfig, F: number, A: number, seed: number): { core: LstmCore; params: Params } {
  const random = new RandomState(seed);
  const H = config.size;
  const width = F + (config.previousAction ? A : 0) + (config.previousReward ? 1 : 0);
  const draw = (n: number) => Float32Array.from({ length: n }, () => random.uniform(-0.8, 0.8));
  const wx = draw(width * 4 * H);
  const wh = draw(H * 4 * H);
  const b = draw(4 * H);
  const core = new LstmCore(config, F, A, tf.variable(tf.tensor2d(wx, [width, 4 * H])), tf.variable(tf.tensor2d(wh, [H, 4 * H])), tf.variable(tf.tensor1d(b)));
  return { core, params: { wx: Float64Array.from(wx), wh: Float64Array.from(wh), b: Float64Array.from(b) } };
}

function sequenceInputs(S: number, C: number, H: number, A: number, seed: number): CoreInputs {
  const random = new RandomState(seed);
  const rows = S * C;
  const resets = new Uint8Array(rows);
  // An episode boundary inside the sequence for column 1 at step 2, and for column 0 at step 3.
  resets[2 * C + 1] = 1;
  resets[3 * C + 0] = 1;
  const previousActions = Int32Array.from({ length: rows }, (_, k) => (resets[k] ? -1 : random.randint(A)));
  previousActions[0] = -1;
  const previousRewards = Float32Array.from({ length: rows }, (_, k) => (resets[k] ? 0 : random.uniform(-2, 2)));
  const state = () => Float32Array.from({ length: C * H }, () => random.uniform(-0.5, 0.5));
  return { initialState: { h: state(), c: state() }, previousActions, previousRewards, resets };
}

describe('LstmCore', () => {
  const F = 3;
  const A = 3;
  const H = 4;
  const S = 5;
  const C = 2;

  for (const switches of [
    { previousAction: true, previousReward: true },
    { previousAction: false, previousReward: true },
    { previousAction: true, previousReward: false },
    { previousAction: false, previousReward: false },
  ]) {
    it(`equals a float64 LSTM step by step, resets included (previous action ${switches.previousAction}, reward ${switches.previousReward})`, () => {
      const config: LstmCoreConfig = { kind: 'lstm', size: H, ...switches };
      const { core, params } = makeCore(config, F, A, 7);
      const random = new RandomState(11);
      const features = Float32Array.from({ length: S * C * F }, () => random.uniform(-1, 1));
      const inputs = sequenceInputs(S, C, H, A, 3);
      const expected = referenceLstm(params, Float64Array.from(features), F, A, H, config, inputs);
      const out = core.apply(tf.tensor2d(features, [S * C, F]), inputs);
      const h = out.h.dataSync();
      const c = out.c.dataSync();
      tf.dispose([out.h, out.c]);
      for (let k = 0; k < expected.h.length; k++) {
        expect(h[k]).toBeCloseTo(expected.h[k]!, 5);
        expect(c[k]).toBeCloseTo(expected.c[k]!, 5);
      }
      // The reset really matters: without it column 1's step 2 would differ.
      const noReset = referenceLstm(params, Float64Array.from(features), F, A, H, config, { ...inputs, resets: new Uint8Array(S * C) });
      expect(Math.abs(noReset.h[(2 * C + 1) * H]! - expected.h[(2 * C + 1) * H]!)).toBeGreaterThan(1e-4);
      core.wx.dispose();
      core.wh.dispose();
      core.b.dispose();
    });
  }

  it('has gradients that match float64 finite differences', () => {
    const config: LstmCoreConfig = { kind: 'lstm', size: H, previousAction: true, previousReward: true };
    const { core, params } = makeCore(config, F, A, 5);
    const random = new RandomState(13);
    const features = Float32Array.from({ length: S * C * F }, () => random.uniform(-1, 1));
    const inputs = sequenceInputs(S, C, H, A, 9);
    // L = sum_rows sum_j w_rj h_rj + 0.5 sum c^2 at the last step: both h and c carry gradient.
    const w = Float32Array.from({ length: S * C * H }, () => random.uniform(-1, 1));
    const loss = (p: Params): number => {
      const { h, c } = referenceLstm(p, Float64Array.from(features), F, A, H, config, inputs);
      let sum = 0;
      for (let k = 0; k < h.length; k++) sum += w[k]! * h[k]!;
      for (let k = (S - 1) * C * H; k < c.length; k++) sum += 0.5 * c[k]! * c[k]!;
      return sum;
    };
    const featureTensor = tf.tensor2d(features, [S * C, F]);
    const wTensor = tf.tensor2d(w, [S * C, H]);
    const { value, grads } = tf.variableGrads(() => {
      const out = core.apply(featureTensor, inputs);
      const last = tf.slice(out.c, [(S - 1) * C, 0], [C, H]);
      return tf.add(tf.sum(tf.mul(out.h, wTensor)), tf.mul(tf.sum(tf.square(last)), 0.5)) as tf.Scalar;
    }, [core.wx, core.wh, core.b]);
    expect(value.dataSync()[0]).toBeCloseTo(loss(params), 4);
    const eps = 1e-6;
    for (const [name, variable] of [['wx', core.wx], ['wh', core.wh], ['b', core.b]] as const) {
      const analytic = grads[variable.name]!.dataSync();
      const p = params[name];
      let checked = 0;
      for (let k = 0; k < p.length; k += 3) {
        const saved = p[k]!;
        p[k] = saved + eps;
        const up = loss(params);
        p[k] = saved - eps;
        const down = loss(params);
        p[k] = saved;
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(analytic[k]! - numeric)).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
        checked++;
      }
      expect(checked).toBeGreaterThan(3);
    }
    tf.dispose([value, featureTensor, wTensor, ...Object.values(grads), core.wx, core.wh, core.b]);
  });
});

describe('the LSTM core\'s gradient for its inputs (backpropagation through time, lstmRecurrence.ts)', () => {
  it('matches float64 finite differences for the features and the initial state, resets included', () => {
    const S = 5, C = 3, H = 4, F = 3, A = 3;
    const config: LstmCoreConfig = { kind: 'lstm', size: H, previousAction: true, previousReward: true };
    const { core, params } = makeCore(config, F, A, 21);
    const random = new RandomState(23);
    const features = Float64Array.from({ length: S * C * F }, () => random.uniform(-1, 1));
    const inputs = sequenceInputs(S, C, H, A, 25);
    const state = inputs.initialState as { h: Float32Array; c: Float32Array };
    const h0 = Float64Array.from(state.h);
    const c0 = Float64Array.from(state.c);
    const wh = Float64Array.from({ length: S * C * H }, () => random.uniform(-1, 1));
    const wc = Float64Array.from({ length: S * C * H }, () => random.uniform(-1, 1));
    // L = sum w_h . h + sum w_c . c over every row: gradient reaches every step through h and c.
    const loss = (): number => {
      const reference = referenceLstm(params, features, F, A, H, config, {
        ...inputs,
        // The float64 state itself (the reference reads it as it is), so that a step of eps is not rounded to float32.
        initialState: { h: h0 as unknown as Float32Array, c: c0 as unknown as Float32Array },
      });
      let sum = 0;
      for (let k = 0; k < reference.h.length; k++) sum += wh[k]! * reference.h[k]! + wc[k]! * reference.c[k]!;
      return sum;
    };
    const x = tf.tensor2d(Float32Array.from(features), [S * C, F]);
    const hInit = tf.tensor2d(state.h, [C, H]);
    const cInit = tf.tensor2d(state.c, [C, H]);
    const whT = tf.tensor2d(Float32Array.from(wh), [S * C, H]);
    const wcT = tf.tensor2d(Float32Array.from(wc), [S * C, H]);
    const [dx, dh0, dc0] = tf.grads((f: tf.Tensor, h: tf.Tensor, c: tf.Tensor) => {
      const out = core.apply(f as tf.Tensor2D, { ...inputs, initialState: { h: h as tf.Tensor2D, c: c as tf.Tensor2D } });
      return tf.add(tf.sum(tf.mul(out.h, whT)), tf.sum(tf.mul(out.c, wcT)));
    })([x, hInit, cInit]);
    const eps = 1e-6;
    // Float32 gradients against float64 finite differences, as for the weights above: tight where they are.
    const check = (analytic: Float32Array, values: Float64Array): void => {
      for (let k = 0; k < values.length; k++) {
        const saved = values[k]!;
        values[k] = saved + eps;
        const up = loss();
        values[k] = saved - eps;
        const down = loss();
        values[k] = saved;
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(analytic[k]! - numeric)).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
      }
    };
    check(dx!.dataSync() as Float32Array, features);
    check(dh0!.dataSync() as Float32Array, h0);
    check(dc0!.dataSync() as Float32Array, c0);
    // Column 0 resets at step 3 and column 1 at step 2: the initial state's gradient is real, not zero, before that.
    expect(Math.max(...Array.from(dh0!.dataSync(), Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([x, hInit, cInit, whT, wcT, dx!, dh0!, dc0!, core.wx, core.wh, core.b]);
  });

  it('leaves no tensors behind across gradient steps', () => {
    const config: LstmCoreConfig = { kind: 'lstm', size: 4, previousAction: true, previousReward: true };
    const { core } = makeCore(config, 3, 3, 31);
    const inputs = sequenceInputs(5, 3, 4, 3, 33);
    const x = tf.randomNormal([15, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const step = (): void => {
      const { grads, value } = tf.variableGrads(() => tf.sum(core.apply(x, inputs).h) as tf.Scalar, [core.wx, core.wh, core.b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, core.wx, core.wh, core.b]);
  });
});

describe('a network with an LSTM core', () => {
  it('puts W_x, W_h and b between torso and heads, with the forget gate biased to 1', () => {
    const net = createNetwork({ kind: 'mlp', hiddenSizes: [8], core: { kind: 'lstm' } }, { observationShape: [4], numActions: 2 }, 1);
    expect(net.config.core).toEqual({ kind: 'lstm', size: 64, previousAction: true, previousReward: true });
    // mlp w, b; lstm wx [8 + 2 + 1, 256], wh [64, 256], b; policy w, b; baseline w, b.
    expect(net.variables.map((v) => v.shape)).toEqual([[4, 8], [8], [11, 256], [64, 256], [256], [64, 2], [2], [64, 1], [1]]);
    const bias = net.variables[4]!.dataSync();
    expect(Array.from(bias.subarray(0, 64)).every((x) => x === 0)).toBe(true);
    expect(Array.from(bias.subarray(64, 128)).every((x) => x === 1)).toBe(true);
    expect(Array.from(bias.subarray(128)).every((x) => x === 0)).toBe(true);
    expect(() => net.apply(tf.zeros([1, 4]))).toThrow(/LSTM core needs/);
    net.dispose();
    const image = createNetwork({ kind: 'minatar', core: { kind: 'lstm', previousReward: false } }, { observationShape: [10, 10, 4], numActions: 6 }, 1);
    expect(image.config.core).toEqual({ kind: 'lstm', size: 128, previousAction: true, previousReward: false });
    image.dispose();
    expect(() => createNetwork({ kind: 'mlp', core: { kind: 'lstm', size: 0 } }, { observationShape: [4], numActions: 2 }, 1)).toThrow(/core.size/);
  });
});
