import { Presets, SingleBar } from 'cli-progress';
import type { ExperimentConfig } from '../core/config/experimentConfig';
import type { MetricsRecord } from '../core/telemetry/metrics';
import { runScores, singlesSummary } from '../core/telemetry/runScores';

/**
 * What the headless trainer prints: progress as it trains (a bar in a
 * terminal, status lines otherwise), the summary at the end, and a
 * comparison preset's table.
 */

/**
 * The comparison a preset makes, one line per run: its normalised score
 * (a suite's median over its games; a single game's own) and, when several
 * single-game runs are compared, their median, as the paper compares
 * multi-task agents with single-task experts.
 */
export function comparisonTable(results: { label: string; config: ExperimentConfig; last: MetricsRecord | null; wallSeconds: number }[]): string {
  const scored = results.map((r) => ({ ...r, scores: runScores(r.label, r.config, r.last) }));
  const rows = scored.map(({ label, last, wallSeconds, scores }) => {
    // A suite's median over its games; a single game's own score (runScores gives it as the median).
    const score = scores?.median ?? null;
    return `  ${label.padEnd(24)} ${count(last?.frames ?? 0).padStart(11)} ${formatMean(last?.episodeReturnMean100 ?? null).padStart(9)} ${formatScore(score).padStart(10)} ${wallSeconds.toFixed(0).padStart(7)}`;
  });
  const lines = [
    '',
    'Comparison (normalised score: a suite\'s median over its games; a single game\'s own):',
    `  ${'run'.padEnd(24)} ${'frames'.padStart(11)} ${'mean100'.padStart(9)} ${'normalised'.padStart(10)} ${'wall s'.padStart(7)}`,
    ...rows,
  ];
  const singleRuns = scored.flatMap((r) => (r.scores ? [r.scores] : [])).filter((s) => s.kind === 'single');
  if (singleRuns.length > 1) lines.push(`  single-game agents' median normalised score: ${formatScore(singlesSummary(singleRuns)?.median ?? null)}`);
  return `${lines.join('\n')}\n`;
}

/** What the final summary reports. */
export class SummaryTracker {
  last: MetricsRecord | null = null;
  private best: { value: number; frames: number } | null = null;

  add(record: MetricsRecord): void {
    this.last = record;
    const mean = record.episodeReturnMean100;
    if (mean !== null && (this.best === null || mean > this.best.value)) this.best = { value: mean, frames: record.frames };
  }

  text(run: { wallSeconds: number; interrupted: boolean; outDir: string; drawn: boolean }): string {
    const r = this.last;
    const frames = r?.frames ?? 0;
    // The run's own clock: from the first weights published to the last update (actor start-up excluded).
    const trainingSeconds = r?.wallSeconds ?? 0;
    const lines = [
      `${run.interrupted ? 'Stopped' : 'Finished'}: ${count(frames)} frames, ${count(r?.updates ?? 0)} updates, ${count(r?.episodes ?? 0)} episodes in ${run.wallSeconds.toFixed(1)} s ` +
        `(${count(trainingSeconds > 0 ? frames / trainingSeconds : 0)} frames/s over ${trainingSeconds.toFixed(1)} s of training).`,
      `episodeReturnMean100: ${formatMean(r?.episodeReturnMean100 ?? null)}${this.best ? ` (best ${formatMean(this.best.value)} at frame ${count(this.best.frames)})` : ''}.`,
      ...(r?.tasks ? taskSummaryLines(r) : []),
      `Wrote config.json, metrics.jsonl, episodes.jsonl, ${run.drawn ? 'learning-curve.svg ' : ''}and checkpoint.json to ${run.outDir}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

/** A suite's per-game table and its normalised-score mean and median. */
function taskSummaryLines(r: MetricsRecord): string[] {
  const rows = r.tasks!.map(
    (t) => `  ${t.task.padEnd(15)} ${count(t.frames).padStart(11)} ${count(t.episodes).padStart(9)} ${formatMean(t.episodeReturnMean100).padStart(9)} ${formatScore(t.normalisedScore).padStart(10)}`,
  );
  return [
    `  ${'game'.padEnd(15)} ${'frames'.padStart(11)} ${'episodes'.padStart(9)} ${'mean100'.padStart(9)} ${'normalised'.padStart(10)}`,
    ...rows,
    `normalised score: median ${formatScore(r.normalisedScoreMedian)}, mean ${formatScore(r.normalisedScoreMean)}.`,
  ];
}

function formatScore(score: number | null): string {
  return score === null ? '-' : score.toFixed(2);
}

// ---------------------------------------------------------------------------
// Progress display

export interface Progress {
  update(record: MetricsRecord): void;
  stop(): void;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatMean(mean: number | null): string {
  return mean === null ? '-' : mean.toFixed(1);
}

/** The headline score: mean100 return, or for a suite the median normalised score and each game's mean100. */
function scoreText(r: MetricsRecord): string {
  if (!r.tasks) return `mean100 ${formatMean(r.episodeReturnMean100)}`;
  return `median norm ${formatScore(r.normalisedScoreMedian)} (${r.tasks.map((t) => `${t.task} ${formatMean(t.episodeReturnMean100)}`).join(', ')})`;
}

/** A live bar for an interactive terminal. */
export class ProgressBar implements Progress {
  private readonly bar: SingleBar;
  private stopped = false;

  constructor(stream: NodeJS.WritableStream, total: number) {
    this.bar = new SingleBar(
      {
        stream,
        format: '{bar} {percentage}% | {value}/{total} frames | {score} | {fps} fps | {updates} updates | ETA {eta_formatted}',
        barsize: 24,
        etaBuffer: 50,
        formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? count(v) : String(v)),
      },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { score: 'mean100 -', fps: 0, updates: 0 });
  }

  update(r: MetricsRecord): void {
    if (this.stopped) return;
    this.bar.update(r.frames, { score: scoreText(r), fps: count(r.fps), updates: count(r.updates) });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}

/** One plain line every `everySeconds` (quiet mode, logs, pipes). */
export class StatusLines implements Progress {
  private lastAt = -Infinity;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly total: number,
    private readonly everySeconds: number,
  ) {}

  update(r: MetricsRecord): void {
    if (r.wallSeconds - this.lastAt < this.everySeconds && r.frames < this.total) return;
    this.lastAt = r.wallSeconds;
    const percent = ((100 * r.frames) / this.total).toFixed(1);
    this.stream.write(
      `[${r.wallSeconds.toFixed(1)} s] frames ${count(r.frames)}/${count(this.total)} (${percent}%) | updates ${count(r.updates)} | ` +
        `episodes ${count(r.episodes)} | ${scoreText(r)} | ${count(r.fps)} fps | lag ${r.policyLagMean.toFixed(1)}\n`,
    );
  }

  stop(): void {}
}
