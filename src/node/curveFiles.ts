import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config/experimentConfig';
import { curveSvg } from '../core/telemetry/curveSvg';
import { comparisonChart, isEpisodePoint, learningCurveChart } from '../core/telemetry/learningCurves';
import { writeFileAtomic } from './atomicFile';
import { EPISODES_FILE } from './episodeLog';
import { readJsonLines, readMetrics } from './jsonLines';

/**
 * The trainer's pictures, drawn from a run directory's files alone (so a
 * resumed run's picture covers the whole run): learning-curve.svg beside
 * metrics.jsonl, and a comparison preset's comparison.svg above its runs.
 */

export const LEARNING_CURVE_FILE = 'learning-curve.svg';
export const COMPARISON_FILE = 'comparison.svg';

/** Writes `dir`/learning-curve.svg from its metrics.jsonl and episodes.jsonl. */
export function writeLearningCurve(dir: string, title: string): void {
  const chart = learningCurveChart(title, readMetrics(dir), readJsonLines(join(dir, EPISODES_FILE), isEpisodePoint));
  writeFileAtomic(join(dir, LEARNING_CURVE_FILE), curveSvg(chart));
}

/** Writes `dir`/comparison.svg from the metrics.jsonl of each run's directory. */
export function writeComparison(dir: string, title: string, runs: readonly { label: string; config: ExperimentConfig; dir: string }[]): void {
  const chart = comparisonChart(
    title,
    runs.map((r) => ({ label: r.label, config: r.config, records: readMetrics(r.dir) })),
  );
  writeFileAtomic(join(dir, COMPARISON_FILE), curveSvg(chart));
}
