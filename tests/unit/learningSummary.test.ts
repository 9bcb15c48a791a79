import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { spreadOf, summariseRun, summariseSeeds } from '../../src/core/telemetry/learningSummary';

/** A record with only what the summary reads. */
function record(frames: number, mean: number | null, wallSeconds = frames / 1000): MetricsRecord {
  return { frames, episodeReturnMean100: mean, wallSeconds } as MetricsRecord;
}

describe('summariseRun', () => {
  it('finds the final and best scores, the first frames at each threshold, and the area by the trapezoid rule', () => {
    const records = [record(100, null), record(200, 10), record(300, 30), record(400, 20)];
    const s = summariseRun(records, [15, 30, 50]);
    expect(s).toMatchObject({ scoreKind: 'return', frames: 400, finalScore: 20, bestScore: 30, bestFrames: 300, trainingSeconds: 0.4 });
    expect(s.reached).toEqual([
      { threshold: 15, frames: 300 },
      { threshold: 30, frames: 300 },
      { threshold: 50, frames: null },
    ]);
    // (0,0)-(100,0): 0; (100,0)-(200,10): 500; (200,10)-(300,30): 2000; (300,30)-(400,20): 2500; / 400 frames.
    expect(s.auc).toBeCloseTo(5000 / 400, 12);
  });

  it('scores a suite by its median normalised score', () => {
    const r = { ...record(500, 3), tasks: [], normalisedScoreMedian: 0.8 } as unknown as MetricsRecord;
    expect(summariseRun([r], [0.5])).toMatchObject({ scoreKind: 'normalised', finalScore: 0.8, reached: [{ threshold: 0.5, frames: 500 }] });
  });

  it('gives nulls for a run without records', () => {
    expect(summariseRun([], [1])).toMatchObject({ frames: 0, finalScore: null, bestScore: null, auc: null, reached: [{ threshold: 1, frames: null }] });
  });
});

describe('spreads over seeds', () => {
  it('gives the mean and the sample standard deviation of the values present', () => {
    expect(spreadOf([2, 4, 4, 4, 5, 5, 7, 9, null])).toEqual({ n: 8, mean: 5, std: Math.sqrt(32 / 7), min: 2, max: 9 });
    expect(spreadOf([3])).toEqual({ n: 1, mean: 3, std: 0, min: 3, max: 3 });
    expect(spreadOf([null])).toEqual({ n: 0, mean: null, std: null, min: null, max: null });
  });

  it('counts the seeds that reached each threshold', () => {
    const runs = [summariseRun([record(100, 10), record(200, 40)], [30]), summariseRun([record(100, 5), record(200, 20)], [30])];
    const s = summariseSeeds(runs);
    expect(s.seeds).toBe(2);
    expect(s.reached[0]!.frames).toMatchObject({ n: 1, mean: 200 });
    expect(s.finalScore).toMatchObject({ n: 2, mean: 30 });
  });
});
