import type { MetricsRecord } from './metrics';
import { SeriesBuffer, type Columns, type Reducer } from './seriesBuffer';

/**
 * Everything one training run reported, for the live charts and for export:
 * a framework-free store (no DOM, no React; the UI subscribes to it).
 *
 * Feed it from `TrainingRun`'s callbacks:
 *   onUpdate: (r) => history.addRecord(r),
 *   onEpisodes: (returns, lengths, frames) => history.addEpisodes(returns, lengths, frames)
 *
 * Memory is flat however long the run: chart series are `SeriesBuffer`s,
 * and the exported records and episodes are thinned logs (`ThinnedLog`).
 */

/**
 * The CSV column order: `MetricsRecord`'s keys as documented in metrics.ts
 * (progress, episodes, throughput and lag, losses, diagnostics, stage timings).
 */
export const METRIC_KEYS = [
  'frames',
  'updates',
  'episodes',
  'episodeReturnMean100',
  'episodeLengthMean100',
  'fps',
  'policyLagMin',
  'policyLagMean',
  'policyLagMax',
  'queueDepth',
  'actorRestarts',
  'learningRate',
  'totalLoss',
  'policyGradientLoss',
  'baselineLoss',
  'entropyLoss',
  'entropy',
  'gradNorm',
  'clippedRhoFraction',
  'skippedUpdates',
  'timeWaitMs',
  'timeAssembleMs',
  'timeForwardBackwardMs',
  'timeApplyMs',
  'timePublishMs',
  'wallSeconds',
  'normalisedScoreMean',
  'normalisedScoreMedian',
] as const satisfies readonly (keyof MetricsRecord)[];

// Compile-time check that METRIC_KEYS lists every scalar key of MetricsRecord
// (`tasks`, a suite's per-game records, is not a single column).
type MissingMetricKey = Exclude<keyof MetricsRecord, (typeof METRIC_KEYS)[number] | 'tasks'>;
const metricKeysAreComplete: [MissingMetricKey] extends [never] ? true : MissingMetricKey = true;
void metricKeysAreComplete;

/** One finished episode: its return, its length in agent steps, and the learner's frame count after its batch. */
export interface EpisodeEntry {
  frames: number;
  return: number;
  length: number;
}

/**
 * The charts a history feeds, and the y-series of each (after x = frames):
 * - `return`: each episode's return (raw points, thinned by sampling) and the
 *   mean return of the last 100 episodes, one point per episode;
 * - `fps`: frames per second; `lag`: policy lag, mean and max of each batch
 *   (max kept as a max when points merge); `loss`: the loss terms as
 *   optimised (sums over T x B); `entropy`: mean policy entropy per step
 *   (nats); `clippedRho`: share of importance weights above rho-bar.
 */
export const HISTORY_CHARTS = {
  return: ['episodeReturn', 'episodeReturnMean100'],
  fps: ['fps'],
  lag: ['policyLagMean', 'policyLagMax'],
  loss: ['policyGradientLoss', 'baselineLoss', 'entropyLoss', 'totalLoss'],
  entropy: ['entropy'],
  clippedRho: ['clippedRhoFraction'],
} as const satisfies Record<string, readonly string[]>;

export type HistoryChart = keyof typeof HISTORY_CHARTS;

const REDUCERS: { readonly [C in HistoryChart]: readonly Reducer[] } = {
  return: ['last', 'mean'],
  fps: ['mean'],
  lag: ['mean', 'max'],
  loss: ['mean', 'mean', 'mean', 'mean'],
  entropy: ['mean'],
  clippedRho: ['mean'],
};

/**
 * A log that keeps every item up to `capacity`, then drops every other one
 * (keeping the later of each pair) and from then on keeps every 2nd, 4th,
 * ... item, so what it keeps is evenly spread over the whole stream. The
 * most recent item is always last, provisionally when it is not one to keep.
 */
