import type { MetricsRecord } from './metrics';

/**
 * How well and how fast one run learned, from its metrics records (one per
 * learner update, as `metrics.jsonl` holds them): what `npm run bench --
 * learning` prints per seed and compares across settings.
 *
 * The score of a record is its mean return over the last 100 episodes, or,
 * for a multi-task suite, its median normalised score over the games.
 */

export interface RunLearningSummary {
  /** 'return': mean100 return; 'normalised': a suite's median normalised score. */
  scoreKind: 'return' | 'normalised';
  /** Frames learned from by the last record. */
  frames: number;
  /** The last record's score (null if no episode finished). */
  finalScore: number | null;
  /** The best score of any record, and the frames at which it was first reached. */
  bestScore: number | null;
  bestFrames: number | null;
  /** For each threshold, the frames of the first record whose score reached it (>=), or null. */
  reached: { threshold: number; frames: number | null }[];
  /**
   * Area under the score-against-frames curve divided by the frames: the
   * score averaged over the run's frames, so that a run that learns sooner
   * scores higher (see `summariseRun`).
   */
  auc: number | null;
  /** The run's own training time (the last record's `wallSeconds`). */
  trainingSeconds: number;
}

export function scoreOf(record: MetricsRecord): number | null {
  return record.tasks ? record.normalisedScoreMedian : record.episodeReturnMean100;
}

/**
 * Summarises one run. The area uses the trapezoid rule over the records'
 * (frames, score) points, with the point (0, 0) first and a score of 0 for
 * records before any episode finished, divided by the last record's frames.
 */
export function summariseRun(records: readonly MetricsRecord[], thresholds: readonly number[]): RunLearningSummary {
  const last = records.at(-1);
  const scoreKind = records.some((r) => r.tasks) ? 'normalised' : 'return';
  let bestScore: number | null = null;
  let bestFrames: number | null = null;
  const reached = thresholds.map((threshold) => ({ threshold, frames: null as number | null }));
  let area = 0;
  let previous = { frames: 0, score: 0 };
  for (const r of records) {
    const score = scoreOf(r);
    if (score !== null && (bestScore === null || score > bestScore)) {
      bestScore = score;
      bestFrames = r.frames;
    }
    for (const t of reached) if (t.frames === null && score !== null && score >= t.threshold) t.frames = r.frames;
    const point = { frames: r.frames, score: score ?? 0 };
    area += ((point.frames - previous.frames) * (point.score + previous.score)) / 2;
    previous = point;
  }
  const frames = last?.frames ?? 0;
  return {
    scoreKind,
    frames,
    finalScore: last ? scoreOf(last) : null,
    bestScore,
    bestFrames,
    reached,
    auc: frames > 0 ? area / frames : null,
    trainingSeconds: last?.wallSeconds ?? 0,
  };
}

/** Mean and sample standard deviation (n - 1; 0 for one value) of the values that are not null, and how many there were. */
export interface Spread {
  n: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

export function spreadOf(values: readonly (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { n: 0, mean: null, std: null, min: null, max: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { n: xs.length, mean, std: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
}

/** One setting over several seeds. */
export interface SeedsSummary {
  seeds: number;
  finalScore: Spread;
  bestScore: Spread;
  auc: Spread;
  trainingSeconds: Spread;
  /** Per threshold: over the seeds that reached it (`n` says how many did). */
  reached: { threshold: number; frames: Spread }[];
}

export function summariseSeeds(runs: readonly RunLearningSummary[]): SeedsSummary {
  const thresholds = runs[0]?.reached.map((t) => t.threshold) ?? [];
  return {
    seeds: runs.length,
    finalScore: spreadOf(runs.map((r) => r.finalScore)),
    bestScore: spreadOf(runs.map((r) => r.bestScore)),
    auc: spreadOf(runs.map((r) => r.auc)),
    trainingSeconds: spreadOf(runs.map((r) => r.trainingSeconds)),
    reached: thresholds.map((threshold, i) => ({ threshold, frames: spreadOf(runs.map((r) => r.reached[i]?.frames ?? null)) })),
  };
}
