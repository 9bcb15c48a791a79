import type { Unroll } from '../actor/unroll';
import { assembleBatch, type Batch } from '../learner/batch';
import type { LearnerState, UpdateResult } from '../learner/learner';
import type { LearnerHandle } from '../learner/learnerHandle';
import { BoundedQueue } from '../learner/unrollQueue';
import { ExperienceReplay } from '../learner/experienceReplay';
import { deriveSeed } from '../rng/deriveSeed';
import { tasksOf } from './fromConfig';
import { InFlightCalls } from './inFlightCalls';
import { MetricsTracker, type MetricsRecord } from '../telemetry/metrics';
import { WeightPublisher } from './weightPublisher';
import type { ActorHandle, RunProgress, TrainingRunOptions } from './trainingRunOptions';

export { newRunProgress, type ActorHandle, type RunProgress, type Scheduler, type TrainingRunOptions } from './trainingRunOptions';

/** The sampling stream of experience replay, derived from the experiment seed. */
const REPLAY_STREAM = 0x2e91a7;

/** A learner failure with one batch is retried on a replacement at most this many times before the run fails. */
const MAX_LEARNER_REPLACEMENTS_PER_BATCH = 3;

export type RunState = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed';

/**
 * The IMPALA training loop (paper section 3): actors produce unrolls with
 * possibly stale weights, the learner consumes batches of B, updates, and
 * publishes versioned weights. Runs until `config.frames` frames have been
 * learned from, or until `stop()`. `pause()` holds actors and learner
 * after the work in flight; `step()` then performs exactly one update;
 * `resume()` continues where it stopped.
 */
export class TrainingRun {
  private readonly queue: BoundedQueue<Unroll>;
  /** Experience replay (`config.replayShare` > 0), else null. */
  private readonly replay: ExperienceReplay | null;
  private readonly publisher: WeightPublisher;
  private readonly metrics: MetricsTracker;
  private readonly actorVersions: number[];
  /** The live actors; a replaced actor's slot gets its successor. */
  private readonly actors: ActorHandle[];
  private restarts = 0;
  private runState: RunState = 'idle';
  private failure: Error | null = null;
  private startedAt = 0;
  private pausedAt = 0;
  private pausedMs = 0;
  private readonly gateWaiters: (() => void)[] = [];
  private stepping = false;
  /** Unrolls the learner took as a pause began: learned from first, by step() or after resume(). */
  private held: Unroll[] = [];
  /** The learner in use (its successor after a replacement). */
  private learner: LearnerHandle;
  /** The learner's state as of the last update, kept in main memory for a replacement (with `replaceLearner`). */
  private saved: LearnerState | null = null;
  private appliedSinceOptimizerCopy = 0;
  private learnerReplacements = 0;
  /** The learner's calls in flight: `learnerFailed()` rejects them (a fresh set for each learner). */
  private learnerCalls = new InFlightCalls();
  lastRecord: MetricsRecord | null = null;
  /** Resolves once `run()` has published the first weights (actors need them before their first unroll). */
  private started: Promise<void> = Promise.resolve();
  /** Settles when the update in progress (if any) has finished, its metrics reported. */
  private updating: Promise<void> | null = null;

  constructor(private readonly options: TrainingRunOptions) {
    const { config, actors, deterministic } = options;
    if (actors.length === 0) throw new Error('TrainingRun: needs at least one actor');
    if (deterministic && actors.length !== 1) throw new Error(`TrainingRun: deterministic mode uses one actor, got ${actors.length}`);
    this.queue = new BoundedQueue<Unroll>(Math.max(config.queueCapacity, config.batchSize));
    this.replay = config.replayShare > 0 ? new ExperienceReplay(config.replayCapacity, config.replayShare, deriveSeed(config.seed, REPLAY_STREAM)) : null;
    this.publisher = new WeightPublisher(config.policyLag);
    this.metrics = new MetricsTracker(tasksOf(config), options.continueFrom);
    this.actorVersions = actors.map(() => -1);
    this.actors = [...actors];
    this.learner = options.learner;
    this.restarts = options.continueFrom?.actorRestarts ?? 0;
  }

  /**
   * Where the records stand, as of the last update (or the saved run
   * continued, before the first): what a saved run keeps, and
   * `continueFrom` takes, so that a resumed run's counters and mean-100
   * figures continue. Copies. Read it after `idle()` resolves for a
   * snapshot consistent with the learner's state.
   */
  progress(): RunProgress {
    const from = this.options.continueFrom;
    return {
      ...this.metrics.getState(),
      actorRestarts: this.restarts,
      wallSeconds: this.lastRecord?.wallSeconds ?? from?.wallSeconds ?? 0,
    };
  }

