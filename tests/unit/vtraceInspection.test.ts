import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Unroll } from '../../src/core/actor/unroll';
import {
  checkInspectedBatch,
  inspectVtrace,
  summariseColumn,
  type InspectedBatch,
  type InspectionParameters,
  type VtraceInspection,
} from '../../src/core/agent/vtraceInspection';
import { assembleBatch, type Batch } from '../../src/core/learner/batch';
import type { BatchInspection } from '../../src/core/learner/batchInspection';
import { Learner, type LearnerOptions, type UpdateResult } from '../../src/core/learner/learner';
import { RandomState } from '../../src/core/rng/randomState';
import { useWasmBackend } from '../../src/node/tfWasm';
import { SMALL_LEARNER } from '../support/smallLearner';

beforeAll(async () => {
  await useWasmBackend();
});

const T = 8;
const N = 3;

/**
 * An off-policy CartPole-shaped unroll: behaviour logits far from the
 * learner's (rho_t from about 0.05 to 20), episodes that end in a terminal
 * state and episodes cut by the time limit.
 */
function offPolicyUnroll(seed: number): Unroll {
  const r = new RandomState(seed);
  const f = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * r.uniform(-1, 1));
  const u: Unroll = {
    actorIndex: 0, policyVersion: 0, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32',
    observations: f((T + 1) * N * 4), actions: Int32Array.from({ length: T * N }, () => r.randint(2)), rewards: f(T * N, 2),
    terminated: new Uint8Array(T * N), truncated: new Uint8Array(T * N), behaviourLogits: f(T * N * 2, 3),
    truncatedIndices: new Int32Array(0), truncatedObservations: new Float32Array(0),
    episodeReturns: new Float64Array(0), episodeLengths: new Int32Array(0), taskIds: new Int32Array(N), episodeTaskIds: new Int32Array(0),
  };
  u.terminated[2 * N + 0] = 1; // environment 0 ends at t = 2
  u.terminated[6 * N + 1] = 1; // environment 1 ends at t = 6
  u.truncated[4 * N + 2] = 1; // environment 2 is cut by the time limit at t = 4 ...
  u.truncated[7 * N + 0] = 1; // ... and environment 0 at the last step
  u.truncatedIndices = Int32Array.from([4 * N + 2, 7 * N + 0]);
  u.truncatedObservations = f(2 * 4);
  return u;
}

/** Two unrolls side by side (6 columns); each call makes fresh buffers. */
const batchOf = (): Batch => assembleBatch([offPolicyUnroll(11), offPolicyUnroll(12)]);

interface Thresholds {
  discount: number;
  rhoBar: number;
  pgRhoBar: number;
  cBar: number;
  lambda: number;
}

const thresholdsOf = (p: InspectionParameters): Thresholds => ({
  discount: p.discount,
  rhoBar: p.clipRhoThreshold ?? Infinity,
  pgRhoBar: p.clipPgRhoThreshold ?? Infinity,
  cBar: p.clipCThreshold ?? Infinity,
  lambda: p.lambda,
});

/**
 * The float64 reference, written close to the paper's notation (section
 * 4.1, eq. 1, and section 4.2) as a naive double loop over the recorded
 * arrays: episode ends as the learner treats them (gamma_t = 0; at a
 * truncation r_t + gamma V(x_final)).
 */
function reference(b: InspectedBatch, column: number, p: Thresholds) {
  const at = (t: number) => t * b.cols + column;
  const V = (t: number) => b.values[at(t)]!; // t = 0 .. T
  const vFinal = new Map<number, number>();
  b.truncatedIndices.forEach((flat, k) => vFinal.set(flat, b.truncatedValues[k]!));
  const ended = (t: number) => b.terminated[at(t)] === 1 || b.truncated[at(t)] === 1;
  const gamma = (t: number) => (ended(t) ? 0 : p.discount);
  const r = (t: number) => b.rewards[at(t)]! + (vFinal.has(at(t)) ? p.discount * vFinal.get(at(t))! : 0);
  const rho = (t: number) => Math.exp(b.targetActionLogProbs[at(t)]! - b.behaviourActionLogProbs[at(t)]!);
  const rhoBar = (t: number) => Math.min(p.rhoBar, rho(t));
  const c = (t: number) => p.lambda * Math.min(p.cBar, rho(t));
  const delta = (t: number) => rhoBar(t) * (r(t) + gamma(t) * V(t + 1) - V(t));
  const vs: number[] = [];
  for (let s = 0; s < b.T; s++) {
    let sum = 0;
    for (let t = s; t < b.T; t++) {
      let product = 1;
      for (let i = s; i < t; i++) product *= gamma(i) * c(i);
      sum += product * delta(t);
    }
    vs.push(V(s) + sum);
  }
  const vsNext = (s: number) => (s + 1 < b.T ? vs[s + 1]! : V(b.T));
  const rows = [];
  for (let s = 0; s < b.T; s++) {
    rows.push({
      behaviourProb: Math.exp(b.behaviourActionLogProbs[at(s)]!),
      targetProb: Math.exp(b.targetActionLogProbs[at(s)]!),
      rho: rho(s),
      clippedRho: rhoBar(s),
      c: c(s),
      pgRho: Math.min(p.pgRhoBar, rho(s)),
      bootstrappedReward: r(s),
      discount: gamma(s),
      value: V(s),
      nextValue: V(s + 1),
      delta: delta(s),
      vs: vs[s]!,
      pgAdvantage: Math.min(p.pgRhoBar, rho(s)) * (r(s) + gamma(s) * vsNext(s) - V(s)),
    });
  }
  return rows;
}

