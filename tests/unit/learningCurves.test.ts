import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { curveSvg } from '../../src/core/telemetry/curveSvg';
import { comparisonChart, learningCurveChart, thinned, type EpisodePoint } from '../../src/core/telemetry/learningCurves';
import type { MetricsRecord, TaskRecord } from '../../src/core/telemetry/metrics';
import { closeTo, readCurveSvg } from '../support/svgCurves';
import { allElements } from '../support/xml';

/** A record with what the charts read; the rest is irrelevant to them. */
function record(frames: number, episodes: number, mean: number | null, extra: Partial<MetricsRecord> = {}): MetricsRecord {
  return { frames, updates: frames / 400, episodes, episodeReturnMean100: mean, tasks: null, normalisedScoreMean: null, normalisedScoreMedian: null, ...extra } as MetricsRecord;
}

function task(name: TaskRecord['task'], mean: number | null): TaskRecord {
  return { task: name, frames: 0, episodes: 0, episodeReturnMean100: mean, normalisedScore: null, popartMu: null, popartSigma: null };
}

describe('learningCurveChart', () => {
  it('draws mean100 against frames as a line and each kept episode as a dot', () => {
    const records = [record(400, 0, null), record(800, 2, 10), record(1200, 3, 20.5)];
    const episodes: EpisodePoint[] = [
      { episode: 0, frames: 800, return: 8 },
      { episode: 1, frames: 800, return: 12 },
      { episode: 2, frames: 1200, return: 41.5 },
    ];
    const { panels } = readCurveSvg(curveSvg(learningCurveChart('CartPole, seed 1', records, episodes)));
    expect(panels).toHaveLength(1);
    const [panel] = panels;
    // The first record has no mean yet: the line starts at the second.
    expect(panel!.lines).toHaveLength(1);
    expect(closeTo(panel!.lines[0]!.runs.flat(), [[800, 10], [1200, 20.5]], panel!.tolerance)).toBeNull();
    expect(closeTo(panel!.dots[0]!.points, [[800, 8], [800, 12], [1200, 41.5]], panel!.tolerance)).toBeNull();
    expect(panel!.legend).toEqual(['mean of last 100 episodes', 'one episode']);
  });

  it('says "no episodes yet" for an empty metrics file, and for a run with no episode finished', () => {
    for (const records of [[], [record(400, 0, null)]]) {
      const svg = curveSvg(learningCurveChart('CartPole, seed 1', records, []));
      const { root, panels } = readCurveSvg(svg);
      expect(panels).toEqual([]);
      expect(allElements(root).some((e) => e.name === 'text' && e.text === 'no episodes yet')).toBe(true);
    }
  });

  it('draws a suite game by game, its dots in their game\'s colour, and the median normalised score below', () => {
    const records = [
      record(800, 1, 3, { tasks: [task('breakout', 3), task('freeway', null)] }),
      record(1600, 3, 5, { tasks: [task('breakout', 4), task('freeway', 20)], normalisedScoreMedian: 0.25 }),
      record(2400, 4, 6, { tasks: [task('breakout', 6), task('freeway', 22)], normalisedScoreMedian: 0.4 }),
    ];
    const episodes: EpisodePoint[] = [
      { episode: 0, frames: 800, return: 3, task: 0 },
      { episode: 1, frames: 1600, return: 5, task: 0 },
      { episode: 2, frames: 1600, return: 20, task: 1 },
      { episode: 3, frames: 2400, return: 24, task: 1 },
    ];
    const { panels } = readCurveSvg(curveSvg(learningCurveChart('suite', records, episodes)));
    expect(panels).toHaveLength(2);
    const [returns, scores] = panels;
    expect(returns!.lines.map((l) => l.label)).toEqual(['Breakout: mean of last 100', 'Freeway: mean of last 100']);
    expect(closeTo(returns!.lines[0]!.runs.flat(), [[800, 3], [1600, 4], [2400, 6]], returns!.tolerance)).toBeNull();
    expect(closeTo(returns!.lines[1]!.runs.flat(), [[1600, 20], [2400, 22]], returns!.tolerance)).toBeNull();
    expect(closeTo(returns!.dots[0]!.points, [[800, 3], [1600, 5]], returns!.tolerance)).toBeNull();
    expect(closeTo(returns!.dots[1]!.points, [[1600, 20], [2400, 24]], returns!.tolerance)).toBeNull();
    expect(returns!.dots.map((d) => d.color)).toEqual(returns!.lines.map((l) => l.color));
    expect(scores!.legend).toEqual(['median over the games']);
    expect(closeTo(scores!.lines[0]!.runs.flat(), [[1600, 0.25], [2400, 0.4]], scores!.tolerance)).toBeNull();
  });

  it('thins a long run\'s line to at most 2,000 evenly spaced records, keeping the first and the last', () => {
    const items = Array.from({ length: 39_063 }, (_, i) => i);
    const kept = thinned(items);
    expect(kept.length).toBeLessThanOrEqual(2000);
    expect(kept.length).toBeGreaterThan(1000);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(39_062);
    // ceil(39,062 / 1,998) = 20
    expect(kept.slice(0, 4)).toEqual([0, 20, 40, 60]);
    expect(thinned([1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('comparisonChart', () => {
  const cartpole = (correction: ExperimentConfig['correction']): ExperimentConfig => ({ ...DEFAULT_CONFIG, env: 'classic/CartPole-v1', correction });

  it('compares runs of one environment by mean100', () => {
    const { panels } = readCurveSvg(
      curveSvg(
        comparisonChart('V-trace vs no correction', [
          { label: 'V-trace', config: cartpole('vtrace'), records: [record(400, 1, 20), record(800, 3, 60)] },
          { label: 'No correction', config: cartpole('none'), records: [record(400, 1, 15), record(800, 2, 18)] },
        ]),
      ),
    );
    const [panel] = panels;
    expect(panel!.legend).toEqual(['V-trace', 'No correction']);
    expect(closeTo(panel!.lines[0]!.runs.flat(), [[400, 20], [800, 60]], panel!.tolerance)).toBeNull();
    expect(closeTo(panel!.lines[1]!.runs.flat(), [[400, 15], [800, 18]], panel!.tolerance)).toBeNull();
  });

  it('compares a suite with single-game runs by normalised score, leaving out a run that has none', () => {
    const suite: ExperimentConfig = { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'breakout,freeway' };
    const breakout: ExperimentConfig = { ...DEFAULT_CONFIG, env: 'minatar/breakout' };
    const chart = comparisonChart('multitask', [
      { label: 'Suite', config: suite, records: [record(1000, 1, 9, { normalisedScoreMedian: null }), record(2000, 2, 9, { normalisedScoreMedian: 0.3 }), record(3000, 3, 9, { normalisedScoreMedian: 0.45 })] },
      // Breakout's reference score is 17.5 and its random score 0.5052: 17.5 is a normalised 1, their midpoint 9.0026 a 0.5.
      { label: 'Breakout only', config: breakout, records: [record(500, 1, 9.0026), record(1000, 2, 17.5)] },
      { label: 'CartPole', config: cartpole('vtrace'), records: [record(500, 1, 100)] },
    ]);
    expect(chart.subtitle).toMatch(/Left out \(no normalised score\): CartPole\./);
    const { panels } = readCurveSvg(curveSvg(chart));
    const [panel] = panels;
    expect(panel!.legend).toEqual(['Suite', 'Breakout only']);
    expect(closeTo(panel!.lines[0]!.runs.flat(), [[2000, 0.3], [3000, 0.45]], panel!.tolerance)).toBeNull();
    expect(closeTo(panel!.lines[1]!.runs.flat(), [[500, 0.5], [1000, 1]], panel!.tolerance)).toBeNull();
  });
});
