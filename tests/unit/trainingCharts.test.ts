import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { presetById, presetRuns } from '../../src/core/config/presets';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import type { Clipped } from '../../src/core/telemetry/robustRange';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { clipMarkerHook, clippedText, yScale, type ChartConfig } from '../../src/ui/charts/LiveChart';
import { CHARTS, suiteCharts, TrainingCharts } from '../../src/ui/charts/TrainingCharts';

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

/** An update's record with the given loss terms (everything else 0). */
function lossRecord(frames: number, policyGradientLoss: number, baselineLoss: number, entropyLoss: number, totalLoss: number): MetricsRecord {
  return {
    frames, updates: 1, episodes: 0, episodeReturnMean100: null, episodeLengthMean100: null, fps: 1, policyLagMin: 0, policyLagMean: 0, policyLagMax: 0,
    queueDepth: 0, actorRestarts: 0, learningRate: 0, totalLoss, policyGradientLoss, baselineLoss, entropyLoss, entropy: 0, gradNorm: 0,
    clippedRhoFraction: 0, skippedUpdates: 0, timeWaitMs: 0, timeAssembleMs: 0, timeForwardBackwardMs: 0, timeApplyMs: 0, timePublishMs: 0,
    wallSeconds: 0, tasks: null, normalisedScoreMean: null, normalisedScoreMedian: null,
  };
}

/**
 * A Breakout-like start: the first update's baseline and total losses near
 * 50,000 (policy gradient 2, entropy 0), then 49 updates whose four terms
 * all cycle 0.5, 1, 1.5, 2, 0. By hand, over the 200 values: t = ceil(199 / 100)
 * = 2, q1 = sorted[2] = 0 (37 zeros), q99 = sorted[197] = 2 (above it only the
 * two spikes); fences -2 and 4 leave out the spikes alone; 0..2 padded by 0.2
 * on a 0.1 grid is -0.2..2.2, and -0.2 crosses 0: the range is 0..2.2.
 * Without the robust fit, uPlot pads 0..50,000 by 5,000 on a 1,000 grid: 0..55,000.
 */
function breakoutHistory(): TrainingHistory {
  const history = new TrainingHistory();
  history.addRecord(lossRecord(1000, 2, 50_000, 0, 50_000));
  for (let j = 1; j < 50; j++) {
    const v = (j % 5) * 0.5;
    history.addRecord(lossRecord(1000 * (j + 1), v, v, v, v));
  }
  return history;
}

const LIGHT_THEME = { current: { fg: '#000000', grid: 'rgba(0, 0, 0, 0.1)', bg: '#ffffff' } };

/** The loss chart's LiveChart config, with the y fit of its spec in CHARTS (or another to compare). */
function lossConfig(yFit?: 'all' | 'robust'): ChartConfig {
  const spec = CHARTS.find((c) => c.id === 'chart.loss')!;
  const series = ['policy gradient', 'baseline', 'entropy', 'total'].map((label) => ({ label, color: '#0072B2' }));
  return { title: spec.title, xLabel: 'frames', yLabel: spec.yLabel, series, height: 220, yRange: spec.yRange, yFit: yFit ?? spec.yFit };
}

/** The y range a chart's y scale gives for `data`, over indices idxs, as uPlot would ask for it. */
function yRangeOf(scale: uPlot.Scale, data: uPlot.AlignedData, idxs: [number, number] = [0, data[0].length - 1], yMin: number, yMax: number): uPlot.Range.MinMax {
  const range = scale.range;
  if (typeof range !== 'function') throw new Error('the y scale has no range function');
  // The parts of a uPlot instance a range function reads (uPlot sets each series' idxs before ranging y).
  const u = { data, series: data.map((_, i) => ({ show: true, idxs: i === 0 ? undefined : idxs })) } as unknown as uPlot;
  return range(u, yMin, yMax, 'y');
}

describe('chart y ranges', () => {
  it('fits the loss, throughput and lag charts to the bulk of their points; return, entropy and clipped ρ to all', () => {
    const fits = Object.fromEntries(CHARTS.map((c) => [c.id, c.yFit]));
    expect(fits).toEqual({
      'chart.return': 'all',
      'chart.fps': 'robust',
      'chart.lag': 'robust',
      'chart.loss': 'robust',
      'chart.entropy': 'all',
      'chart.clippedRho': 'all',
    });
    const html = renderToStaticMarkup(createElement(TrainingCharts, { histories: [{ label: 'Run', history: new TrainingHistory(), config: DEFAULT_CONFIG }] }));
    const rendered = Object.fromEntries([...html.matchAll(/data-chart="([^"]+)" data-y-fit="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
    expect(rendered).toEqual(fits);
  });

  it("keeps a Breakout-like loss spike from flattening the loss chart: 0..2.2, not 0..55,000", () => {
    const data = breakoutHistory().columns('loss');
    expect(data[0]).toHaveLength(50);
    expect(yRangeOf(yScale(lossConfig()), data, undefined, 0, 50_000)).toEqual([0, 2.2]);
    // The same data fitted to all points, as before (uPlot's own padding).
    expect(yRangeOf(yScale(lossConfig('all')), data, undefined, 0, 50_000)).toEqual([0, 55_000]);
    // Zoomed into the first four updates (too few to tell a spike), the robust fit keeps them all.
    expect(yRangeOf(yScale(lossConfig()), data, [0, 3], 0, 50_000)).toEqual([0, 55_000]);
  });

  it('marks the clipped spikes at the top edge and says so in words', () => {
    const data = breakoutHistory().columns('loss');
    const heard: (Clipped | null)[] = [];
    const draw = clipMarkerHook(lossConfig().series, LIGHT_THEME, (c) => heard.push(c));
    // A canvas at twice the CSS width; the plot's box in canvas pixels; x = 1000 frames per canvas pixel from the box's left.
    const moves: [number, number][] = [];
    const ctx = {
      canvas: { width: 640 },
      save() {}, restore() {}, beginPath() {}, closePath() {}, fill() {}, stroke() {}, setLineDash() {},
      moveTo: (x: number, y: number) => moves.push([x, y]),
      lineTo() {},
    };
    const u = {
      data, width: 320, ctx, bbox: { left: 100, top: 20, width: 500, height: 400 },
      scales: { x: { min: 1000, max: 50_000 }, y: { min: 0, max: 2.2 } },
      series: data.map(() => ({ show: true })),
      valToPos: (v: number) => 100 + v / 1000,
    } as unknown as uPlot;
    draw(u);
    expect(heard).toHaveLength(1);
    expect(heard[0]!.clipped).toEqual([
      { series: 1, index: 0, value: 50_000 },
      { series: 3, index: 0, value: 50_000 },
    ]);
    // One triangle per spike, its tip a canvas pixel (ratio 2) below the top of the box, at frame 1000's x.
    expect(moves).toEqual([[101, 22], [101, 22]]);
    expect(clippedText(heard[0]!)).toMatch(/^2 values beyond the range \(max 50.?000\), marked ▲ at the top edge$/);
  });
});
