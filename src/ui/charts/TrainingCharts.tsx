import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { envInfo } from '../../core/envs/envInfo';
import { gameTitle, isSuiteGame, SUITE_GAMES } from '../../core/envs/suite/minatarSuite';
import { isSuite, tasksOf } from '../../core/training/fromConfig';
import { overlayColumns, type Columns } from '../../core/telemetry/seriesBuffer';
import { HISTORY_CHARTS, type HistoryChart, type TrainingHistory } from '../../core/telemetry/trainingHistory';
import { downloadBlob, slugify } from '../download';
import { LiveChart, type ChartSeries } from './LiveChart';
import './charts.css';

/** The charts' ids, as share links and `hidden` name them. */
export const CHART_IDS = ['chart.return', 'chart.fps', 'chart.lag', 'chart.loss', 'chart.entropy', 'chart.clippedRho'] as const;
export type ChartId = (typeof CHART_IDS)[number];

export interface TrainingChartsProps {
  /**
   * One run, or several overlaid (an ablation: "V-trace" vs "No correction"),
   * with each run's settings when known (a task suite's runs get per-game
   * charts). Keep the array stable between renders.
   */
  histories: readonly { label: string; history: TrainingHistory; config?: ExperimentConfig }[];
  /** Chart ids not to render. */
  hidden?: ReadonlySet<string>;
}

/**
 * Okabe & Ito's colour-blind-safe palette (2008), without its black (lost
 * on dark pages) and yellow (lost on white).
 */
const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'] as const;
/** Dash patterns, so that lines differ without colour too. */
const DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [10, 3, 2, 3]];

const pick = <T,>(list: readonly T[], i: number): T => list[i % list.length]!;

/** A string for each element of tuple T (a mapped tuple type keeps T's length). */
type LabelsFor<T extends readonly unknown[]> = { readonly [I in keyof T]: string };

/** A legend label for each of a history chart's y-series (tuple lengths checked against HISTORY_CHARTS). */
const TERM_LABELS: { readonly [C in HistoryChart]: LabelsFor<(typeof HISTORY_CHARTS)[C]> } = {
  return: ['episode return', 'mean of last 100'],
  fps: ['frames/s'],
  lag: ['mean', 'max'],
  loss: ['policy gradient', 'baseline', 'entropy', 'total'],
  entropy: ['entropy'],
  clippedRho: ['clipped ρ'],
  normalisedScore: ['mean', 'median'],
};

export interface ChartSpec {
  id: ChartId;
  data: HistoryChart;
  title: string;
  yLabel: string;
  yRange?: { min?: number; max?: number };
  /** How the y axis fits the points (LiveChart's `yFit`): all of them, or their bulk with the rest marked at the edge. */
  yFit: 'all' | 'robust';
}

/**
 * The charts, and how each one's y axis fits its points. 'robust' (see
 * core/telemetry/robustRange) leaves out far outliers, marked at the edge and
 * counted in a note, only where one wild value would otherwise flatten what
 * a student reads from the chart:
 * - return: all. Rising returns are the point, the best episodes are real
 *   results (not glitches), and the raw points' spread is what the chart shows.
 * - fps: robust. What matters is the steady throughput; one odd early
 *   measurement (a short first interval, a stall) would squash it.
 * - lag: robust. The usual lag is what settings change; a one-off stall
 *   (a compile, a background tab) gives a max far above it. Its value stays
 *   in the note.
 * - loss: robust. The first updates' terms can be thousands of times the
 *   later ones (about 50,000 against values near 0 on Breakout), leaving the
 *   rest of the run a flat line.
 * - entropy, clipped ρ: all. Both are bounded (0 to ln |A|, and a share of
 *   0 to 1) and change smoothly: their early values are the story (the
 *   policy narrowing), not outliers.
 * The per-game charts of a suite show mean returns, as the return chart
 * does: all.
 */
export const CHARTS: readonly ChartSpec[] = [
  { id: 'chart.return', data: 'return', title: 'Episode return', yLabel: 'return', yFit: 'all' },
  { id: 'chart.fps', data: 'fps', title: 'Throughput', yLabel: 'frames per second', yRange: { min: 0 }, yFit: 'robust' },
  { id: 'chart.lag', data: 'lag', title: 'Policy lag', yLabel: 'updates behind learner', yRange: { min: 0 }, yFit: 'robust' },
  { id: 'chart.loss', data: 'loss', title: 'Loss terms', yLabel: 'loss (sum over T×B)', yFit: 'robust' },
  { id: 'chart.entropy', data: 'entropy', title: 'Policy entropy', yLabel: 'nats per step', yRange: { min: 0 }, yFit: 'all' },
  { id: 'chart.clippedRho', data: 'clippedRho', title: 'Clipped importance weights', yLabel: 'share of ρ above ρ̄', yRange: { min: 0 }, yFit: 'all' },
];

