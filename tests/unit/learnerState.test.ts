import { beforeAll, describe, expect, it } from 'vitest';
import { assembleBatch } from '../../src/core/learner/batch';
import { compatibleState, Learner, type LearnerOptions, type LearnerState } from '../../src/core/learner/learner';
import { RandomState } from '../../src/core/rng/randomState';
import type { Unroll } from '../../src/core/actor/unroll';
import { useWasmBackend } from '../../src/node/tfWasm';
import { SMALL_LEARNER } from '../support/smallLearner';

beforeAll(async () => {
  await useWasmBackend();
});

const base: LearnerOptions = SMALL_LEARNER;

/** A batch of one random unroll (T = 5, 3 environments). */
function batch(seed: number): ReturnType<typeof assembleBatch> {
  const T = 5;
  const N = 3;
  const r = new RandomState(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const unroll: Unroll = {
    actorIndex: 0, policyVersion: 0, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32',
    observations: f((T + 1) * N * 4), actions: Int32Array.from({ length: T * N }, () => r.randint(2)), rewards: f(T * N),
    terminated: new Uint8Array(T * N), truncated: new Uint8Array(T * N), behaviourLogits: f(T * N * 2),
    truncatedIndices: new Int32Array(0), truncatedObservations: new Float32Array(0),
    episodeReturns: new Float64Array(0), episodeLengths: new Int32Array(0),
    taskIds: new Int32Array(N), episodeTaskIds: new Int32Array(0),
  };
  return assembleBatch([unroll]);
}

/** A state as plain numbers, for exact comparison. */
function plain(s: LearnerState): unknown {
  return {
    version: s.version,
    frames: s.frames,
    weights: s.weights.map((w) => Array.from(w)),
    optimizer: s.optimizer && { name: s.optimizer.name, step: s.optimizer.step, slots: s.optimizer.slots.map((a) => Array.from(a)) },
    popart: s.popart,
  };
}

const VARIANTS: [string, Partial<LearnerOptions>][] = [
  ['RMSProp', {}],
  ['Adam', { optimizer: 'adam' }],
  ['RMSProp with PopArt', { popart: { beta: 0.1 } }],
];

describe('Learner.snapshot / restore', () => {
  for (const [name, overrides] of VARIANTS) {
    it(`${name}: snapshot is restore's exact inverse, fresh and after updates, and the restored learner continues identically`, async () => {
      const options = { ...base, ...overrides };
      const original = new Learner(options);
      const fresh = await original.snapshot();
      expect(fresh).toMatchObject({ version: 0, frames: 0, optimizer: { name: options.optimizer, step: 0 } });
      expect(fresh.optimizer!.slots).toHaveLength((options.optimizer === 'adam' ? 2 : 1) * fresh.weights.length);
      expect(fresh.popart !== undefined).toBe(options.popart !== undefined);

      for (let i = 0; i < 3; i++) await original.update(batch(i));
      const trained = await original.snapshot();
      expect([trained.version, trained.frames, trained.optimizer!.step]).toEqual([3, 45, 3]);

      // Into a learner of another seed: every value must come from the state.
      const copy = new Learner({ ...options, seed: 99 });
      copy.restore(fresh);
      expect(plain(await copy.snapshot())).toEqual(plain(fresh));
      copy.restore(trained);
      expect(plain(await copy.snapshot())).toEqual(plain(trained));

      // The reference: the original itself. One more update on each gives the same result and state.
      const [a, b] = [await original.update(batch(7)), await copy.update(batch(7))];
      expect(b).toEqual(a);
      expect(plain(await copy.snapshot())).toEqual(plain(await original.snapshot()));
      original.dispose();
      copy.dispose();
    });
  }

  it('reads the counters at the call: a snapshot taken before an update is of the version before it', async () => {
    const learner = new Learner(base);
    const before = learner.snapshot();
    const update = learner.update(batch(1));
    const [state] = await Promise.all([before, update]);
    expect([state.version, state.frames, state.optimizer!.step]).toEqual([0, 0, 0]);
    learner.dispose();
  });

  it("refuses another optimiser's statistics and a damaged state, changing nothing; compatibleState drops what does not fit", async () => {
    const adam = new Learner({ ...base, optimizer: 'adam' });
    await adam.update(batch(2));
    const adamState = await adam.snapshot();
    const rms = new Learner(base);
    const before = plain(await rms.snapshot());
    expect(() => rms.restore(adamState)).toThrow("Learner: cannot restore this state: the optimiser state is Adam's, but the settings use RMSProp");
    const nan = { ...adamState, optimizer: undefined, weights: adamState.weights.map((w, i) => (i === 1 ? Float32Array.from(w, () => NaN) : w)) };
    expect(() => rms.restore(nan)).toThrow(`weight array 1 has ${adamState.weights[1]!.length} values that are not finite`);
    expect(() => rms.restore({ ...adamState, optimizer: undefined, version: -5 })).toThrow('the update counter (version) must be a non-negative integer, not -5');
    expect(plain(await rms.snapshot())).toEqual(before);

    const kept = compatibleState(adamState, { optimizer: 'rmsprop', popart: null });
    expect(kept.optimizer).toBeUndefined();
    rms.restore(kept);
    const restored = await rms.snapshot();
    expect(plain({ ...restored, optimizer: undefined })).toEqual(plain({ ...adamState, optimizer: undefined }));
    expect(restored.optimizer!.step).toBe(0); // the fresh learner's own statistics, untouched
    expect(compatibleState(adamState, { optimizer: 'adam', popart: null }).optimizer).toBe(adamState.optimizer);
    expect(compatibleState({ ...adamState, popart: { mu: [1], nu: [2] } }, { optimizer: 'adam', popart: null }).popart).toBeUndefined();
    adam.dispose();
    rms.dispose();
  });
});
