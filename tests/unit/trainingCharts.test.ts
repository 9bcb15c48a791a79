import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { presetById, presetRuns } from '../../src/core/config/presets';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { suiteCharts, TrainingCharts } from '../../src/ui/charts/TrainingCharts';

/** The charts' ids in the server-rendered markup. */
function chartIds(html: string): string[] {
  return [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]!);
}

describe('TrainingCharts', () => {
  it('draws no per-game charts for a single environment', () => {
    const html = renderToStaticMarkup(createElement(TrainingCharts, { histories: [{ label: 'Run', history: new TrainingHistory(), config: DEFAULT_CONFIG }] }));
    expect(chartIds(html).filter((id) => id.startsWith('chart.suite.'))).toEqual([]);
    expect(html).not.toContain('Per game');
  });

  it("draws a suite run's normalised score and one chart per game it plays, against that game's frames", () => {
    const config = { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'breakout,seaquest', network: 'minatar' as const };
    const html = renderToStaticMarkup(createElement(TrainingCharts, { histories: [{ label: 'Run', history: new TrainingHistory(), config }] }));
    expect(chartIds(html).filter((id) => id.startsWith('chart.suite.'))).toEqual(['chart.suite.normalisedScore', 'chart.suite.game.breakout', 'chart.suite.game.seaquest']);
    expect(html).toContain('against frames of Seaquest');
    expect(chartIds(html)).toContain('chart.return');
  });

  it('overlays the multitask comparison game by game: both suite runs and that game alone', () => {
    const histories = presetRuns(presetById('multitask')!).map(({ label, config }) => ({ label, config, history: new TrainingHistory() }));
    const html = renderToStaticMarkup(createElement(TrainingCharts, { histories }));
    const games = ['asterix', 'breakout', 'freeway', 'seaquest', 'space_invaders'];
    expect(chartIds(html).filter((id) => id.startsWith('chart.suite.'))).toEqual(['chart.suite.normalisedScore', ...games.map((g) => `chart.suite.game.${g}`)]);
  });
});

describe('suiteCharts data', () => {
  it("puts a suite run's share of a game beside the single-game run of that game, each on its game's frames", () => {
    const suite = new TrainingHistory();
    const single = new TrainingHistory();
    const task = (name: 'breakout' | 'freeway', frames: number, ret: number | null) => ({
      task: name, frames, episodes: 1, episodeReturnMean100: ret, normalisedScore: ret, popartMu: null, popartSigma: null,
    });
    const record = (frames: number, tasks: ReturnType<typeof task>[] | null, median: number | null) => ({
      frames, updates: 1, episodes: 1, episodeReturnMean100: 1, episodeLengthMean100: 1, fps: 1, policyLagMin: 0, policyLagMean: 0, policyLagMax: 0,
      queueDepth: 0, actorRestarts: 0, learningRate: 0, totalLoss: 0, policyGradientLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0,
      clippedRhoFraction: 0, skippedUpdates: 0, timeWaitMs: 0, timeAssembleMs: 0, timeForwardBackwardMs: 0, timeApplyMs: 0, timePublishMs: 0,
      wallSeconds: 0, tasks, normalisedScoreMean: median === null ? null : median + 1, normalisedScoreMedian: median,
    });
    suite.addRecord(record(200, [task('breakout', 100, 2), task('freeway', 100, null)], null));
    suite.addRecord(record(400, [task('breakout', 250, 3), task('freeway', 150, 0.5)], 0.25));
    single.addEpisodes([1, 3], [10, 10], 120);
    const config = { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'breakout,freeway', network: 'minatar' as const };
    const charts = suiteCharts([
      { label: 'Suite', history: suite, config },
      { label: 'Breakout only', history: single, config: { ...DEFAULT_CONFIG, env: 'minatar/breakout', network: 'minatar' } },
    ]);
    expect(charts.map((c) => c.key)).toEqual(['normalisedScore', 'game.breakout', 'game.freeway']);
    const [score, breakout, freeway] = charts;
    // Median first, then mean, against total frames.
    expect(score!.series.map((s) => s.label)).toEqual(['Suite · median', 'Suite · mean']);
    expect(score!.getData()).toEqual([[200, 400], [null, 0.25], [null, 1.25]]);
    expect(breakout!.series.map((s) => s.label)).toEqual(['Suite', 'Breakout only']);
    // The single run's points are its moving average of episode returns (1, then (1 + 3) / 2).
    expect(breakout!.getData()).toEqual([[100, 120, 120, 250], [2, null, null, 3], [null, 1, 2, null]]);
    expect(freeway!.getData()).toEqual([[100, 150], [null, 0.5]]);
    // Cached until a history changes, and told when one does.
    expect(breakout!.getData()).toBe(breakout!.getData());
    let told = 0;
    const unsubscribe = breakout!.subscribe(() => told++);
    single.addEpisodes([5], [10], 300);
    unsubscribe();
    expect(told).toBe(1);
    expect(breakout!.getData()[0]).toEqual([100, 120, 120, 250, 300]);
  });
});