  /** The learner in use: the one passed in, or its replacement after a failure. */
  get currentLearner(): LearnerHandle {
    return this.learner;
  }

  /** Learners replaced so far after failing. */
  get learnerRestarts(): number {
    return this.learnerReplacements;
  }

  /** The run's copy in main memory of the learner's state after the last update (kept only with `replaceLearner`). */
  get learnerState(): LearnerState | null {
    return this.saved;
  }

  /**
   * Tells the run that its learner is broken (its GPU device was lost, say),
   * so that its work in flight, which may never settle, is abandoned and the
   * learner replaced through `replaceLearner` before the next update (the
   * update in flight is learned from again on the replacement).
   */
  learnerFailed(error: Error): void {
    this.learnerCalls.stop(error);
  }

  /**
   * Resolves once no update is in progress: the learner's weights,
   * optimiser state and counters, and the metrics reported so far, then
   * agree. An update can begin only after a yield to the event loop, so
   * whatever the caller reads synchronously on resolution is consistent
   * (the lab saves runs this way).
   */
  async idle(): Promise<void> {
    while (this.updating) await this.updating;
  }

  /** The live actors, replacements included (their owner disposes them after the run). */
  get currentActors(): readonly ActorHandle[] {
    return this.actors;
  }

  /** Actors replaced so far after failing or stopping answering. */
  get actorRestarts(): number {
    return this.restarts;
  }

  get state(): RunState {
    return this.runState;
  }

  /** Trains until the frame budget is spent or `stop()` is called. Rejects if an actor or the learner fails. */
  async run(): Promise<void> {
    if (this.runState !== 'idle') throw new Error(`TrainingRun: cannot run from state '${this.runState}'`);
    this.runState = 'running';
    this.startedAt = this.options.scheduler.now();
    let started = (): void => {};
    this.started = new Promise<void>((resolve) => (started = resolve));
    try {
      const learner = this.learner;
      const weights = await learner.getWeights();
      this.publisher.publish(learner.version, weights);
      if (this.options.replaceLearner) this.saved = learner.stateWith(weights, await learner.getOptimizerState());
      started();
      if (this.options.deterministic) {
        await this.runDeterministic();
      } else {
        const actorLoops = this.actors.map((_, i) => this.actorLoop(i));
        try {
          await this.learnerLoop();
        } catch (e) {
          // Recorded before the queue closes, so that the actors' loops end instead of replacing actors that the closed queue refuses.
          this.failure ??= e instanceof Error ? e : new Error(String(e));
          throw e;
        } finally {
          this.queue.close(new Error('training ended'));
          await Promise.allSettled(actorLoops);
        }
      }
      if (this.failure) throw this.failure;
      if (this.runState === 'running' || this.runState === 'paused') this.runState = 'finished';
    } catch (e) {
      this.runState = 'failed';
      throw e;
    } finally {
      started();
    }
  }

  /** Ends the run after the update in progress. */
  stop(): void {
    if (this.runState === 'running' || this.runState === 'paused') this.runState = 'stopped';
    this.queue.close(new Error('training stopped'));
    this.openGate();
  }

  /** Holds actors and learner once their work in flight is done (an unroll finishes; an update completes). */
  pause(): void {
    if (this.runState !== 'running') return;
    this.runState = 'paused';
    this.pausedAt = this.options.scheduler.now();
  }

  /** Continues a paused run exactly where it stopped. */
  resume(): void {
    if (this.runState !== 'paused') return;
    this.pausedMs += this.options.scheduler.now() - this.pausedAt;
    this.runState = 'running';
    this.openGate();
  }

  /**
   * While paused: one learner update on B unrolls (those already queued,
   * then fresh ones from the actors in turn), and the new weights
   * published. Resolves with its metrics.
   */
  async step(): Promise<MetricsRecord> {
    if (this.runState !== 'paused') throw new Error(`TrainingRun: step() needs a paused run, not '${this.runState}'`);
    if (this.stepping) throw new Error('TrainingRun: a step is already in progress');
    this.stepping = true;
    try {
      // A run paused as it started (Step on a new run) has its first weights published first.
      await this.started;
      const fresh = this.freshPerBatch();
      const t0 = this.options.scheduler.now();
      const unrolls = this.held.splice(0, fresh);
      unrolls.push(...this.queue.drain(fresh - unrolls.length));
      const actors = this.actors;
      for (let i = 0; unrolls.length < fresh; i++) {
        const index = i % actors.length;
        await this.refreshWeights(actors[index]!, index);
        unrolls.push(await actors[index]!.unroll());
      }
      await this.learnFrom(unrolls, t0, false);
      return this.lastRecord!;
    } finally {
      this.stepping = false;
    }
  }