/**
 * How each series of a chart looks. One run: a colour and a dash per term.
 * Several runs: a colour per run; the terms of a run differ by dash, and in
 * one-term charts the runs do; the return chart shows each run's raw
 * points (faded; discs, then rings) and moving average (solid, then dashed).
 */
function seriesFor(chart: HistoryChart, runs: readonly string[]): ChartSeries[] {
  const terms: readonly string[] = TERM_LABELS[chart];
  const overlay = runs.length > 1;
  return runs.flatMap((run, r) =>
    terms.map((term, t): ChartSeries => {
      const label = overlay ? `${run} · ${term}` : term;
      if (chart === 'return') {
        const color = pick(OKABE_ITO, r);
        return t === 0
          ? { label, color: `${color}70`, points: true, hollow: r % 2 === 1 }
          : { label, color, width: 2.25, dash: pick(DASHES, r) };
      }
      if (!overlay) return { label, color: pick(OKABE_ITO, t), dash: pick(DASHES, t) };
      return { label, color: pick(OKABE_ITO, r), dash: pick(DASHES, terms.length === 1 ? r : t), width: r === 0 ? 2 : 1.5 };
    }),
  );
}

/** One chart's data source over all runs: one run's columns as they are, several overlaid (cached by version). */
function sourceFor(histories: readonly TrainingHistory[], chart: HistoryChart) {
  let versions: number[] = [];
  let cached: Columns | null = null;
  const getData = (): uPlot.AlignedData => {
    if (histories.length === 1) return histories[0]!.columns(chart);
    if (!cached || histories.some((h, i) => h.version !== versions[i])) {
      versions = histories.map((h) => h.version);
      cached = overlayColumns(histories.map((h) => h.columns(chart)));
    }
    return cached;
  };
  const subscribe = (onChange: () => void) => {
    const unsubscribes = histories.map((h) => h.subscribe(onChange));
    return () => unsubscribes.forEach((u) => u());
  };
  return { getData, subscribe };
}

function download(label: string, history: TrainingHistory, kind: 'csv' | 'json'): void {
  const stem = `impala-${slugify(label)}`;
  if (kind === 'csv') downloadBlob(`${stem}-metrics.csv`, new Blob([history.toCSV()], { type: 'text/csv' }));
  else downloadBlob(`${stem}-history.json`, new Blob([history.toJSON()], { type: 'application/json' }));
}

/** Columns from several histories overlaid on one x axis, recomputed only when one of them changes. */
function overlaySource(parts: readonly { history: TrainingHistory; columns: () => Columns }[]) {
  let versions: number[] = [];
  let cached: Columns | null = null;
  const getData = (): uPlot.AlignedData => {
    if (!cached || parts.some((p, i) => p.history.version !== versions[i])) {
      versions = parts.map((p) => p.history.version);
      cached = overlayColumns(parts.map((p) => p.columns()));
    }
    return cached;
  };
  const subscribe = (onChange: () => void) => {
    const unsubscribes = [...new Set(parts.map((p) => p.history))].map((h) => h.subscribe(onChange));
    return () => unsubscribes.forEach((u) => u());
  };
  return { getData, subscribe };
}

/** The suite games a run plays: a suite's tasks, a single MinAtar game, or none. */
function gamesOf(run: TrainingChartsProps['histories'][number]): readonly string[] {
  const { config, history } = run;
  if (!config) return history.tasks;
  if (isSuite(config)) return tasksOf(config);
  const env = envInfo(config.env);
  const game = env?.family === 'minatar' ? env.game : undefined;
  return game !== undefined && isSuiteGame(game) ? [game] : [];
}


export interface SuiteChart {
  key: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  getData: () => uPlot.AlignedData;
  subscribe: (onChange: () => void) => () => void;
}

/**
 * A task suite's charts (empty unless some run is a suite): the mean and
 * median normalised score of each suite run against its total frames, then
 * per game each run's mean return of the last 100 episodes against that
 * game's own frames: a suite run's share of the game, and a single-game
 * run's (IMPALA section 5.3's comparison, game by game). Each run keeps its
 * colour and dash from the other charts.
 */
