import type { MetricsRecord } from './metrics';
import { METRIC_KEYS, TASK_KEYS } from './exportColumns';
import { isRecentEpisodesState, RecentEpisodes, type RecentEpisodesState } from './recentEpisodes';
import { SeriesBuffer, type Columns, type Reducer, type SeriesBufferState } from './seriesBuffer';
import { ThinnedLog, type ThinnedLogState } from './thinnedLog';

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
 *   (nats); `clippedRho`: share of importance weights above rho-bar;
 * - `normalisedScore`: a task suite's mean and median normalised score over
 *   its games (empty for a single environment, and until every game has
 *   finished an episode).
 *
 * A suite's games also get one series each, against that game's own frames
 * (`taskColumns`).
 */
export const HISTORY_CHARTS = {
  return: ['episodeReturn', 'episodeReturnMean100'],
  fps: ['fps'],
  lag: ['policyLagMean', 'policyLagMax'],
  loss: ['policyGradientLoss', 'baselineLoss', 'entropyLoss', 'totalLoss'],
  entropy: ['entropy'],
  clippedRho: ['clippedRhoFraction'],
  normalisedScore: ['normalisedScoreMean', 'normalisedScoreMedian'],
} as const satisfies Record<string, readonly string[]>;

export type HistoryChart = keyof typeof HISTORY_CHARTS;

const REDUCERS: { readonly [C in HistoryChart]: readonly Reducer[] } = {
  return: ['last', 'mean'],
  fps: ['mean'],
  lag: ['mean', 'max'],
  loss: ['mean', 'mean', 'mean', 'mean'],
  entropy: ['mean'],
  clippedRho: ['mean'],
  normalisedScore: ['mean', 'mean'],
};

/** A suite has a handful of games; a history charts at most this many (further ones are exported, not charted). */
const MAX_CHARTED_TASKS = 64;

export interface TrainingHistoryOptions {
  /** Points per chart series (see SeriesBuffer). Default 2048. */
  seriesCapacity?: number;
  /** Metrics records kept for export before thinning. Default 20,000. */
  recordCapacity?: number;
  /** Episodes kept for export before thinning. Default 20,000. */
  episodeCapacity?: number;
  /**
   * The last episodes before this history's first (a resumed run's
   * `RunProgress`, which is where a saved run keeps them), so that the
   * return chart's moving average continues. With `fromState`, it takes
   * the place of any the state holds.
   */
  recentEpisodes?: RecentEpisodesState;
}

export class TrainingHistory {
  private readonly series: { readonly [C in HistoryChart]: SeriesBuffer };
  private readonly seriesCapacity: number;
  /** A suite's games in the order its records list them, and each one's mean-100 return against its frames. */
  private taskNames: string[] = [];
  private readonly taskSeries = new Map<string, SeriesBuffer>();
  private readonly recordLog: ThinnedLog<MetricsRecord>;
  private readonly episodeLog: ThinnedLog<EpisodeEntry>;
  private readonly listeners = new Set<() => void>();
  private versionValue = 0;
  private batchDepth = 0;
  private changedInBatch = false;
  /** The last 100 episodes: the return chart's moving average (as `episodeReturnMean100`). */
  private readonly recent = new RecentEpisodes();

  constructor(options: TrainingHistoryOptions = {}) {
    const capacity = options.seriesCapacity ?? 2048;
    this.seriesCapacity = capacity;
    const buffer = (c: HistoryChart) => new SeriesBuffer({ reducers: REDUCERS[c], capacity });
    this.series = {
      return: buffer('return'),
      fps: buffer('fps'),
      lag: buffer('lag'),
      loss: buffer('loss'),
      entropy: buffer('entropy'),
      clippedRho: buffer('clippedRho'),
      normalisedScore: buffer('normalisedScore'),
    };
    this.recordLog = new ThinnedLog(options.recordCapacity ?? 20_000);
    this.episodeLog = new ThinnedLog(options.episodeCapacity ?? 20_000);
    if (options.recentEpisodes) this.recent.setState(options.recentEpisodes);
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

  /** A task suite's games, in the order its records list them; empty for a single environment (and before the first record). Do not mutate. */
  get tasks(): readonly string[] {
    return this.taskNames;
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
    if (r.tasks !== null) {
      s.normalisedScore.push(x, r.normalisedScoreMean ?? NaN, r.normalisedScoreMedian ?? NaN);
      for (const t of r.tasks) this.taskBuffer(t.task)?.push(t.frames, t.episodeReturnMean100 ?? NaN);
    }
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
      this.recent.push(g, lengths[i]!);
      this.series.return.push(frames, g, this.recent.meanReturn()!);
      this.episodeLog.push({ frames, return: g, length: lengths[i]! });
    }
    this.changed();
  }

