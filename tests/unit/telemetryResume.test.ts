import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import type { MinAtarGameName } from '../../src/core/envs/minatar/game';
import { createEnv } from '../../src/core/envs/registry';
import { Learner, type UpdateResult } from '../../src/core/learner/learner';
import { checkRunSnapshot, RUN_SNAPSHOT_FORMAT } from '../../src/core/persistence/runSnapshot';
import { MetricsTracker, type MetricsRecord } from '../../src/core/telemetry/metrics';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { actorOptionsFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { newRunProgress, TrainingRun } from '../../src/core/training/trainingRun';
import { useWasmBackend } from '../../src/node/tfWasm';

/**
 * A saved run keeps its last 100 episodes once, in its progress (the
 * metrics tracker's state); the tracker and the history restored from it
 * continue their mean-100 figures exactly as a run never interrupted.
 */

const GAMES: MinAtarGameName[] = ['breakout', 'freeway', 'seaquest'];
const RESULT = { version: 1, applied: true, learningRate: 0, totalLoss: 0, policyGradientLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0, clippedRhoFraction: 0, timeForwardBackwardMs: 0, timeApplyMs: 0 } satisfies UpdateResult;
const HISTORY_OPTIONS = { seriesCapacity: 64, recordCapacity: 50, episodeCapacity: 80 };

/** Update u's finished episodes: 0 to 4 of them, non-round returns, each game's share. */
function episodesOf(u: number): { returns: number[]; lengths: number[]; tasks: number[] } {
  const n = u % 5;
  const returns = Array.from({ length: n }, (_, i) => 11.7 * Math.sin(u * 3.1 + i) + 0.01 * u);
  const lengths = Array.from({ length: n }, (_, i) => 1 + ((u * 31 + i * 7) % 211));
  const tasks = Array.from({ length: n }, (_, i) => (u + i) % GAMES.length);
  return { returns, lengths, tasks };
}

/** One update: its episodes, its frames per game, its record (what the record continues from, not fps or time). */
function update(tracker: MetricsTracker, history: TrainingHistory, u: number): Partial<MetricsRecord> {
  const { returns, lengths, tasks } = episodesOf(u);
  tracker.addEpisodes(returns, lengths, tasks);
  tracker.addTaskFrames(20, [u % 3, (u + 1) % 3]);
  const r = tracker.record({ frames: 40 * (u + 1), result: RESULT, policyVersions: [0], queueDepth: 0, actorRestarts: 0, times: { wait: 0, assemble: 0, publish: 0 }, wallSeconds: u });
  history.batch(() => {
    history.addEpisodes(returns, lengths, r.frames);
    history.addRecord(r);
  });
  const { episodes, episodeReturnMean100, episodeLengthMean100, skippedUpdates, tasks: perGame, normalisedScoreMean, normalisedScoreMedian } = r;
  return { episodes, episodeReturnMean100, episodeLengthMean100, skippedUpdates, tasks: perGame, normalisedScoreMean, normalisedScoreMedian };
}

const UPDATES = 260;
const CUT = 143;

/** Records and the history of a run never interrupted. */
function uninterrupted(): { records: Partial<MetricsRecord>[]; tracker: MetricsTracker; history: TrainingHistory } {
  const tracker = new MetricsTracker(GAMES);
  const history = new TrainingHistory(HISTORY_OPTIONS);
  const records = Array.from({ length: UPDATES }, (_, u) => update(tracker, history, u));
  return { records, tracker, history };
}

describe('mean-100 figures across a save and restore', () => {
  it('a tracker and history restored from the saved progress continue exactly as an uninterrupted run', () => {
    const whole = uninterrupted();
    const tracker = new MetricsTracker(GAMES);
    const history = new TrainingHistory(HISTORY_OPTIONS);
    for (let u = 0; u < CUT; u++) update(tracker, history, u);
    // What a saved run keeps (through a structured clone, as IndexedDB stores it): the episodes once, in the progress.
    const saved = structuredClone({ progress: tracker.getState(), history: history.toState({ recentEpisodes: false }) });
    expect(saved.history.recentReturns).toBeUndefined();
    expect(saved.progress.recentReturns).toHaveLength(100);
    expect(saved.progress.tasks!.map((t) => t.episodes)).toEqual(whole.records[CUT - 1]!.tasks!.map((t) => t.episodes));

    const resumedTracker = new MetricsTracker(GAMES, saved.progress);
    const resumedHistory = TrainingHistory.fromState(saved.history, { ...HISTORY_OPTIONS, recentEpisodes: saved.progress });
    for (let u = CUT; u < UPDATES; u++) expect(update(resumedTracker, resumedHistory, u)).toEqual(whole.records[u]);
    expect(resumedTracker.getState()).toEqual(whole.tracker.getState());
    expect(resumedHistory.columns('return')).toEqual(whole.history.columns('return'));
    for (const game of GAMES) expect(resumedHistory.taskColumns(game)).toEqual(whole.history.taskColumns(game));
  });

  it('the history and the tracker use one window: the return curve ends at the latest record`s mean-100 return', () => {
    const tracker = new MetricsTracker(GAMES);
    const history = new TrainingHistory(); // room for every point: none merged
    let latest: Partial<MetricsRecord> = {};
    for (let u = 0; u < 150; u++) latest = update(tracker, history, u);
    const [, , mean100] = history.columns('return');
    expect(mean100!.length).toBe(tracker.episodes);
    expect(mean100!.at(-1)).toBe(latest.episodeReturnMean100);
  });

  it("restores a run saved by the previous version (progress.recentReturns/recentLengths, curves in the v1 format with recentReturns), the mean-100 continuing", () => {
    const whole = uninterrupted();
    const tracker = new MetricsTracker(GAMES);
    const history = new TrainingHistory(HISTORY_OPTIONS);
    for (let u = 0; u < CUT; u++) update(tracker, history, u);
    const { recentReturns, recentLengths, episodes, skippedUpdates } = tracker.getState();
    // A slot exactly as the previous version wrote it: no per-game progress, the returns a second time in the curves.
    const { recentLengths: _dropped, ...curves } = history.toState();
    const oldSlot = {
      label: 'Run',
      config: { ...DEFAULT_CONFIG, env: 'suite/minatar', popart: false },
      version: CUT,
      frames: 40 * CUT,
      weights: [new Float32Array([1, 2])],
      history: { ...curves, format: 'impala-lab.training-history-state.v1', recentReturns: [...recentReturns] },
      progress: { episodes, skippedUpdates, actorRestarts: 0, wallSeconds: 12, recentReturns: [...recentReturns], recentLengths: [...recentLengths] },
    };
    const slot = checkRunSnapshot(structuredClone({ format: RUN_SNAPSHOT_FORMAT, savedAt: '2025-01-01T00:00:00.000Z', presetId: null, slots: [oldSlot] })).slots[0]!;
    expect(slot.progress.tasks).toBeUndefined();

    const resumedTracker = new MetricsTracker(GAMES, slot.progress);
    // Restored as the lab does now, and as it should (from the progress): the curve continues either way.
    const fromOwn = TrainingHistory.fromState(slot.history, HISTORY_OPTIONS);
    const fromProgress = TrainingHistory.fromState(slot.history, { ...HISTORY_OPTIONS, recentEpisodes: slot.progress });
    for (let u = CUT; u < UPDATES; u++) {
      const r = update(resumedTracker, fromProgress, u);
      const { returns, lengths } = episodesOf(u);
      fromOwn.addEpisodes(returns, lengths, 40 * (u + 1));
      // Overall figures continue; the games' (not saved before) start again.
      expect([r.episodes, r.episodeReturnMean100, r.episodeLengthMean100]).toEqual([whole.records[u]!.episodes, whole.records[u]!.episodeReturnMean100, whole.records[u]!.episodeLengthMean100]);
    }
    expect(fromProgress.columns('return')).toEqual(whole.history.columns('return'));
    expect(fromOwn.columns('return')).toEqual(whole.history.columns('return'));
    // Its saved curves are read in the new format from then on.
    expect(fromProgress.toState().format).toBe('impala-lab.training-history-state.v2');
  });

  it('a damaged per-game progress or old-format curves are refused with a message', () => {
    const tracker = new MetricsTracker(GAMES);
    const history = new TrainingHistory(HISTORY_OPTIONS);
    for (let u = 0; u < 10; u++) update(tracker, history, u);
    const progress = { ...tracker.getState(), actorRestarts: 0, wallSeconds: 1 };
    const slot = { label: 'Run', config: { ...DEFAULT_CONFIG, popart: false }, version: 1, frames: 40, weights: [new Float32Array(1)], history: history.toState({ recentEpisodes: false }), progress };
    const snapshot = (p: unknown) => ({ format: RUN_SNAPSHOT_FORMAT, savedAt: '2025-01-01T00:00:00.000Z', presetId: null, slots: [{ ...slot, progress: p }] });
    expect(checkRunSnapshot(structuredClone(snapshot(progress))).slots[0]!.progress).toEqual(progress);
    expect(() => checkRunSnapshot(snapshot({ ...progress, tasks: [{ frames: 1, episodes: 1, recentReturns: [1], recentLengths: [] }] }))).toThrow(/progress of its games/);
    const v1 = { ...history.toState(), format: 'impala-lab.training-history-state.v1', recentLengths: undefined };
    expect(() => TrainingHistory.fromState({ ...v1, recentReturns: undefined }, HISTORY_OPTIONS)).toThrow(/recent returns/);
  });
});

describe('TrainingRun.progress()', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('is what the records stand at (the last 100 episodes reported, the counters), and a run made with it continues from it', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 2000 };
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    const scheduler = { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)) };
    const returns: number[] = [];
    const lengths: number[] = [];
    const records: MetricsRecord[] = [];
    const run = new TrainingRun({
      config,
      learner,
      actors: [actor],
      deterministic: true,
      scheduler,
      onEpisodes: (g, l) => {
        returns.push(...g);
        lengths.push(...l);
      },
      onUpdate: (r) => records.push(r),
    });
    expect(run.progress()).toEqual(newRunProgress());
    await run.run();
    const progress = run.progress();
    const last = records.at(-1)!;
    expect(returns.length).toBeGreaterThan(0);
    expect(progress).toEqual({
      episodes: returns.length,
      skippedUpdates: last.skippedUpdates,
      actorRestarts: 0,
      wallSeconds: last.wallSeconds,
      recentReturns: returns.slice(-100),
      recentLengths: lengths.slice(-100),
    });
    const resumed = new TrainingRun({ config, learner, actors: [actor], deterministic: true, scheduler, continueFrom: structuredClone(progress) });
    expect(resumed.progress()).toEqual(progress);
    learner.dispose();
    actor.dispose();
  });
});
