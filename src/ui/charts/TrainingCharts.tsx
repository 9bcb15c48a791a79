import { useMemo } from 'react';
import type uPlot from 'uplot';
import { overlayColumns, type Columns } from '../../core/training/seriesBuffer';
import { HISTORY_CHARTS, type HistoryChart, type TrainingHistory } from '../../core/training/trainingHistory';
import { downloadBlob, slugify } from '../download';
import { LiveChart, type ChartSeries } from './LiveChart';
import './charts.css';

/** The charts' ids, as share links and `hidden` name them. */
export const CHART_IDS = ['chart.return', 'chart.fps', 'chart.lag', 'chart.loss', 'chart.entropy', 'chart.clippedRho'] as const;
export type ChartId = (typeof CHART_IDS)[number];

export interface TrainingChartsProps {
  /** One run, or several overlaid (an ablation: "V-trace" vs "No correction"). Keep the array stable between renders. */
  histories: readonly { label: string; history: TrainingHistory }[];
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
};

interface ChartSpec {
  id: ChartId;
  data: HistoryChart;
  title: string;
  yLabel: string;
  yRange?: { min?: number; max?: number };
}

const CHARTS: readonly ChartSpec[] = [
  { id: 'chart.return', data: 'return', title: 'Episode return', yLabel: 'return' },
  { id: 'chart.fps', data: 'fps', title: 'Throughput', yLabel: 'frames per second', yRange: { min: 0 } },
  { id: 'chart.lag', data: 'lag', title: 'Policy lag', yLabel: 'updates behind learner', yRange: { min: 0 } },
  { id: 'chart.loss', data: 'loss', title: 'Loss terms', yLabel: 'loss (sum over T×B)' },
  { id: 'chart.entropy', data: 'entropy', title: 'Policy entropy', yLabel: 'nats per step', yRange: { min: 0 } },
  { id: 'chart.clippedRho', data: 'clippedRho', title: 'Clipped importance weights', yLabel: 'share of ρ above ρ̄', yRange: { min: 0 } },
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

/** The live training charts of one run, or of several overlaid, and the run's metrics for download. */
export function TrainingCharts({ histories, hidden }: TrainingChartsProps) {
  const charts = useMemo(() => {
    const runs = histories.map((h) => h.label);
    const stores = histories.map((h) => h.history);
    return CHARTS.map((spec) => ({ spec, series: seriesFor(spec.data, runs), ...sourceFor(stores, spec.data) }));
  }, [histories]);
  const overlay = histories.length > 1;

  return (
    <div className="training-charts">
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