export function suiteCharts(histories: TrainingChartsProps['histories']): SuiteChart[] {
  const runs = histories.map((run, r) => ({ ...run, r, games: gamesOf(run), suite: run.config ? isSuite(run.config) : run.history.tasks.length > 0 }));
  const suites = runs.filter((run) => run.suite);
  if (suites.length === 0) return [];
  const overlay = histories.length > 1;
  const style = (r: number) => ({ color: pick(OKABE_ITO, r), dash: pick(DASHES, r), width: r === 0 ? 2 : 1.5 });
  const score: SuiteChart = {
    key: 'normalisedScore',
    title: 'Normalised score over the suite',
    xLabel: 'frames',
    yLabel: '(return − random) / (reference − random)',
    series: suites.flatMap(({ label, r }) => [
      { label: overlay ? `${label} · median` : 'median', color: pick(OKABE_ITO, r), width: 2.25, dash: pick(DASHES, r) },
      { label: overlay ? `${label} · mean` : 'mean', color: `${pick(OKABE_ITO, r)}99`, width: 1.25, dash: [2, 3] },
    ]),
    // The history holds [mean, median]; the legend lists the median first.
    ...overlaySource(
      suites.map(({ history }) => ({
        history,
        columns: (): Columns => {
          const [xs, mean, median] = history.columns('normalisedScore');
          return [xs, median!, mean!];
        },
      })),
    ),
  };
  const games = SUITE_GAMES.filter((g) => runs.some((run) => run.games.includes(g)));
  const perGame = games.map((game): SuiteChart => {
    const players = runs.filter((run) => run.games.includes(game));
    return {
      key: `game.${game}`,
      title: gameTitle(game),
      xLabel: `frames of ${gameTitle(game)}`,
      yLabel: 'mean return (last 100)',
      series: players.map(({ label, r }) => ({ label: overlay ? label : 'mean of last 100', ...style(r) })),
      ...overlaySource(
        players.map(({ history, suite }) => ({
          history,
          columns: (): Columns => {
            if (suite) return history.taskColumns(game);
            const [xs, , mean] = history.columns('return');
            return [xs, mean!];
          },
        })),
      ),
    };
  });
  return [score, ...perGame];
}

/** The live training charts of one run, or of several overlaid, and the run's metrics for download. */
export function TrainingCharts({ histories, hidden }: TrainingChartsProps) {
  const charts = useMemo(() => {
    const runs = histories.map((h) => h.label);
    const stores = histories.map((h) => h.history);
    return CHARTS.map((spec) => ({ spec, series: seriesFor(spec.data, runs), ...sourceFor(stores, spec.data) }));
  }, [histories]);
  const perGame = useMemo(() => suiteCharts(histories), [histories]);
  const overlay = histories.length > 1;

  return (
    <div className="training-charts">
      {perGame.length > 0 && (
        <section className="suite-charts" aria-label="Per game">
          <h3 className="chart-section-title">Per game</h3>
          <p className="chart-section-note">
            Each game&rsquo;s return against the frames of that game alone, so that one agent on the whole suite and an agent on one game compare on equal
            terms; the normalised score is 0 for a random policy and 1 for the MinAtar paper&rsquo;s best agent at 5 million frames.
          </p>
          <div className="chart-grid">
            {perGame.map((c) => (
              <LiveChart
                key={c.key}
                chartId={`chart.suite.${c.key}`}
                title={c.title}
                xLabel={c.xLabel}
                yLabel={c.yLabel}
                series={c.series}
                getData={c.getData}
                subscribe={c.subscribe}
                height={180}
              />
            ))}
          </div>
        </section>
      )}
      {perGame.length > 0 && <h3 className="chart-section-title">All games together</h3>}
      <div className="chart-grid">
        {charts
          .filter(({ spec }) => !hidden?.has(spec.id))
          .map(({ spec, series, getData, subscribe }) => (
            <LiveChart
              key={spec.id}
              chartId={spec.id}
              title={spec.title}
              xLabel="frames"
              yLabel={spec.yLabel}
              series={series}
              getData={getData}
              subscribe={subscribe}
              yRange={spec.yRange}
              yFit={spec.yFit}
            />
          ))}
      </div>
      <div className="chart-downloads">
        {histories.map(({ label, history }) => {
          const name = overlay ? `${label} run` : 'run';
          return (
            <span key={label} className="chart-download-group">
              <button type="button" onClick={() => download(label, history, 'csv')}>
                Download {name} as CSV
              </button>
              <button type="button" onClick={() => download(label, history, 'json')}>
                Download {name} as JSON
              </button>
            </span>
          );
        })}
      </div>
    </div>
  );
}
