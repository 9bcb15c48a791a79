import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { Learner } from '../../src/core/learner/learner';
import {
  checkRecording,
  checkRunSnapshot,
  checkSavedRunInfo,
  cleanRunName,
  mostRecentUnfinished,
  RUN_SNAPSHOT_FORMAT,
  type RunSnapshot,
  type SavedRunInfo,
} from '../../src/core/persistence/runSnapshot';
import { RecordingStore } from '../../src/core/replay/recordingStore';
import type { Recording } from '../../src/core/replay/replay';
import { actorOptionsFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { SeriesBuffer } from '../../src/core/telemetry/seriesBuffer';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { TrainingRun } from '../../src/core/training/trainingRun';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

/** A metrics record at `frames` with made-up values. */
function record(frames: number, i: number): MetricsRecord {
  return {
    frames,
    updates: i,
    episodes: i,
    episodeReturnMean100: i % 3 === 0 ? null : i,
    episodeLengthMean100: null,
    fps: 1000 + i,
    policyLagMin: 0,
    policyLagMean: i % 4,
    policyLagMax: i % 7,
    queueDepth: 0,
    actorRestarts: 0,
    learningRate: 0.01,
    totalLoss: i % 5 === 0 ? NaN : Math.sin(i),
    policyGradientLoss: Math.cos(i),
    baselineLoss: i,
    entropyLoss: -i,
    entropy: 0.6,
    gradNorm: 1,
    clippedRhoFraction: 0.1,
    skippedUpdates: 0,
    timeWaitMs: 0,
    timeAssembleMs: 0,
    timeForwardBackwardMs: 0,
    timeApplyMs: 0,
    timePublishMs: 0,
    wallSeconds: i,
    tasks: null,
    normalisedScoreMean: null,
    normalisedScoreMedian: null,
  };
}

function feed(h: TrainingHistory, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    h.addEpisodes([i % 13, (i * 7) % 11], [10, 20], i * 100);
    h.addRecord(record(i * 100, i));
  }
}

const OPTIONS = { seriesCapacity: 8, recordCapacity: 6, episodeCapacity: 10 };
const CHARTS = ['return', 'fps', 'lag', 'loss', 'entropy', 'clippedRho'] as const;

describe('TrainingHistory toState / fromState', () => {
  it('a restored history (through a structured clone, as IndexedDB stores it) continues exactly as the original', () => {
    const original = new TrainingHistory(OPTIONS);
    feed(original, 0, 37); // past every capacity: series halved, logs thinned
    const restored = TrainingHistory.fromState(structuredClone(original.toState()), OPTIONS);
    for (const chart of CHARTS) expect(restored.columns(chart)).toEqual(original.columns(chart));
    expect(restored.records).toEqual(original.records);
    expect(restored.episodes).toEqual(original.episodes);
    expect([restored.recordCount, restored.episodeCount]).toEqual([original.recordCount, original.episodeCount]);
    feed(original, 37, 90);
    feed(restored, 37, 90);
    for (const chart of CHARTS) {
      const [a, b] = [original.columns(chart), restored.columns(chart)];
      expect(b[0]).toEqual(a[0]);
      // The moving average's running sum is rebuilt, so allow rounding.
      for (let s = 1; s < a.length; s++) b[s]!.forEach((v, i) => (v === null ? expect(a[s]![i]).toBeNull() : expect(v).toBeCloseTo(a[s]![i]!, 9)));
    }
    expect(restored.records).toEqual(original.records);
  });

  it('rejects damaged or mismatched states with a message, leaving nothing half-restored', () => {
    const h = new TrainingHistory(OPTIONS);
    feed(h, 0, 20);
    const state = h.toState();
    expect(() => TrainingHistory.fromState(null)).toThrow(/missing/);
    expect(() => TrainingHistory.fromState({ ...state, format: 'other' })).toThrow(/unknown format/);
    expect(() => TrainingHistory.fromState(state)).toThrow(/points, this buffer 2048/); // saved with other capacities
    const damaged = structuredClone(state);
    damaged.series.fps!.ys = [new Float64Array(1)];
    expect(() => TrainingHistory.fromState(damaged, OPTIONS)).toThrow(/no valid y values/);
    expect(() => TrainingHistory.fromState({ ...state, recentReturns: ['x'] }, OPTIONS)).toThrow(/recent returns/);
    expect(() => TrainingHistory.fromState({ ...state, records: { ...state.records, items: [{}] } }, OPTIONS)).toThrow(/damaged items/);
  });

  it('SeriesBuffer.setState refuses another capacity and changes nothing', () => {
    const a = new SeriesBuffer({ reducers: ['mean'], capacity: 4 });
    const b = new SeriesBuffer({ reducers: ['mean'], capacity: 8 });
    b.push(1, 2);
    for (let i = 0; i < 9; i++) a.push(i, i);
    expect(() => b.setState(a.getState())).toThrow(/holds 4 points/);
    expect(b.columns()).toEqual([[1], [2]]);
  });
});

function snapshot(): RunSnapshot {
  return {
    format: RUN_SNAPSHOT_FORMAT,
    savedAt: '2025-01-01T00:00:00.000Z',
    presetId: null,
    slots: [
      {
        label: 'Run',
        config: { ...DEFAULT_CONFIG, popart: false },
        version: 3,
        frames: 240,
        weights: [new Float32Array([1, 2])],
        optimizer: { name: 'rmsprop', step: 3, slots: [new Float32Array(2)] },
        history: new TrainingHistory().toState(),
        progress: { episodes: 4, skippedUpdates: 0, actorRestarts: 1, wallSeconds: 2.5, recentReturns: [1, 2], recentLengths: [10, 20] },
      },
    ],
  };
}

