import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { assembleBatch } from '../../src/core/learner/batch';
import { Learner, type LearnerState } from '../../src/core/learner/learner';
import { checkpointOf, decodeCheckpoint, encodeCheckpoint } from '../../src/core/persistence/checkpoint';
import { checkLearnerState, MAX_LEARNER_VALUES } from '../../src/core/learner/learnerStateCheck';
import { checkRunSnapshot, RUN_SNAPSHOT_FORMAT } from '../../src/core/persistence/runSnapshot';
import { actorOptionsFor, envSpecFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { useWasmBackend } from '../../src/node/tfWasm';

/** A real learner's state after one update on CartPole (with PopArt: numTasks 1), and its config. */
let state: LearnerState;
let adamState: LearnerState;
const config: ExperimentConfig = { ...DEFAULT_CONFIG, popart: true, seed: 4 };

async function trainedState(c: ExperimentConfig): Promise<LearnerState> {
  const spec = envSpecFor(c);
  const learner = new Learner(learnerOptionsFor(c, spec));
  const actor = new InProcessActor(actorOptionsFor(c, spec, 0));
  await actor.setWeights(0, await learner.getWeights());
  await learner.update(assembleBatch([await actor.unroll()]));
  const s = await learner.snapshot();
  learner.dispose();
  actor.dispose();
  return s;
}

beforeAll(async () => {
  await useWasmBackend();
  state = await trainedState(config);
  adamState = await trainedState({ ...config, optimizer: 'adam' });
});

/** The real checkpoint's JSON, with one thing changed by `patch`, decoded. */
function decodePatched(patch: (j: Record<string, any>) => void): () => unknown { // eslint-disable-line @typescript-eslint/no-explicit-any -- a file's JSON, edited field by field
  const j = JSON.parse(encodeCheckpoint(checkpointOf(config, state, '2025-01-01T00:00:00.000Z'))) as Record<string, unknown>;
  patch(j);
  return () => decodeCheckpoint(JSON.stringify(j));
}

/** The real checkpoint with its learner state replaced by `s` (as an encoder would write it), decoded. */
function decodeState(s: LearnerState, c: ExperimentConfig = config): () => unknown {
  return () => decodeCheckpoint(encodeCheckpoint(checkpointOf(c, s, '2025-01-01T00:00:00.000Z')));
}

const withArray = (arrays: readonly Float32Array[], index: number, change: (a: Float32Array) => void): Float32Array[] =>
  arrays.map((a, i) => {
    if (i !== index) return a;
    const copy = a.slice();
    change(copy);
    return copy;
  });

describe('decodeCheckpoint checks values, not only structure', () => {
  it('reads the real checkpoint back exactly', () => {
    const back = decodeState(state)() as LearnerState;
    expect(back.weights.map((w) => Array.from(w))).toEqual(state.weights.map((w) => Array.from(w)));
    expect(back.optimizer!.slots.map((w) => Array.from(w))).toEqual(state.optimizer!.slots.map((w) => Array.from(w)));
    expect([back.version, back.frames, back.optimizer!.name, back.optimizer!.step, back.popart]).toEqual([1, state.frames, 'rmsprop', 1, state.popart]);
  });

  it('refuses non-finite weights and optimiser slots, naming the array and the count', () => {
    const n0 = state.weights[0]!.length;
    expect(decodeState({ ...state, weights: withArray(state.weights, 0, (a) => a.fill(NaN)) })).toThrow(
      `checkpoint: weight array 0 has ${n0} values that are not finite (NaN or Infinity)`,
    );
    expect(decodeState({ ...state, weights: withArray(state.weights, 2, (a) => (a[3] = -Infinity)) })).toThrow('checkpoint: weight array 2 has 1 value that is not finite');
    const slots = withArray(state.optimizer!.slots, 1, (a) => (a[0] = Infinity));
    expect(decodeState({ ...state, optimizer: { ...state.optimizer!, slots } })).toThrow('checkpoint: optimiser slot array 1 has 1 value that is not finite');
  });

  it('refuses counters that are not non-negative (safe) integers', () => {
    expect(decodePatched((j) => (j.version = -5))).toThrow('checkpoint: the update counter (version) must be a non-negative integer, not -5');
    expect(decodePatched((j) => (j.version = 2.5))).toThrow('the update counter (version) must be a non-negative integer, not 2.5');
    expect(decodePatched((j) => (j.frames = -1e12))).toThrow('checkpoint: the frame counter (frames) must be a non-negative integer up to 9007199254740991, not -1000000000000');
    expect(decodePatched((j) => (j.frames = 80.5))).toThrow('the frame counter (frames) must be a non-negative integer');
    expect(decodePatched((j) => (j.frames = 2 ** 60))).toThrow('the frame counter (frames) must be a non-negative integer up to');
    expect(decodePatched((j) => delete j.frames)).toThrow('the frame counter (frames) must be a non-negative integer up to 9007199254740991, not missing');
    expect(decodePatched((j) => (j.optimizer.step = -1))).toThrow("checkpoint: the optimiser's step counter must be a non-negative integer, not -1");
    // Large but safe frame counts are fine.
    expect((decodePatched((j) => (j.frames = 4e12))() as LearnerState).frames).toBe(4e12);
  });

  it('refuses sizes out of bounds, and optimiser slots that do not match the weights', () => {
    expect(decodePatched((j) => (j.weights[0].length = 1e12))).toThrow('checkpoint: weight array 0 claims 1,000,000,000,000 values, more than the 67,108,864 this lab accepts');
    expect(decodePatched((j) => (j.weights = []))).toThrow('checkpoint: there are no weights');
    const n = state.weights.length;
    expect(decodePatched((j) => j.optimizer.slots.pop())).toThrow(`checkpoint: RMSProp keeps ${n} slot arrays for ${n} weight arrays, the optimiser state has ${n - 1}`);
    expect(decodePatched((j) => ([j.optimizer.slots[0], j.optimizer.slots[1]] = [j.optimizer.slots[1], j.optimizer.slots[0]]))).toThrow(
      `checkpoint: optimiser slot array 0 has ${state.weights[1]!.length} values, expected ${state.weights[0]!.length} (as weight array 0)`,
    );
    const negative = withArray(state.optimizer!.slots, 0, (a) => (a[0] = -1));
    expect(decodeState({ ...state, optimizer: { ...state.optimizer!, slots: negative } })).toThrow("optimiser slot array 0 holds RMSProp's squared gradients, but has negative values");
    // Adam keeps m (any sign) then v (non-negative), two per weight array.
    const adam = { ...config, optimizer: 'adam' as const };
    expect((decodeState(adamState, adam)() as LearnerState).optimizer!.slots).toHaveLength(2 * n);
    const mNegative = withArray(adamState.optimizer!.slots, 0, (a) => (a[0] = -1));
    expect(decodeState({ ...adamState, optimizer: { ...adamState.optimizer!, slots: mNegative } }, adam)).not.toThrow();
    const vNegative = withArray(adamState.optimizer!.slots, n, (a) => (a[0] = -1));
    expect(decodeState({ ...adamState, optimizer: { ...adamState.optimizer!, slots: vNegative } }, adam)).toThrow(`optimiser slot array ${n} holds Adam's squared gradients`);
    expect(decodeState({ ...adamState, optimizer: { ...adamState.optimizer!, slots: adamState.optimizer!.slots.slice(0, n) } }, adam)).toThrow(
      `Adam keeps ${2 * n} slot arrays for ${n} weight arrays, the optimiser state has ${n}`,
    );
  });

  it("refuses an optimiser state of another or an unknown optimiser than the config's", () => {
    expect(decodeState(adamState)).toThrow("checkpoint: the optimiser state is Adam's, but the settings use RMSProp");
    expect(decodePatched((j) => (j.optimizer.name = 'sgd'))).toThrow("checkpoint: the optimiser state is of an optimiser this lab does not know ('sgd')");
  });

  it('refuses PopArt statistics of the wrong length, non-finite, with nu < mu^2, or absent when the config uses PopArt', () => {
    expect(decodePatched((j) => (j.popart = { mu: [0, 0], nu: [1, 1] }))).toThrow('checkpoint: the PopArt statistics are damaged: mu has 2 values, expected 1 (one per task)');
    expect(decodePatched((j) => (j.popart.nu = [null]))).toThrow('the PopArt statistics are damaged: nu of task 0 is not a finite number (null)');
    expect(decodePatched((j) => (j.popart = { mu: [3], nu: [8.5] }))).toThrow('the PopArt statistics are damaged: nu of task 0 (8.5) is below mu^2 (9), so it is not a second moment');
    expect((decodePatched((j) => (j.popart = { mu: [3], nu: [9] }))() as LearnerState).popart).toEqual({ mu: [3], nu: [9] });
    expect(decodePatched((j) => delete j.popart)).toThrow('checkpoint: the PopArt statistics do not match the settings: they use PopArt, and the state holds no PopArt statistics');
    expect(decodePatched((j) => (j.config.popart = false))).toThrow('the PopArt statistics do not match the settings: the state holds some');
  });
});

describe('checkLearnerState', () => {
  it('bounds the total number of weight values without reading them (views of one buffer)', () => {
    const buffer = new ArrayBuffer(4 * 2 ** 20);
    const weights = Array.from({ length: MAX_LEARNER_VALUES / 2 ** 20 + 1 }, () => new Float32Array(buffer));
    expect(() => checkLearnerState({ version: 0, frames: 0, weights }, { numTasks: 1 })).toThrow(
      'the weights hold 68,157,440 values, more than the 67,108,864 this lab accepts',
    );
    expect(checkLearnerState({ version: 0, frames: 0, weights: weights.slice(1) }, { numTasks: 1 }).weights).toHaveLength(64);
  });
});

describe('checkRunSnapshot uses the same check', () => {
  it('refuses a saved run with damaged values, naming the run and the problem', () => {
    const record = (patch: Record<string, unknown>): unknown => ({
      format: RUN_SNAPSHOT_FORMAT,
      savedAt: '2025-01-01T00:00:00.000Z',
      presetId: null,
      slots: [
        {
          label: 'Run',
          config,
          ...state,
          history: new TrainingHistory().toState(),
          progress: { episodes: 1, skippedUpdates: 0, actorRestarts: 0, wallSeconds: 1, recentReturns: [], recentLengths: [] },
          ...patch,
        },
      ],
    });
    expect(checkRunSnapshot(structuredClone(record({}))).slots[0]!.version).toBe(1);
    expect(() => checkRunSnapshot(record({ frames: -1e12 }))).toThrow(
      'run 1 has a damaged learner state: the frame counter (frames) must be a non-negative integer up to 9007199254740991, not -1000000000000',
    );
    expect(() => checkRunSnapshot(record({ weights: withArray(state.weights, 0, (a) => a.fill(NaN)) }))).toThrow('run 1 has a damaged learner state: weight array 0 has');
    expect(() => checkRunSnapshot(record({ popart: { mu: [0, 0], nu: [1, 1] } }))).toThrow('mu has 2 values, expected 1 (one per task)');
    expect(() => checkRunSnapshot(record({ optimizer: adamState.optimizer }))).toThrow("the optimiser state is Adam's, but the settings use RMSProp");
  });
});
