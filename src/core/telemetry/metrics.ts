import type { UpdateResult } from '../learner/learner';
import type { MinAtarGameName } from '../envs/minatar/game';
import { mean, median, normalisedScore } from '../envs/suite/scores';
import { RecentEpisodes, type RecentEpisodesState } from './recentEpisodes';

/** One game of a task suite, as of one update. */
export interface TaskRecord {
  task: MinAtarGameName;
  /** Frames of this game the learner has consumed. */
  frames: number;
  episodes: number;
  /** Mean return of the game's last 100 episodes; null before the first. */
  episodeReturnMean100: number | null;
  /** (episodeReturnMean100 - random) / (reference - random); null before the first episode. */
  normalisedScore: number | null;
  /** PopArt's statistics for this game (null without PopArt). */
  popartMu: number | null;
  popartSigma: number | null;
}

/**
 * One line of training metrics, written after every learner update (the
 * trainer's metrics.jsonl, the lab's curves). Keys are stable; loss terms
 * are sums over the batch's T x B steps, as optimised.
 */
export interface MetricsRecord {
  /** Environment frames consumed by the learner. */
  frames: number;
  /** Learner updates applied (the weights' version). */
  updates: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Mean return of the last 100 finished episodes; null before the first. */
  episodeReturnMean100: number | null;
  /** Mean length of the last 100 finished episodes; null before the first. */
  episodeLengthMean100: number | null;
  /** Frames per second over the last few seconds of wall time. */
  fps: number;
  /** Policy lag of the batch's unrolls: learner version minus the version that acted. */
  policyLagMin: number;
  policyLagMean: number;
  policyLagMax: number;
  /** Unrolls waiting in the learner's queue after the batch was taken. */
  queueDepth: number;
  /** Actors replaced so far after failing or stopping answering. */
  actorRestarts: number;
  learningRate: number;
  totalLoss: number;
  policyGradientLoss: number;
  baselineLoss: number;
  entropyLoss: number;
  /** Mean policy entropy per step (nats). */
  entropy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Share of importance weights above rho_bar. */
  clippedRhoFraction: number;
  /** Updates skipped because the loss or gradient was not finite. */
  skippedUpdates: number;
  /** Milliseconds the learner spent on each stage of this update. */
  timeWaitMs: number;
  timeAssembleMs: number;
  /** Forward and backward pass, including the async read-back of the loss terms. */
  timeForwardBackwardMs: number;
  /** Applying the optimiser step. */
  timeApplyMs: number;
  timePublishMs: number;
  /** Seconds since the run started (excluding pauses). */
  wallSeconds: number;
  /** Per game, for a task suite; null for a single environment. */
  tasks: TaskRecord[] | null;
  /** Mean and median of the games' normalised scores (as the paper reports human-normalised ones); null until every game has finished an episode, and for a single environment. */
  normalisedScoreMean: number | null;
  normalisedScoreMedian: number | null;
}

/** One game of a suite, as a saved run keeps it (`MetricsTrackerState.tasks`). */
export interface TaskProgress extends RecentEpisodesState {
  /** Frames of this game the learner has consumed. */
  frames: number;
  episodes: number;
}

/**
 * What a `MetricsTracker` has accumulated that its records continue from:
 * the counters and the last 100 episodes (overall and per game). A saved
 * run keeps it, as part of `RunProgress`; it is the one saved copy of the
 * recent episodes (the history's return curve restores from it too).
 */
export interface MetricsTrackerState extends RecentEpisodesState {
  /** Episodes finished so far. */
  episodes: number;
  skippedUpdates: number;
  /** Per game of a suite, in task-id order; absent for a single environment, and in runs saved before games' progress was kept (their games then start again). */
  tasks?: TaskProgress[];
}

/** Accumulates what the run observes and produces one `MetricsRecord` per update. */
export class MetricsTracker {
  private readonly recent = new RecentEpisodes();
  private readonly fpsSamples: { seconds: number; frames: number }[] = [];
  episodes = 0;
  skippedUpdates = 0;
  private readonly taskRecent: RecentEpisodes[];
  private readonly taskEpisodes: number[];
  private readonly taskFrames: number[];

  /**
   * `tasks`: the games of a task suite in task-id order; empty for a single
   * environment. `from`: a saved run's state (`getState()`), continued.
   * Saved games that do not match `tasks` in number are left out.
   */
  constructor(
    private readonly tasks: readonly MinAtarGameName[] = [],
    from?: MetricsTrackerState,
  ) {
    this.taskRecent = tasks.map(() => new RecentEpisodes());
    this.taskEpisodes = tasks.map(() => 0);
    this.taskFrames = tasks.map(() => 0);
    if (!from) return;
    this.recent.setState(from);
    this.episodes = from.episodes;
    this.skippedUpdates = from.skippedUpdates;
    if (from.tasks?.length === tasks.length) {
      from.tasks.forEach((t, i) => {
        this.taskRecent[i]!.setState(t);
        this.taskEpisodes[i] = t.episodes;
        this.taskFrames[i] = t.frames;
      });
    }
  }

