import type { Unroll } from '../actor/unroll';
import type { ExperimentConfig } from '../config/experimentConfig';
import type { LearnerState } from '../learner/learner';
import type { LearnerHandle } from '../learner/learnerHandle';
import type { MetricsRecord, MetricsTrackerState } from '../telemetry/metrics';
import { EMPTY_RECENT_EPISODES } from '../telemetry/recentEpisodes';

/**
 * What a `TrainingRun` is given (its actors, learner, scheduler and
 * callbacks) and the progress it reports, apart from the loop itself
 * (trainingRun.ts).
 */

/** An actor as the run sees it: in-process, in a Web Worker or in a Node worker thread. */
export interface ActorHandle {
  setWeights(version: number, weights: Float32Array[]): Promise<void>;
  unroll(): Promise<Unroll>;
  dispose(): Promise<void> | void;
}

/** Time and yielding, passed in so that the core uses no timers of its own. */
export interface Scheduler {
  /** Milliseconds from some fixed origin. */
  now(): number;
  /** Resolves after letting other work (I/O, rendering, worker messages) run. */
  yieldToEventLoop(): Promise<void>;
  /** Calls `onTimeout` after `ms` milliseconds unless cancelled (the returned function); needed only for the actor watchdog. */
  timeout?(ms: number, onTimeout: () => void): () => void;
}

export interface TrainingRunOptions {
  config: ExperimentConfig;
  learner: LearnerHandle;
  actors: readonly ActorHandle[];
  /**
   * One actor alternating with the learner (B unrolls, one update, new
   * weights, and again): the same seed on the same backend gives the same
   * run. Otherwise actors run concurrently, feeding the bounded queue.
   */
  deterministic: boolean;
  scheduler: Scheduler;
  /** Called after every update with its metrics. */
  onUpdate?: (record: MetricsRecord) => void;
  /**
   * Makes a new actor to replace actor `index` after it failed or stopped
   * answering (concurrent mode). Without it, a failed actor fails the run.
   */
  replaceActor?: (index: number) => Promise<ActorHandle>;
  /** The watchdog: an actor call that takes longer than this many milliseconds counts as a failure (needs `scheduler.timeout`). */
  actorTimeoutMs?: number;
  /** Called after an actor was replaced. */
  onActorRestart?: (index: number, reason: string) => void;
  /** Called with each newly published version and its weights (do not modify them). */
  onPublish?: (version: number, weights: readonly Float32Array[]) => void;
  /** Called with the episodes that finished in each batch, the learner's frame count after it, and each episode's task id (0 for a single environment). */
  onEpisodes?: (returns: readonly number[], lengths: readonly number[], frames: number, taskIds: readonly number[]) => void;
  /**
   * Makes a learner to take over after the current one failed (an update or
   * a read-back rejected, or `learnerFailed()` was called: a lost GPU device,
   * say). It gets the run's own copy of the learner's state in main memory
   * (`learnerState`) and the error, and returns a learner restored from that
   * state; the batch that failed is then learned from again on it. It may
   * throw (or reject) to fail the run instead, e.g. when the error is not one
   * a new learner would fix. The owner disposes the old learner. Without it,
   * a failing learner fails the run.
   */
  replaceLearner?: (state: LearnerState, error: Error) => Promise<LearnerHandle>;
  /**
   * With `replaceLearner`: read the optimiser state back into main memory
   * every this many applied updates (default 10), so that a replacement
   * learner continues with optimiser statistics at most this many updates old.
   */
  optimizerCopyEvery?: number;
  /** Called after the learner was replaced, with the new one and why. */
  onLearnerRestart?: (learner: LearnerHandle, reason: string) => void;
  /** A saved run being resumed: its records continue these counters (the learner is restored by its owner). */
  continueFrom?: RunProgress;
}

/**
 * Where a run's records stand, so that a resumed run's continue them: the
 * metrics tracker's state (episodes, skipped updates, the last 100
 * episodes overall and per game) and the run's own counters. A saved run
 * keeps it as `SavedSlot.progress`; `TrainingRun.progress()` gives it.
 */
export interface RunProgress extends MetricsTrackerState {
  actorRestarts: number;
  /** Training time so far, excluding pauses. */
  wallSeconds: number;
}

/** The progress of a run that has not begun. */
export function newRunProgress(): RunProgress {
  return { episodes: 0, skippedUpdates: 0, actorRestarts: 0, wallSeconds: 0, ...EMPTY_RECENT_EPISODES };
}