/** |actual - expected| / max(1, |expected|): float32 against float64. */
const worstError = (pairs: [number, number][]): number => Math.max(0, ...pairs.map(([a, e]) => Math.abs(a - e) / Math.max(1, Math.abs(e))));

function expectMatchesReference(got: VtraceInspection, b: InspectedBatch, p: Thresholds): void {
  const want = reference(b, got.column, p);
  expect(got.steps).toHaveLength(b.T);
  const keys = Object.keys(want[0]!) as (keyof (typeof want)[number])[];
  for (const key of keys) {
    const error = worstError(got.steps.map((step, t) => [step[key], want[t]![key]]));
    expect(error, `${key}, column ${got.column}`).toBeLessThan(2e-5);
  }
  // Clipping is flagged exactly where the float64 rho exceeds the threshold.
  got.steps.forEach((step, t) => {
    expect(step.rhoClipped, `rho clipped at t = ${t}`).toBe(want[t]!.rho > p.rhoBar);
    expect(step.cClipped, `c clipped at t = ${t}`).toBe(want[t]!.rho > p.cBar);
    expect(step.pgRhoClipped, `pg rho clipped at t = ${t}`).toBe(want[t]!.rho > p.pgRhoBar);
  });
}

/** One real update; returns its result, the learner's record, and log pi(a_t|x_t), V(x_t), V(x_final) from a forward pass before it. */
async function recordedUpdate(options: LearnerOptions, prepare?: (learner: Learner) => void) {
  const learner = new Learner(options);
  prepare?.(learner);
  const batch = batchOf();
  const { T: steps, cols, numActions: A } = batch;
  const sigma = learner.popart?.sigma(0) ?? 1;
  const mu = learner.popart?.mu[0] ?? 0;
  // The weights before the update, applied independently of it.
  const forward = tf.tidy(() => {
    const out = learner.network.apply(tf.tensor2d(batch.observations, [(steps + 1) * cols, 4]));
    const finals = learner.network.apply(tf.tensor2d(batch.truncatedObservations, [batch.truncatedIndices.length, 4]));
    return { logPi: tf.logSoftmax(out.policyLogits), n: out.baseline, nFinal: finals.baseline };
  });
  const logPi = await forward.logPi.data();
  const V = Array.from(await forward.n.data(), (n) => sigma * n + mu);
  const vFinal = Array.from(await forward.nFinal.data(), (n) => sigma * n + mu);
  tf.dispose([forward.logPi, forward.n, forward.nFinal]);
  const targetActionLogProbs = Array.from({ length: steps * cols }, (_, i) => logPi[i * A + batch.actions[i]!]!);

  const result = await learner.update(batch);
  const record = await learner.lastBatchInspection();
  learner.dispose();
  expect(record).not.toBeNull();
  return { result, record: record!, sigma, forward: { targetActionLogProbs, V, vFinal } };
}

async function inspectAll(record: InspectedBatch, p: InspectionParameters): Promise<VtraceInspection[]> {
  return Promise.all(Array.from({ length: record.cols }, (_, c) => inspectVtrace(record, c, p)));
}