export class ThinnedLog<T> {
  private readonly list: T[] = [];
  private seen = 0;
  private strideValue = 1;
  private provisionalTail = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`ThinnedLog: capacity must be an integer >= 2, got ${capacity}`);
  }

  /** Kept items in order, the latest last; at most `capacity`. Do not mutate. */
  get items(): readonly T[] {
    return this.list;
  }

  /** Items pushed since construction or `clear()`. */
  get total(): number {
    return this.seen;
  }

  /** Kept items are every `stride`-th pushed item. */
  get stride(): number {
    return this.strideValue;
  }

  push(item: T): void {
    this.seen++;
    if (this.provisionalTail) this.list.pop();
    this.list.push(item);
    this.provisionalTail = this.seen % this.strideValue !== 0;
    if (!this.provisionalTail && this.list.length === this.capacity) {
      // Kept item p is pushed item (p + 1) * stride: keep odd p, i.e. every (2 * stride)-th.
      let j = 0;
      for (let p = 1; p < this.list.length; p += 2) this.list[j++] = this.list[p]!;
      this.list.length = j;
      this.strideValue *= 2;
    }
  }

  clear(): void {
    this.list.length = 0;
    this.seen = 0;
    this.strideValue = 1;
    this.provisionalTail = false;
  }
}

export interface TrainingHistoryOptions {
  /** Points per chart series (see SeriesBuffer). Default 2048. */
  seriesCapacity?: number;
  /** Metrics records kept for export before thinning. Default 20,000. */
  recordCapacity?: number;
  /** Episodes kept for export before thinning. Default 20,000. */
  episodeCapacity?: number;
}

/** Episodes in the return chart's moving average (as `episodeReturnMean100`). */
const MOVING_AVERAGE_EPISODES = 100;

export class TrainingHistory {
  private readonly series: { readonly [C in HistoryChart]: SeriesBuffer };
  private readonly recordLog: ThinnedLog<MetricsRecord>;
  private readonly episodeLog: ThinnedLog<EpisodeEntry>;
  private readonly listeners = new Set<() => void>();
  private versionValue = 0;
  private batchDepth = 0;
  private changedInBatch = false;
  /** The last 100 returns, a ring, and their sum. */
  private readonly recent = new Float64Array(MOVING_AVERAGE_EPISODES);
  private recentCount = 0;
  private recentNext = 0;
  private recentSum = 0;

  constructor(options: TrainingHistoryOptions = {}) {
    const capacity = options.seriesCapacity ?? 2048;
    const buffer = (c: HistoryChart) => new SeriesBuffer({ reducers: REDUCERS[c], capacity });
    this.series = {
      return: buffer('return'),
      fps: buffer('fps'),
      lag: buffer('lag'),
      loss: buffer('loss'),
      entropy: buffer('entropy'),
      clippedRho: buffer('clippedRho'),
    };
    this.recordLog = new ThinnedLog(options.recordCapacity ?? 20_000);
    this.episodeLog = new ThinnedLog(options.episodeCapacity ?? 20_000);
  }

  /** Increases by one with every change (an add, a clear); charts compare it to skip unchanged data. */
  get version(): number {
    return this.versionValue;
  }

  /** Metrics records kept for export (thinned evenly past the capacity; the latest always last). Do not mutate. */
  get records(): readonly MetricsRecord[] {
    return this.recordLog.items;
  }

  /** Episodes kept for export (thinned like `records`). Do not mutate. */
  get episodes(): readonly EpisodeEntry[] {
    return this.episodeLog.items;
  }

  /** Records and episodes reported since the start or `clear()`, kept or not. */
  get recordCount(): number {
    return this.recordLog.total;
  }

  get episodeCount(): number {
    return this.episodeLog.total;
  }

  /** The latest record, or null before the first update. */
  get latest(): MetricsRecord | null {
    return this.recordLog.items.at(-1) ?? null;
  }