  /** Everything the records continue from, as plain data (copies), for saving a run. */
  getState(): MetricsTrackerState {
    const state: MetricsTrackerState = { episodes: this.episodes, skippedUpdates: this.skippedUpdates, ...this.recent.getState() };
    if (this.tasks.length > 0) {
      state.tasks = this.tasks.map((_, i) => ({ frames: this.taskFrames[i]!, episodes: this.taskEpisodes[i]!, ...this.taskRecent[i]!.getState() }));
    }
    return state;
  }

  /** Records finished episodes; `taskIds` gives each one's task (needed for a suite). */
  addEpisodes(returns: ArrayLike<number>, lengths: ArrayLike<number>, taskIds?: ArrayLike<number>): void {
    for (let i = 0; i < returns.length; i++) {
      this.recent.push(returns[i]!, lengths[i]!);
      this.episodes++;
      const task = taskIds?.[i];
      if (task !== undefined && task < this.tasks.length) {
        this.taskRecent[task]!.push(returns[i]!, lengths[i]!);
        this.taskEpisodes[task]!++;
      }
    }
  }

  /** Counts a batch's frames per task: `T` steps of each column, whose tasks are `columnTasks`. */
  addTaskFrames(T: number, columnTasks: ArrayLike<number>): void {
    for (let c = 0; c < columnTasks.length; c++) {
      const task = columnTasks[c]!;
      if (task < this.tasks.length) this.taskFrames[task]! += T;
    }
  }

  private taskRecords(popart: UpdateResult['popart']): { tasks: TaskRecord[] | null; mean: number | null; median: number | null } {
    if (this.tasks.length === 0) return { tasks: null, mean: null, median: null };
    const tasks = this.tasks.map((task, i): TaskRecord => {
      const ret = this.taskRecent[i]!.meanReturn();
      return {
        task,
        frames: this.taskFrames[i]!,
        episodes: this.taskEpisodes[i]!,
        episodeReturnMean100: ret,
        normalisedScore: ret === null ? null : normalisedScore(task, ret),
        popartMu: popart?.mu[i] ?? null,
        popartSigma: popart?.sigma[i] ?? null,
      };
    });
    const scores = tasks.map((t) => t.normalisedScore);
    const complete = scores.every((s) => s !== null);
    return { tasks, mean: complete ? mean(scores as number[]) : null, median: complete ? median(scores as number[]) : null };
  }

  record(input: {
    frames: number;
    result: UpdateResult;
    policyVersions: readonly number[];
    queueDepth: number;
    actorRestarts: number;
    times: { wait: number; assemble: number; publish: number };
    wallSeconds: number;
  }): MetricsRecord {
    const { result, frames, wallSeconds } = input;
    if (!result.applied) this.skippedUpdates++;
    // The version that consumed the batch is the one before this update.
    const consumer = result.applied ? result.version - 1 : result.version;
    const lags = input.policyVersions.map((v) => consumer - v);
    this.fpsSamples.push({ seconds: wallSeconds, frames });
    while (this.fpsSamples.length > 2 && wallSeconds - this.fpsSamples[0]!.seconds > 5) this.fpsSamples.shift();
    const first = this.fpsSamples[0]!;
    const perTask = this.taskRecords(result.popart);
    const span = wallSeconds - first.seconds;
    const fps = span > 0 ? (frames - first.frames) / span : 0;
    return {
      frames,
      updates: result.version,
      episodes: this.episodes,
      episodeReturnMean100: this.recent.meanReturn(),
      episodeLengthMean100: this.recent.meanLength(),
      fps,
      policyLagMin: Math.min(...lags),
      policyLagMean: lags.reduce((a, b) => a + b, 0) / lags.length,
      policyLagMax: Math.max(...lags),
      queueDepth: input.queueDepth,
      actorRestarts: input.actorRestarts,
      learningRate: result.learningRate,
      totalLoss: result.totalLoss,
      policyGradientLoss: result.policyGradientLoss,
      baselineLoss: result.baselineLoss,
      entropyLoss: result.entropyLoss,
      entropy: result.entropy,
      gradNorm: result.gradNorm,
      clippedRhoFraction: result.clippedRhoFraction,
      skippedUpdates: this.skippedUpdates,
      timeWaitMs: input.times.wait,
      timeAssembleMs: input.times.assemble,
      timeForwardBackwardMs: result.timeForwardBackwardMs,
      timeApplyMs: result.timeApplyMs,
      timePublishMs: input.times.publish,
      wallSeconds,
      tasks: perTask.tasks,
      normalisedScoreMean: perTask.mean,
      normalisedScoreMedian: perTask.median,
    };
  }
}