/** The loss terms of section 4.2 from the inspection, in float64, in the space the learner optimises (divided by PopArt's sigma). */
function lossTerms(record: BatchInspection, inspections: VtraceInspection[], sigma: number) {
  let policyGradientLoss = 0;
  let baselineLoss = 0;
  let scale = 0;
  for (const inspection of inspections) {
    for (const step of inspection.steps) {
      const logPi = record.targetActionLogProbs[step.t * record.cols + inspection.column]!;
      policyGradientLoss -= (logPi * step.pgAdvantage) / sigma;
      baselineLoss += 0.5 * ((step.vs - step.value) / sigma) ** 2;
      scale += Math.abs(logPi * step.pgAdvantage) / sigma;
    }
  }
  return { policyGradientLoss, baselineLoss, scale };
}

function expectLearnerLosses(result: UpdateResult, record: BatchInspection, inspections: VtraceInspection[], sigma: number): void {
  const terms = lossTerms(record, inspections, sigma);
  expect(result.applied).toBe(true);
  expect(Math.abs(result.policyGradientLoss - terms.policyGradientLoss)).toBeLessThan(1e-4 * Math.max(1, terms.scale));
  expect(Math.abs(result.baselineLoss - terms.baselineLoss)).toBeLessThan(1e-4 * Math.max(1, terms.baselineLoss));
}

describe("inspectVtrace on a real learner update: the learner's own numbers", () => {
  it('records the batch and the pass before the update: log pi(a_t|x_t), V(x_0..x_T) and V(x_final) as a forward pass of the same weights computes them', async () => {
    const { record, forward } = await recordedUpdate(SMALL_LEARNER);
    expect(record.version).toBe(0);
    expect(record.applied).toBe(true);
    expect([record.T, record.cols, record.freshCols]).toEqual([T, 2 * N, 2 * N]);
    expect(worstError(Array.from(record.targetActionLogProbs, (x, i) => [x, forward.targetActionLogProbs[i]!]))).toBeLessThan(1e-5);
    expect(worstError(Array.from(record.values, (x, i) => [x, forward.V[i]!]))).toBeLessThan(1e-5);
    expect(worstError(Array.from(record.truncatedValues, (x, i) => [x, forward.vFinal[i]!]))).toBeLessThan(1e-5);
    expect(record.learned).toEqual({ correction: 'vtrace', discount: 0.9, clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1, lambda: 1 });
  });

  it("gives v_s and the advantages the update used: its policy-gradient and baseline losses, recomputed from the inspection, are the learner's", async () => {
    const { result, record, sigma } = await recordedUpdate(SMALL_LEARNER);
    const inspections = await inspectAll(record, record.learned);
    expectLearnerLosses(result, record, inspections, sigma);
    // The batch is off-policy enough for clipping to matter.
    expect(inspections.flatMap((i) => i.steps).filter((s) => s.rhoClipped).length).toBeGreaterThan(5);
  });

  it("the same with the learner's thresholds away from 1 and with PopArt (values in V's scale, losses in the normalised one)", async () => {
    const options: LearnerOptions = { ...SMALL_LEARNER, clipRhoThreshold: 1.5, clipPgRhoThreshold: 0.8, clipCThreshold: 0.9, lambda: 0.95, discount: 0.97, popart: { beta: 3e-4 } };
    const { result, record, sigma } = await recordedUpdate(options, (learner) => learner.popart!.setState({ mu: [1.5], nu: [1.5 ** 2 + 2 ** 2] }));
    expect(sigma).toBeCloseTo(2, 12);
    expect(record.learned).toMatchObject({ discount: 0.97, clipRhoThreshold: 1.5, clipPgRhoThreshold: 0.8, clipCThreshold: 0.9, lambda: 0.95 });
    const inspections = await inspectAll(record, record.learned);
    expectLearnerLosses(result, record, inspections, sigma);
  });

  it('equals the float64 reference in every column, step and quantity, with episode ends inside the unroll', async () => {
    const { record } = await recordedUpdate(SMALL_LEARNER);
    for (const inspection of await inspectAll(record, record.learned)) expectMatchesReference(inspection, record, thresholdsOf(record.learned));
    // Column 0: a terminal state at t = 2 and a time limit at t = 7; column 2: a time limit at t = 4.
    const [first, , third] = [0, 1, 2].map((c) => inspectVtrace(record, c, record.learned));
    const column0 = await first!;
    expect(column0.steps.map((s) => s.end)).toEqual(['continues', 'continues', 'terminated', 'continues', 'continues', 'continues', 'continues', 'truncated']);
    expect(column0.steps[2]!.discount).toBe(0);
    expect(column0.steps[2]!.truncatedValue).toBeNull();
    const cut = (await third!).steps[4]!;
    expect(cut.end).toBe('truncated');
    expect(cut.discount).toBe(0);
    expect(cut.truncatedValue).toBe(record.truncatedValues[Array.from(record.truncatedIndices).indexOf(4 * record.cols + 2)]);
    expect(cut.bootstrappedReward).toBeCloseTo(cut.reward + 0.9 * cut.truncatedValue!, 5);
    expect(summariseColumn(record, 0, 1)).toMatchObject({ terminations: 1, truncations: 1 });
  });
});