  private get active(): boolean {
    const live = this.runState === 'running' || this.runState === 'paused';
    return live && this.learner.framesSeen < this.options.config.frames;
  }

  /** Waits while the run is paused. */
  private async gate(): Promise<void> {
    while (this.runState === 'paused') await new Promise<void>((resolve) => this.gateWaiters.push(resolve));
  }

  private openGate(): void {
    this.gateWaiters.splice(0).forEach((wake) => wake());
  }

  private async refreshWeights(actor: ActorHandle, index: number): Promise<void> {
    const { version, weights } = this.publisher.forActors();
    if (version === this.actorVersions[index]) return;
    this.actorVersions[index] = version;
    // Each actor gets its own copy: buffers may be transferred to a worker.
    await actor.setWeights(version, weights.map((w) => w.slice()));
  }

  /** Races an actor call against the watchdog, when there is one. */
  private watched<T>(call: Promise<T>, what: string): Promise<T> {
    const { actorTimeoutMs, scheduler } = this.options;
    if (!actorTimeoutMs || !scheduler.timeout) return call;
    const timeout = scheduler.timeout.bind(scheduler);
    return new Promise<T>((resolve, reject) => {
      const cancel = timeout(actorTimeoutMs, () => reject(new Error(`${what} did not answer within ${actorTimeoutMs} ms`)));
      call.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (e: unknown) => {
          cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private async actorLoop(index: number): Promise<void> {
    while (this.active) {
      try {
        await this.gate();
        if (!this.active) break;
        const actor = this.actors[index]!;
        await this.watched(this.refreshWeights(actor, index), `actor ${index}`);
        const unroll = await this.watched(actor.unroll(), `actor ${index}`);
        await this.queue.put(unroll);
      } catch (e) {
        if (!this.active || this.failure) break;
        const reason = e instanceof Error ? e.message : String(e);
        if (this.options.replaceActor && (await this.replace(index, reason))) continue;
        this.failure = e instanceof Error ? e : new Error(reason);
        this.queue.close(this.failure);
        break;
      }
    }
  }

  /** Ends a failed actor and starts its successor with the current weights; false if that fails too. */
  private async replace(index: number, reason: string): Promise<boolean> {
    try {
      await this.actors[index]!.dispose();
    } catch {
      // It is being replaced because it is broken.
    }
    try {
      this.actors[index] = await this.options.replaceActor!(index);
    } catch {
      return false;
    }
    this.actorVersions[index] = -1;
    this.restarts++;
    this.options.onActorRestart?.(index, reason);
    return true;
  }

  /**
   * Fresh unrolls the next batch takes: B, less those experience replay
   * draws from its buffer (none before the buffer holds any).
   */
  private freshPerBatch(): number {
    const B = this.options.config.batchSize;
    return B - (this.replay?.replayCount(B) ?? 0);
  }

  private async learnerLoop(): Promise<void> {
    while (this.active) {
      await this.gate();
      if (!this.active) break;
      const fresh = this.freshPerBatch();
      const t0 = this.options.scheduler.now();
      const unrolls = this.held.splice(0, fresh);
      try {
        if (unrolls.length < fresh) unrolls.push(...(await this.queue.take(fresh - unrolls.length)));
      } catch (e) {
        if (this.active && !this.failure) throw e;
        return;
      }
      if (this.runState === 'paused') {
        // A take that was already waiting when the pause began: hold the unrolls, learn nothing now.
        this.held.unshift(...unrolls);
        continue;
      }
      await this.learnFrom(unrolls, t0);
    }
  }

  private async runDeterministic(): Promise<void> {
    const actor = this.actors[0]!;
    while (this.active) {
      await this.gate();
      if (!this.active) break;
      await this.refreshWeights(actor, 0);
      const t0 = this.options.scheduler.now();
      const fresh = this.freshPerBatch();
      const unrolls: Unroll[] = [];
      for (let b = 0; b < fresh; b++) unrolls.push(await actor.unroll());
      await this.learnFrom(unrolls, t0);
    }
  }

  /**
   * One update of the current learner and the reads that follow it (new
   * weights; the optimiser state when a copy is due), abandoned when
   * `learnerFailed()` is called meanwhile. Publishes nothing.
   */
  private async tryUpdate(batch: Batch): Promise<{ learner: LearnerHandle; result: UpdateResult; weights: Float32Array[] | null; optimizer: LearnerState['optimizer']; tUpdated: number }> {
    const { scheduler, replaceLearner, optimizerCopyEvery = 10 } = this.options;
    const learner = this.learner;
    const calls = this.learnerCalls;
    if (calls.stopReason) throw calls.stopReason;
    const guard = <T>(call: Promise<T>): Promise<T> => calls.track(call);
    const result = await guard(learner.update(batch, scheduler.now));
    const tUpdated = scheduler.now();
    const weights = result.applied ? await guard(learner.getWeights()) : null;
    const copyOptimizer = replaceLearner !== undefined && result.applied && this.appliedSinceOptimizerCopy + 1 >= optimizerCopyEvery;
    const optimizer = copyOptimizer ? await guard(learner.getOptimizerState()) : undefined;
    return { learner, result, weights, optimizer, tUpdated };
  }

  /** Puts a new learner, restored from the run's copy of the state, in place of one that failed. */
  private async replaceFailedLearner(error: Error): Promise<void> {
    const learner = await this.options.replaceLearner!(this.saved!, error);
    this.learner = learner;
    this.learnerCalls = new InFlightCalls();
    this.learnerReplacements++;
    this.options.onLearnerRestart?.(learner, error.message);
  }

  /** One update on `unrolls` (`learnOnce`), then, unless told not to, a yield to the event loop; `idle()` waits for the update. */
  private async learnFrom(unrolls: Unroll[], t0: number, yieldAfter = true): Promise<void> {
    const update = this.learnOnce(unrolls, t0);
    const settled = update.then(noop, noop);
    this.updating = settled;
    try {
      await update;
    } finally {
      if (this.updating === settled) this.updating = null;
    }
    if (yieldAfter) await this.options.scheduler.yieldToEventLoop();
  }

  private async learnOnce(unrolls: Unroll[], t0: number): Promise<void> {
    const { scheduler, config } = this.options;
    const t1 = scheduler.now();
    // The rest of the batch from experience replay (the caller took `freshPerBatch()` fresh unrolls).
    const replayed = this.replay?.sample(Math.max(0, config.batchSize - unrolls.length)) ?? [];
    const batch = assembleBatch(unrolls, replayed);
    const t2 = scheduler.now();
    let attempt: Awaited<ReturnType<TrainingRun['tryUpdate']>>;
    for (let tries = 0; ; tries++) {
      try {
        attempt = await this.tryUpdate(batch);
        break;
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (!this.options.replaceLearner || !this.saved || tries >= MAX_LEARNER_REPLACEMENTS_PER_BATCH) throw error;
        await this.replaceFailedLearner(error);
      }
    }
    const { learner, result, weights, optimizer, tUpdated: t3 } = attempt;
    this.replay?.add(unrolls);
    if (weights) {
      this.publisher.publish(learner.version, weights);
      this.options.onPublish?.(learner.version, weights);
    }
    if (this.options.replaceLearner) {
      if (optimizer) this.appliedSinceOptimizerCopy = 0;
      else if (result.applied) this.appliedSinceOptimizerCopy++;
      this.saved = learner.stateWith(weights ?? this.saved!.weights, optimizer ?? this.saved!.optimizer);
    }
    const t4 = scheduler.now();
    this.metrics.addEpisodes(batch.episodeReturns, batch.episodeLengths, batch.episodeTaskIds);
    this.metrics.addTaskFrames(batch.T, batch.taskIds.subarray(0, batch.freshCols));
    if (batch.episodeReturns.length > 0) this.options.onEpisodes?.(batch.episodeReturns, batch.episodeLengths, learner.framesSeen, batch.episodeTaskIds);
    const record = this.metrics.record({
      frames: learner.framesSeen,
      result,
      policyVersions: batch.policyVersions,
      queueDepth: this.queue.size,
      actorRestarts: this.restarts,
      times: { wait: t1 - t0, assemble: t2 - t1, publish: t4 - t3 },
      wallSeconds: (this.options.continueFrom?.wallSeconds ?? 0) + (t4 - this.startedAt - this.pausedMs - (this.runState === 'paused' ? t4 - this.pausedAt : 0)) / 1000,
    });
    this.lastRecord = record;
    this.options.onUpdate?.(record);
  }
}

const noop = (): void => {};