  /** Forgets everything (a new run). */
  clear(): void {
    Object.values(this.series).forEach((b) => b.clear());
    this.taskNames = [];
    this.taskSeries.clear();
    this.recordLog.clear();
    this.episodeLog.clear();
    this.recent.clear();
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

  /**
   * One game of a suite run: [that game's frames, its mean return over its
   * last 100 episodes], one point per update (null before its first
   * episode), at most `seriesCapacity` points. Cached like `columns`; a game
   * the run does not play gives no points.
   */
  taskColumns(task: string): Columns {
    return this.taskSeries.get(task)?.columns() ?? [[], []];
  }

  /**
   * Kept records as CSV: a header of METRIC_KEYS, then for a suite run
   * `<game>.<key>` for each game and TASK_KEYS key; one row per record;
   * null is an empty cell.
   */
  toCSV(): string {
    const tasks = this.taskNames;
    const header: string[] = [...METRIC_KEYS];
    for (const task of tasks) for (const k of TASK_KEYS) header.push(`${task}.${k}`);
    const lines = [header.join(',')];
    const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
    for (const r of this.recordLog.items) {
      const row = METRIC_KEYS.map((k) => cell(r[k]));
      for (const task of tasks) {
        const t = r.tasks?.find((x) => x.task === task);
        for (const k of TASK_KEYS) row.push(cell(t?.[k]));
      }
      lines.push(row.join(','));
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
      // A suite run's games; each record's `tasks` holds one TaskRecord per game.
      tasks: this.taskNames,
      taskKeys: TASK_KEYS,
      records: this.recordLog.items,
      recordsTotal: this.recordLog.total,
      recordStride: this.recordLog.stride,
      episodes: this.episodeLog.items,
      episodesTotal: this.episodeLog.total,
      episodeStride: this.episodeLog.stride,
    });
  }