describe('inspectVtrace: changing a threshold recomputes the targets of the same batch as the float64 reference does', () => {
  const cases: [string, Partial<InspectionParameters>, keyof Thresholds, number][] = [
    ['rho_bar 1 -> 0.5', { clipRhoThreshold: 0.5 }, 'rhoBar', 0.5],
    ['c_bar 1 -> 0.3', { clipCThreshold: 0.3 }, 'cBar', 0.3],
    ['lambda 1 -> 0.5', { lambda: 0.5 }, 'lambda', 0.5],
    ['pg rho_bar 1 -> 2', { clipPgRhoThreshold: 2 }, 'pgRhoBar', 2],
  ];
  for (const [name, change, key, value] of cases) {
    it(name, async () => {
      const { record } = await recordedUpdate(SMALL_LEARNER);
      const base = thresholdsOf(record.learned);
      const changed = { ...base, [key]: value };
      let moved = 0;
      for (let column = 0; column < record.cols; column++) {
        const before = await inspectVtrace(record, column, record.learned);
        const after = await inspectVtrace(record, column, { ...record.learned, ...change });
        expectMatchesReference(after, record, changed);
        // The change itself, step by step, is the reference's change.
        const wantBefore = reference(record, column, base);
        const wantAfter = reference(record, column, changed);
        for (const quantity of ['vs', 'pgAdvantage'] as const) {
          const error = worstError(after.steps.map((s, t) => [s[quantity] - before.steps[t]![quantity], wantAfter[t]![quantity] - wantBefore[t]![quantity]]));
          expect(error, `${quantity} change, column ${column}`).toBeLessThan(4e-5);
        }
        moved += after.steps.filter((s, t) => Math.abs(s.vs - before.steps[t]!.vs) > 1e-3 || Math.abs(s.pgAdvantage - before.steps[t]!.pgAdvantage) > 1e-3).length;
      }
      expect(moved, 'steps whose targets moved').toBeGreaterThan(0);
    });
  }

  it('also with no clipping at all (null thresholds) and another discount', async () => {
    const { record } = await recordedUpdate(SMALL_LEARNER);
    const p: InspectionParameters = { discount: 0.5, clipRhoThreshold: null, clipPgRhoThreshold: null, clipCThreshold: null, lambda: 0.8 };
    for (let column = 0; column < record.cols; column++) expectMatchesReference(await inspectVtrace(record, column, p), record, thresholdsOf(p));
  });
});

describe('inspectVtrace: bad input', () => {
  it('names what is wrong and leaves no tensor behind', async () => {
    const { record } = await recordedUpdate(SMALL_LEARNER);
    const before = tf.memory().numTensors;
    await inspectVtrace(record, 1, record.learned);
    expect(tf.memory().numTensors).toBe(before);
    await expect(inspectVtrace(record, record.cols, record.learned)).rejects.toThrow(/column must be an integer in \[0, 6\)/);
    await expect(inspectVtrace(record, -1, record.learned)).rejects.toThrow(/column/);
    await expect(inspectVtrace(record, 0, { ...record.learned, clipRhoThreshold: 0 })).rejects.toThrow(/clipRhoThreshold must be a positive number/);
    await expect(inspectVtrace(record, 0, { ...record.learned, lambda: 2 })).rejects.toThrow(/lambda/);
    await expect(inspectVtrace(record, 0, { ...record.learned, discount: Number.NaN })).rejects.toThrow(/discount/);
    await expect(inspectVtrace({ ...record, values: record.values.subarray(1) }, 0, record.learned)).rejects.toThrow(/values must hold 54 numbers, got 53/);
    expect(() => checkInspectedBatch('test', { ...record, truncatedIndices: Int32Array.from([0]), truncatedValues: Float32Array.from([1]) })).toThrow(/truncated index 0 is not a truncated step/);
    expect(() => checkInspectedBatch('test', { ...record, T: 0 })).toThrow(/positive integers/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