describe('checking what storage hands back', () => {
  it('accepts an intact snapshot and names what is damaged in one that is not', () => {
    expect(checkRunSnapshot(structuredClone(snapshot())).slots[0]!.progress.episodes).toBe(4);
    const broken = (patch: (s: RunSnapshot) => void): unknown => {
      const s = structuredClone(snapshot());
      patch(s);
      return s;
    };
    expect(() => checkRunSnapshot(undefined)).toThrow('the saved checkpoint is missing');
    expect(() => checkRunSnapshot(broken((s) => (s.slots = [])))).toThrow(/holds no run/);
    expect(() => checkRunSnapshot(broken((s) => (s.slots[0]!.weights = [new Float32Array([NaN])])))).toThrow(/not finite/);
    expect(() => checkRunSnapshot(broken((s) => ((s.slots[0] as { weights: unknown }).weights = [[1, 2]])))).toThrow(/run 1 has a damaged learner state: weight array 0 is not an array of float32 values/);
    expect(() => checkRunSnapshot(broken((s) => ((s.slots[0]!.config as { batchSize: unknown }).batchSize = -3)))).toThrow(/invalid settings/);
    expect(() => checkRunSnapshot(broken((s) => (s.slots[0]!.version = 1.5)))).toThrow(/the update counter \(version\) must be a non-negative integer, not 1.5/);
    expect(() => checkRunSnapshot(broken((s) => (s.slots[0]!.popart = { mu: [0], nu: [1] })))).toThrow(/PopArt statistics do not match/);
    expect(() => checkRunSnapshot(broken((s) => (s.slots[0]!.progress.recentLengths = [1])))).toThrow(/recent episodes/);
    // A setting this version does not know (from a newer lab) is ignored, not fatal.
    expect(checkRunSnapshot(broken((s) => ((s.slots[0]!.config as unknown as Record<string, unknown>).futureSetting = 1))).slots).toHaveLength(1);
  });

  it('list entries, names, recordings and the run to offer', () => {
    const info: SavedRunInfo = {
      id: 'a',
      name: 'n',
      env: 'classic/CartPole-v1',
      seed: 1,
      labels: ['Run'],
      frames: 10,
      updates: 1,
      meanReturn: null,
      finished: false,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    expect(checkSavedRunInfo(info)).toEqual(info);
    expect(() => checkSavedRunInfo({ ...info, updates: -1 })).toThrow(/counters/);
    expect(cleanRunName('  a   b ')).toBe('a b');
    expect(() => cleanRunName('x'.repeat(81))).toThrow(/at most 80/);
    const runs = [
      { ...info, id: 'old', updatedAt: '2025-01-01T00:00:00.000Z' },
      { ...info, id: 'done', finished: true, updatedAt: '2025-03-01T00:00:00.000Z' },
      { ...info, id: 'recent', updatedAt: '2025-02-01T00:00:00.000Z' },
    ];
    expect(mostRecentUnfinished(runs)?.id).toBe('recent');
    expect(mostRecentUnfinished([runs[1]!])).toBeNull();
    const recording: Recording = {
      envId: 'minatar/breakout',
      actionNames: ['n', 'l'],
      policyVersion: 2,
      steps: [{ observation: new Uint8Array(400), actionProbabilities: [0.5, 0.5], action: 0, value: 0, reward: 0 }],
      episodeReturn: 0,
      length: 1,
      end: 'time-limit',
    };
    expect(checkRecording(structuredClone(recording))).toEqual(recording);
    expect(checkRecording({ ...recording, end: 'crash' })).toBeNull();
    expect(checkRecording({ ...recording, steps: [{}] })).toBeNull();
    const store = new RecordingStore({ maxSteps: 10 });
    store.restore({ latest: recording, best: null });
    expect(store.latest).toBe(recording);
  });
});

describe('TrainingRun: resuming a saved run', () => {
  it('idle() waits for the update in flight; a run made with continueFrom continues the counters', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 1600 };
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    let reported = 0;
    const run: TrainingRun = new TrainingRun({
      config,
      learner,
      actors: [actor],
      deterministic: true,
      scheduler: { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)) },
      onUpdate: () => {
        reported++;
        if (reported === 3) run.pause();
      },
    });
    const done = run.run();
    // Poll idle() while training: each time it resolves, the learner's version matches the updates reported.
    while (run.state !== 'paused') {
      await run.idle();
      expect(learner.version).toBe(reported);
      await new Promise((r) => setImmediate(r));
    }
    await run.idle();
    expect([learner.version, reported]).toEqual([3, 3]);
    run.stop();
    await done;

    const records: MetricsRecord[] = [];
    const resumed = new TrainingRun({
      config,
      learner,
      actors: [actor],
      deterministic: true,
      scheduler: { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)) },
      continueFrom: { episodes: 500, skippedUpdates: 2, actorRestarts: 3, wallSeconds: 100, recentReturns: [50, 70], recentLengths: [50, 70] },
      onUpdate: (r) => records.push(r),
    });
    await resumed.run();
    expect(records[0]!.updates).toBe(4);
    expect(records[0]!.episodes).toBeGreaterThanOrEqual(500);
    expect(records[0]!.skippedUpdates).toBe(2);
    expect(records[0]!.actorRestarts).toBe(3);
    expect(records[0]!.wallSeconds).toBeGreaterThan(100);
    // The mean-100 return includes the saved episodes (50 and 70) until new ones dilute them.
    expect(records[0]!.episodeReturnMean100).not.toBeNull();
    learner.dispose();
    actor.dispose();
  });
});