  /** The series of a suite game, created when the game first appears (null past MAX_CHARTED_TASKS games). */
  private taskBuffer(task: string): SeriesBuffer | null {
    const existing = this.taskSeries.get(task);
    if (existing) return existing;
    if (this.taskNames.length >= MAX_CHARTED_TASKS) return null;
    const buffer = new SeriesBuffer({ reducers: ['mean'], capacity: this.seriesCapacity });
    this.taskSeries.set(task, buffer);
    this.taskNames = [...this.taskNames, task];
    return buffer;
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

  // --- Saving and restoring a run (the lab's IndexedDB persistence) ---

  /**
   * Everything the history holds, as plain data (typed arrays, arrays,
   * objects: structured-cloneable, so IndexedDB stores it as it is), for
   * `TrainingHistory.fromState`. Copies; records and episodes by reference.
   *
   * `recentEpisodes: false` leaves out the last 100 episodes, for a saved
   * run, which keeps them once, in its `RunProgress` (restore with
   * `fromState(state, { recentEpisodes: progress })`).
   */
  toState(options: { recentEpisodes?: boolean } = {}): TrainingHistoryState {
    const series: Record<string, SeriesBufferState> = {};
    for (const [chart, buffer] of Object.entries(this.series)) series[chart] = buffer.getState();
    return {
      format: HISTORY_STATE_FORMAT,
      series,
      tasks: this.taskNames.map((task) => ({ task, series: this.taskSeries.get(task)!.getState() })),
      records: this.recordLog.getState(),
      episodes: this.episodeLog.getState(),
      ...(options.recentEpisodes === false ? {} : this.recent.getState()),
    };
  }

  /** The last 100 episodes (copies, oldest first): the window behind the return chart's moving average. */
  get recentEpisodes(): RecentEpisodesState {
    return this.recent.getState();
  }

  /**
   * A history holding what `toState()` returned, so that a resumed run's
   * curves continue. The state was read back from storage, so it is checked:
   * a damaged one (or one saved with other capacities) throws an Error that
   * says what is wrong.
   *
   * The moving average continues from `options.recentEpisodes` when given
   * (a saved run's progress), else from the state's own recent episodes.
   * States of the previous format (`...-state.v1`, which kept returns
   * without lengths) are read too; their lengths count as unknown (NaN),
   * which the history never shows.
   */
  static fromState(state: unknown, options: TrainingHistoryOptions = {}): TrainingHistory {
    const bad = (what: string): Error => new Error(`the saved curves ${what}`);
    if (!state || typeof state !== 'object') throw bad('are missing');
    const s = state as Partial<TrainingHistoryState>;
    const format: unknown = s.format;
    const legacy = format === HISTORY_STATE_FORMAT_V1;
    if (format !== HISTORY_STATE_FORMAT && !legacy) throw bad(`have an unknown format (${String(format)})`);
    const history = new TrainingHistory(options);
    if (!s.series || typeof s.series !== 'object') throw bad('are missing their series');
    for (const [chart, buffer] of Object.entries(history.series)) buffer.setState(s.series[chart]);
    if (!Array.isArray(s.tasks) || s.tasks.length > MAX_CHARTED_TASKS) throw bad('have a damaged list of games');
    for (const entry of s.tasks as unknown[]) {
      const e = entry as { task?: unknown; series?: unknown } | null;
      if (!e || typeof e.task !== 'string' || history.taskSeries.has(e.task)) throw bad('have a damaged list of games');
      history.taskBuffer(e.task)!.setState(e.series);
    }
    history.recordLog.setState(s.records, isSavedRecord);
    history.episodeLog.setState(s.episodes, isSavedEpisode);
    // The state's own recent episodes (absent in a saved run's), checked even when options.recentEpisodes (already in place) overrides them.
    const hasOwn = legacy || s.recentReturns !== undefined || s.recentLengths !== undefined;
    const own: unknown = legacy && Array.isArray(s.recentReturns) ? { recentReturns: s.recentReturns, recentLengths: s.recentReturns.map(() => NaN) } : s;
    if (hasOwn && !isRecentEpisodesState(own, history.recent.capacity)) throw bad('have damaged recent returns');
    if (hasOwn && !options.recentEpisodes) history.recent.setState(own as RecentEpisodesState);
    return history;
  }
}

const HISTORY_STATE_FORMAT = 'impala-lab.training-history-state.v2';
/** The format before v2: `recentReturns` always present, no `recentLengths`. */
const HISTORY_STATE_FORMAT_V1 = 'impala-lab.training-history-state.v1';

/**
 * A `TrainingHistory` as plain data (`toState`, `fromState`), with the last
 * (up to 100) episodes, oldest first, unless left out for a saved run.
 */
export interface TrainingHistoryState extends Partial<RecentEpisodesState> {
  format: typeof HISTORY_STATE_FORMAT;
  /** Each chart's series, by chart name. */
  series: Record<string, SeriesBufferState>;
  /** A suite's games and each one's series. */
  tasks: { task: string; series: SeriesBufferState }[];
  records: ThinnedLogState<MetricsRecord>;
  episodes: ThinnedLogState<EpisodeEntry>;
}

/** A metrics record read back from storage: an object with a frame count (the rest is only shown and exported). */
function isSavedRecord(r: unknown): r is MetricsRecord {
  return typeof r === 'object' && r !== null && typeof (r as { frames?: unknown }).frames === 'number';
}

function isSavedEpisode(e: unknown): e is EpisodeEntry {
  if (typeof e !== 'object' || e === null) return false;
  const { frames, return: g, length } = e as Partial<EpisodeEntry>;
  return typeof frames === 'number' && typeof g === 'number' && typeof length === 'number';
}
