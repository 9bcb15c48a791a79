import { beforeAll, describe, expect, it } from 'vitest';
import type { Unroll } from '../../src/core/actor/unroll';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { estimateMemory } from '../../src/core/config/memoryBudget';
import { assembleBatch, type Batch } from '../../src/core/learner/batch';
import { ExperienceReplay } from '../../src/core/learner/experienceReplay';
import type { Learner } from '../../src/core/learner/learner';
import type { LearnerHandle } from '../../src/core/learner/learnerHandle';
import { useWasmBackend } from '../../src/node/tfWasm';
import { trainInProcess } from '../support/inProcessTraining';

beforeAll(async () => {
  await useWasmBackend();
});

/** A one-environment CartPole-shaped unroll of T steps whose every number says which unroll it is (`id`), with `episodes` finished episodes. */
function fakeUnroll(id: number, T = 2, episodes = 1): Unroll {
  return {
    actorIndex: 0,
    policyVersion: id,
    T,
    numEnvs: 1,
    numActions: 2,
    observationShape: [4],
    observationDtype: 'float32',
    observations: new Float32Array((T + 1) * 4).fill(id),
    actions: new Int32Array(T).fill(id % 2),
    rewards: new Float32Array(T).fill(id),
    terminated: new Uint8Array(T),
    truncated: new Uint8Array(T),
    behaviourLogits: new Float32Array(T * 2).fill(id),
    truncatedIndices: new Int32Array(0),
    truncatedObservations: new Float32Array(0),
    episodeReturns: new Float64Array(episodes).fill(id),
    episodeLengths: new Int32Array(episodes).fill(10),
    taskIds: new Int32Array(1),
    episodeTaskIds: new Int32Array(episodes),
  };
}

describe('ExperienceReplay', () => {
  it('replays round(share x B) unrolls, at most B - 1 and at most what it holds', () => {
    const replay = new ExperienceReplay(10, 0.5, 1);
    expect(replay.replayCount(4)).toBe(0);
    replay.add([fakeUnroll(0)]);
    expect(replay.replayCount(4)).toBe(1);
    replay.add([1, 2, 3].map((i) => fakeUnroll(i)));
    expect(replay.replayCount(4)).toBe(2);
    expect(replay.replayCount(1)).toBe(0);
    expect(new ExperienceReplay(10, 0.9, 1).replayCount(2)).toBe(0);
    expect(() => new ExperienceReplay(0, 0.5, 1)).toThrow(/capacity/);
    expect(() => new ExperienceReplay(4, 1, 1)).toThrow(/share/);
  });

  it('keeps the most recent unrolls, and draws distinct ones uniformly (chi-square, 9 degrees of freedom)', () => {
    const replay = new ExperienceReplay(10, 0.5, 7);
    replay.add(Array.from({ length: 25 }, (_, i) => fakeUnroll(i)));
    expect(replay.size).toBe(10);
    const counts = new Map<number, number>();
    const draws = 20000;
    for (let d = 0; d < draws / 2; d++) {
      const [a, b] = replay.sample(2);
      expect(a!.policyVersion).not.toBe(b!.policyVersion);
      for (const u of [a!, b!]) counts.set(u.policyVersion, (counts.get(u.policyVersion) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    const expected = draws / 10;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001
    expect(() => replay.sample(11)).toThrow(/cannot draw 11 of 10/);
  });

  it('draws the same unrolls for the same seed', () => {
    const draw = (seed: number): number[] => {
      const r = new ExperienceReplay(8, 0.5, seed);
      r.add(Array.from({ length: 8 }, (_, i) => fakeUnroll(i)));
      return Array.from({ length: 20 }, () => r.sample(3).map((u) => u.policyVersion)).flat();
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});

describe('a batch with replayed unrolls', () => {
  it('puts the fresh columns first and counts only their frames and episodes', () => {
    const batch = assembleBatch([fakeUnroll(1), fakeUnroll(2)], [fakeUnroll(7)]);
    expect({ cols: batch.cols, freshCols: batch.freshCols, frames: batch.frames }).toEqual({ cols: 3, freshCols: 2, frames: 4 });
    expect(batch.episodeReturns).toEqual([1, 2]);
    expect(batch.policyVersions).toEqual([1, 2, 7]);
    expect(Array.from(batch.rewards)).toEqual([1, 2, 7, 1, 2, 7]);
    expect(() => assembleBatch([], [fakeUnroll(1)])).toThrow(/no fresh unrolls/);
  });
});

describe('TrainingRun with experience replay', () => {
  /** Records each batch the learner gets. */
  function recording(learner: Learner, batches: Batch[]): LearnerHandle {
    return new Proxy(learner, {
      get(target, key, receiver) {
        if (key === 'update') return (batch: Batch, now?: () => number) => (batches.push(batch), target.update(batch, now));
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('learns from B unrolls per update, half of them replayed from earlier fresh ones, and counts only fresh frames', async () => {
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, batchSize: 4, queueCapacity: 4, replayShare: 0.5, replayCapacity: 6, frames: 3200 };
    const batches: Batch[] = [];
    const { records } = await trainInProcess(config, { wrapLearner: (learner) => recording(learner, batches) });
    const unrollFrames = config.unrollLength * config.envsPerActor;
    // The first update has nothing to replay: four fresh unrolls. Then two fresh and two replayed.
    expect(batches.map((b) => b.cols / config.envsPerActor)).toEqual(batches.map(() => 4));
    expect(batches.map((b) => b.freshCols / config.envsPerActor)).toEqual([4, ...batches.slice(1).map(() => 2)]);
    expect(records.map((r) => r.frames)).toEqual(records.map((_, i) => unrollFrames * (4 + 2 * i)));
    expect(records.at(-1)!.frames).toBeGreaterThanOrEqual(config.frames);
    // Replayed columns are copies of unrolls learned from fresh before, within the last `replayCapacity`.
    const columnsOf = (b: Batch, from: number, to: number): string[] => {
      const out: string[] = [];
      for (let c = from; c < to; c += config.envsPerActor) {
        const rows = Array.from({ length: b.T }, (_, t) => Array.from(b.rewards.subarray(t * b.cols + c, t * b.cols + c + config.envsPerActor)).join()).join('|');
        out.push(`${rows}/${Array.from({ length: b.T }, (_, t) => Array.from(b.actions.subarray(t * b.cols + c, t * b.cols + c + config.envsPerActor)).join()).join('|')}`);
      }
      return out;
    };
    for (let i = 1; i < batches.length; i++) {
      const earlier = batches.slice(0, i).flatMap((b) => columnsOf(b, 0, b.freshCols)).slice(-config.replayCapacity);
      for (const column of columnsOf(batches[i]!, batches[i]!.freshCols, batches[i]!.cols)) expect(earlier).toContain(column);
      expect(batches[i]!.policyVersions.slice(2).every((v) => v < i)).toBe(true);
    }
    // Episodes are counted once: the run's count is the fresh unrolls' episodes.
    expect(records.at(-1)!.episodes).toBe(batches.reduce((n, b) => n + b.episodeReturns.length, 0));
  });

  it('the memory estimate counts the buffer', () => {
    const base = { ...DEFAULT_CONFIG, replayCapacity: 50 };
    const off = estimateMemory(base);
    const on = estimateMemory({ ...base, replayShare: 0.5 });
    expect(on.unrollsHeld - off.unrollsHeld).toBe(50);
    expect(on.totalBytes - off.totalBytes).toBe(50 * off.unrollBytes);
  });
});