  /** Adds one learner update's metrics (kept by reference: do not mutate it afterwards). */
  addRecord(r: MetricsRecord): void {
    const x = r.frames;
    const s = this.series;
    s.fps.push(x, r.fps);
    s.lag.push(x, r.policyLagMean, r.policyLagMax);
    s.loss.push(x, r.policyGradientLoss, r.baselineLoss, r.entropyLoss, r.totalLoss);
    s.entropy.push(x, r.entropy);
    s.clippedRho.push(x, r.clippedRhoFraction);
    this.recordLog.push(r);
    this.changed();
  }

  /** Adds the episodes one batch finished, at the learner's frame count after it. Notifies once. */
  addEpisodes(returns: ArrayLike<number>, lengths: ArrayLike<number>, frames: number): void {
    if (returns.length !== lengths.length) {
      throw new RangeError(`TrainingHistory: ${returns.length} returns but ${lengths.length} lengths`);
    }
    if (returns.length === 0) return;
    for (let i = 0; i < returns.length; i++) {
      const g = returns[i]!;
      this.series.return.push(frames, g, this.pushRecentReturn(g));
      this.episodeLog.push({ frames, return: g, length: lengths[i]! });
    }
    this.changed();
  }

  /** Forgets everything (a new run). */
  clear(): void {
    Object.values(this.series).forEach((b) => b.clear());
    this.recordLog.clear();
    this.episodeLog.clear();
    this.recent.fill(0);
    this.recentCount = 0;
    this.recentNext = 0;
    this.recentSum = 0;
    this.changed();
  }

  /** Calls `listener` after every change (once per `addRecord`, `addEpisodes`, `clear` or `batch`). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Runs `fn`, notifying listeners once at the end if it changed anything (e.g. episodes then the record of one update). */
  batch(fn: () => void): void {
    this.batchDepth++;
    try {
      fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0 && this.changedInBatch) {
        this.changedInBatch = false;
        this.notify();
      }
    }
  }

  /**
   * One chart's data, [frames, ...HISTORY_CHARTS[chart]] in uPlot's layout,
   * at most `seriesCapacity` points. Cached until the next change; do not mutate.
   */
  columns(chart: HistoryChart): Columns {
    return this.series[chart].columns();
  }

  /** Kept records as CSV: a header of METRIC_KEYS, one row per record; null is an empty cell. */
  toCSV(): string {
    const lines = [METRIC_KEYS.join(',')];
    for (const r of this.recordLog.items) {
      lines.push(METRIC_KEYS.map((k) => (r[k] === null ? '' : String(r[k]))).join(','));
    }
    return lines.join('\n') + '\n';
  }

  /**
   * Kept records and episodes as JSON, with how they were thinned
   * (`stride`: every stride-th was kept, plus the latest). Non-finite
   * numbers become null, as JSON has no NaN.
   */
  toJSON(): string {
    return JSON.stringify({
      format: 'impala-lab.training-history.v1',
      metricKeys: METRIC_KEYS,
      records: this.recordLog.items,
      recordsTotal: this.recordLog.total,
      recordStride: this.recordLog.stride,
      episodes: this.episodeLog.items,
      episodesTotal: this.episodeLog.total,
      episodeStride: this.episodeLog.stride,
    });
  }

  /** Adds a return to the last-100 window and returns the window's mean. */
  private pushRecentReturn(g: number): number {
    const n = MOVING_AVERAGE_EPISODES;
    if (this.recentCount === n) this.recentSum -= this.recent[this.recentNext]!;
    else this.recentCount++;
    this.recent[this.recentNext] = g;
    this.recentSum += g;
    this.recentNext = (this.recentNext + 1) % n;
    // Recompute the sum exactly once per lap, so rounding cannot drift over millions of episodes.
    if (this.recentNext === 0) this.recentSum = this.recent.reduce((a, b) => a + b, 0);
    return this.recentSum / this.recentCount;
  }

  private changed(): void {
    this.versionValue++;
    if (this.batchDepth > 0) this.changedInBatch = true;
    else this.notify();
  }

  private notify(): void {
    // A copy, so a listener may unsubscribe (itself or another) while being called.
    for (const listener of [...this.listeners]) listener();
  }
}
