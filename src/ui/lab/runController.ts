import { comparisonRunConfig, type Preset } from '../../core/config/presets';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { compatibleState } from '../../core/learner/learner';
import type { BatchInspection } from '../../core/learner/batchInspection';
import type { LearnerHandle } from '../../core/learner/learnerHandle';
import type { Checkpoint } from '../../core/persistence/checkpoint';
import type { RunSnapshot } from '../../core/persistence/runSnapshot';
import { actorOptionsFor, envSpecFor, learnerOptionsFor } from '../../core/training/fromConfig';
import { TrainingHistory } from '../../core/telemetry/trainingHistory';
import { TrainingRun, type ActorHandle, type RunProgress } from '../../core/training/trainingRun';
import type { BackendSupervisor } from './backendSupervisor';
import type { ClassFeed, ClassRun } from './classRun';
import type { LabActor, LabDeps } from './labDeps';
import { errorText, type LabStore } from './labStore';
import { createPlayer, type LivePlayback } from './livePlayback';

/** An actor call slower than this is taken for a hung worker and the worker is replaced. */
export const ACTOR_WATCHDOG_MS = 60_000;
/** After this many non-finite updates in a row the run pauses with a message. */
const MAX_CONSECUTIVE_SKIPS = 5;
/** A replacement learner takes over optimiser statistics at most this many updates old (they are read back from the GPU this often). */
const OPTIMIZER_COPY_EVERY = 10;

/** One training run of the experiment (several for a comparison preset). */
export interface RunSlot {
  readonly label: string;
  readonly config: ExperimentConfig;
  readonly history: TrainingHistory;
  learner: LearnerHandle;
  readonly actors: LabActor[];
  run: TrainingRun | null;
  done: Promise<void> | null;
  /** A resumed run's counters (and last 100 episodes), for its TrainingRun (absent for a new run). */
  continueFrom?: RunProgress;
  /** A class run's: its one actor is the class (the students' tabs), and its weights and records go to them. */
  classFeed?: ClassFeed;
}

/** A saved run opened and not yet trained: runs made with its settings continue it. */
export interface ResumeState {
  id: string;
  snapshot: RunSnapshot;
  histories: TrainingHistory[];
  openedConfig: ExperimentConfig;
}

/** What the controller asks of the lab's other parts. */
export interface RunControllerHooks {
  /** Saves the runs (on Pause, before Reset, when they finish). */
  save(): Promise<boolean>;
  /** The runs were made: `resumed` is the saved run they continue, if any. */
  runsCreated(resumed: ResumeState | null): void;
  /** The runs were discarded by Reset. */
  runsReset(): void;
}

/**
 * The experiment's runs: makes them (learner, actors, TrainingRun per run
 * of a comparison), and drives them through Train, Pause, Resume, Step and
 * Reset, reporting status, curves and problems in the lab's snapshot.
 */
export class RunController {
  private slotList: RunSlot[] = [];
  /** Milliseconds before an actor that stopped answering is replaced (the browser tests shorten it). */
  actorWatchdogMs = ACTOR_WATCHDOG_MS;
  /** The comparison preset whose runs Train makes (null: one run). */
  comparisonPreset: Preset | null = null;
  /** The model new runs continue from (a loaded model file, an opened saved run's first run). */
  restored: Checkpoint | null = null;
  resume: ResumeState | null = null;
  /** The class run this tab may lead: while it is connected, new runs take their unrolls from it. */
  classRun: ClassRun | null = null;

  constructor(
    private readonly store: LabStore,
    private readonly deps: LabDeps,
    private readonly backend: BackendSupervisor,
    private readonly playback: LivePlayback,
    private readonly hooks: RunControllerHooks,
  ) {}

  get slots(): readonly RunSlot[] {
    return this.slotList;
  }

  /** Starts training (making the runs if needed) or resumes a paused run. */
  async train(): Promise<void> {
    const { status } = this.store.state;
    if (status === 'paused') return this.resumeRuns();
    if (status === 'running' || status === 'starting') return;
    if (status === 'finished' || status === 'failed') await this.reset();
    if (await this.createAndStart(false)) this.store.set({ status: 'running' });
  }

  pause(): void {
    if (this.store.state.status !== 'running') return;
    this.slotList.forEach((s) => s.run?.pause());
    this.store.set({ status: 'paused' });
    void this.hooks.save();
  }

  resumeRuns(): void {
    if (this.store.state.status !== 'paused') return;
    this.slotList.forEach((s) => s.run?.resume());
    this.store.set({ status: 'running' });
  }

  /** One learner update of every run (making paused runs when there are none yet). */
  async step(): Promise<void> {
    if (this.store.state.status === 'idle') {
      if (!(await this.createAndStart(true))) return;
      this.store.set({ status: 'paused' });
    }
    if (this.store.state.status === 'running') this.pause();
    if (this.store.state.status !== 'paused') return;
    try {
      await Promise.all(this.slotList.map((s) => s.run!.step()));
    } catch (e) {
      this.store.notify('error', `Step failed: ${errorText(e)}`);
    }
  }

  /** Stops and discards the runs (saved first, so that they stay in Saved runs as they stand); the settings stay. */
  async reset(): Promise<void> {
    const { status, config } = this.store.state;
    if (status === 'running' || status === 'paused') await this.hooks.save();
    await this.disposeRuns();
    this.restored = null;
    this.resume = null;
    this.hooks.runsReset();
    this.store.set({
      status: 'idle',
      pendingChanges: false,
      latest: null,
      histories: [{ label: 'Run', history: new TrainingHistory() }],
      observationShape: envSpecFor(config).observationShape,
    });
  }

  /** Stops the runs and frees their workers, learners and player. */
  async disposeRuns(): Promise<void> {
    const slots = this.slotList;
    this.slotList = [];
    for (const s of slots) s.run?.stop();
    await Promise.allSettled(slots.map((s) => s.done ?? Promise.resolve()));
    for (const s of slots) {
      (s.run?.currentActors ?? s.actors).forEach((a) => void a.dispose());
      s.learner.dispose();
    }
    if (slots.some((s) => s.classFeed)) await this.classRun?.closeFeed();
    this.playback.setPlayer(null);
  }

  /** Chooses a tf.js backend if no run has yet (building a network, e.g. to check a file's weights, needs one). */
  async ensureBackend(): Promise<void> {
    if (this.slotList.length === 0) await this.backend.select();
  }

  /** The live actors of run `run` (0 is run 1), replacements included (for the test hooks). */
  liveActors(run = 0): readonly ActorHandle[] {
    const slot = this.slotList[run];
    return slot?.run?.currentActors ?? slot?.actors ?? [];
  }

  /**
   * Run `run`'s learner's last batch and the numbers its update computed
   * (`LearnerHandle.lastBatchInspection`), read once the update in flight,
   * if any, has finished; null when there is no such run or no update yet.
   */
  async lastBatchInspection(run = 0): Promise<BatchInspection | null> {
    const slot = this.slotList[run];
    if (!slot) return null;
    await slot.run?.idle();
    // Read after waiting: a learner that failed meanwhile has been replaced.
    return slot.learner.lastBatchInspection();
  }

  /** Every run's learners failed (their device was lost): each is replaced before its next update. */
  failLearners(error: Error): void {
    for (const s of this.slotList) s.run?.learnerFailed(error);
  }

  /** A player of run 1's current weights (or of the restored model's), for after the backend changed. */
  rebuildPlayer(): void {
    if (!this.playback.player) return;
    const first = this.slotList[0];
    const state = first?.run?.learnerState;
    const source = first && state ? { config: first.config, ...state } : this.restored;
    if (source) this.playback.setPlayer(this.playerOf(source.config, source.version, source.weights));
  }

  playerOf(config: ExperimentConfig, version: number, weights: readonly Float32Array[]): ReturnType<typeof createPlayer> {
    return createPlayer(config, version, weights, { popart: this.restored?.popart, latest: () => this.store.state.latest });
  }

  /** Makes the runs and starts them (paused at once for Step); false, with a message, when that failed. */
  private async createAndStart(paused: boolean): Promise<boolean> {
    this.store.set({ status: 'starting', message: null, linkOffer: false });
    try {
      await this.createRuns();
      for (const slot of this.slotList) {
        this.start(slot);
        if (paused) slot.run!.pause();
      }
      return true;
    } catch (e) {
      await this.disposeRuns();
      this.store.set({ status: 'failed', message: { kind: 'error', text: `Could not start training: ${errorText(e)}` } });
      return false;
    }
  }

  private async createRuns(): Promise<void> {
    const base = this.store.state.config;
    // A saved run that was opened continues, unless its settings were changed since.
    const resume = this.resume?.openedConfig === base ? this.resume : null;
    const variants = resume?.snapshot.slots.map((s) => ({ label: s.label, overrides: {} })) ?? this.comparisonPreset?.comparison ?? [{ label: 'Run', overrides: {} }];
    const inClass = this.classRun?.connected ?? false;
    if (inClass && variants.length > 1) throw new Error(`a class run trains one run, and this experiment compares ${variants.length}: choose a single-run preset, or end the class run`);
    const slots: RunSlot[] = [];
    const actors: LabActor[] = [];
    try {
      for (const [index, variant] of variants.entries()) {
        const saved = resume?.snapshot.slots[index];
        const config = saved?.config ?? comparisonRunConfig(base, variant);
        const spec = envSpecFor(config);
        const options = learnerOptionsFor(config, spec);
        const runActors: LabActor[] = [];
        // A class run's actors are the students' tabs; one actor of this tab gives Automatic a batch to time the learner on, and goes.
        for (let i = 0; i < (inClass ? 1 : config.actors); i++) {
          const actor = await this.deps.createActor(actorOptionsFor(config, spec, i));
          actors.push(actor);
          runActors.push(actor);
        }
        // The first run's actors come first: Automatic times the learner while they run.
        if (index === 0) await this.backend.selectForRuns(config, options, runActors);
        const learner = await this.backend.createLearner(options);
        const slot: RunSlot = { label: variant.label, config, history: resume?.histories[index] ?? new TrainingHistory(), learner, actors: runActors, run: null, done: null };
        slots.push(slot);
        if (inClass) {
          actors.splice(0).forEach((a) => void a.dispose());
          const feed = await this.classRun!.openFeed(
            config,
            () => slot.learner.version,
            () => this.classFeedEnded(slot),
          );
          slot.classFeed = feed;
          slot.actors.splice(0, slot.actors.length, feed.source);
        }
        if (saved) {
          await learner.restore(saved);
          slot.continueFrom = saved.progress;
        } else if (this.restored && variants.length === 1) {
          // The model's settings may have been changed since: its optimiser and PopArt statistics continue only where they still apply.
          await learner.restore(compatibleState(this.restored, learner.options));
        }
      }
    } catch (e) {
      actors.forEach((a) => void a.dispose());
      slots.forEach((s) => s.learner.dispose());
      if (inClass) await this.classRun?.closeFeed();
      throw e;
    }
    this.slotList = slots;
    const first = slots[0]!;
    const initial = await first.learner.getWeights();
    // The students' tabs start acting with the first weights (the run publishes to them after each update).
    first.classFeed?.publish(first.learner.version, initial);
    this.resume = null;
    this.hooks.runsCreated(resume);
    this.store.set({
      histories: slots.map((s) => ({ label: s.label, history: s.history, config: s.config })),
      actorBackend: first.actors[0]?.backend ?? null,
      pendingChanges: false,
      observationShape: envSpecFor(first.config).observationShape,
    });
    this.playback.setPlayer(this.playerOf(first.config, first.learner.version, initial));
  }

  /** A class run's source stops waiting for unrolls once its run has spent its frames or ended. */
  private classFeedEnded(slot: RunSlot): boolean {
    if (!this.slotList.includes(slot) && slot.run !== null) return true;
    const state = slot.run?.state;
    return slot.learner.framesSeen >= slot.config.frames || (state !== undefined && state !== 'idle' && state !== 'running' && state !== 'paused');
  }

  private start(slot: RunSlot): void {
    const isFirst = slot === this.slotList[0];
    this.backend.adopt(slot.learner);
    const spec = envSpecFor(slot.config);
    let skippedBefore = 0;
    let skippedInARow = 0;
    const feed = slot.classFeed;
    const run = new TrainingRun({
      // A class run's buffer is its stream: the run's own queue then holds one batch, so that buffering adds little policy lag.
      config: feed ? { ...slot.config, queueCapacity: slot.config.batchSize } : slot.config,
      learner: slot.learner,
      actors: slot.actors,
      deterministic: false,
      scheduler: this.deps.scheduler,
      // The class is not replaced when no one sends: the run waits for students.
      ...(feed
        ? {}
        : {
            actorTimeoutMs: this.actorWatchdogMs,
            replaceActor: (index: number) => this.deps.createActor(actorOptionsFor(slot.config, spec, index)),
          }),
      ...(slot.continueFrom ? { continueFrom: slot.continueFrom } : {}),
      replaceLearner: async (state, error) => {
        const learner = await this.backend.replaceLearner(slot.learner, state, error);
        const old = slot.learner;
        slot.learner = learner;
        this.backend.adopt(learner);
        try {
          old.dispose();
        } catch {
          // Its tensors were on the lost device.
        }
        return learner;
      },
      optimizerCopyEvery: OPTIMIZER_COPY_EVERY,
      onLearnerRestart: (learner, error) => {
        // A failed call's own error ("mapAsync ... unmapped") says less than the device's loss.
        const reason = this.backend.lossReason ?? error;
        const which = this.slotList.length > 1 ? `Run '${slot.label}': the` : 'The';
        this.store.notify(
          'warning',
          `${which} learner stopped because ${reason}. It moved to ${this.backend.label} with the weights of update ${learner.version}, the frame count and optimiser statistics at most ${OPTIMIZER_COPY_EVERY} updates old, and training goes on.`,
        );
      },
      onActorRestart: (index, reason) =>
        this.store.notify('warning', `Actor ${index + 1} stopped (${reason}); a new one took over with the current weights. Restarts so far: ${run.actorRestarts}.`),
      onUpdate: (record) => {
        slot.history.addRecord(record);
        feed?.updated(record);
        if (isFirst) this.store.set({ latest: record });
        if (record.skippedUpdates <= skippedBefore) {
          skippedInARow = 0;
          return;
        }
        skippedBefore = record.skippedUpdates;
        skippedInARow++;
        if (skippedInARow >= MAX_CONSECUTIVE_SKIPS) {
          this.pause();
          this.store.notify(
            'error',
            `Paused: ${skippedInARow} updates in a row had a NaN or infinite loss or gradient, so they were skipped and the weights left as they were. Try a lower learning rate or reward clipping, then Reset.`,
          );
        } else {
          this.store.notify('warning', `Skipped an update whose loss or gradient was not finite; the weights were left untouched (${record.skippedUpdates} so far).`);
        }
      },
      onEpisodes: (returns, lengths, frames) => {
        slot.history.addEpisodes(returns, lengths, frames);
      },
      onPublish: (version, weights) => {
        feed?.publish(version, weights);
        if (isFirst) this.playback.offerWeights(version, weights);
      },
    });
    slot.run = run;
    slot.done = run.run().then(
      () => {
        if (this.slotList.includes(slot) && this.slotList.every((s) => s.run?.state === 'finished')) {
          this.store.set({ status: 'finished', message: { kind: 'info', text: 'Training finished: the frame budget is spent.' } });
          void this.hooks.save();
        }
      },
      (e: unknown) => {
        if (!this.slotList.includes(slot)) return;
        this.store.set({ status: 'failed', message: { kind: 'error', text: `Training stopped: ${errorText(e)}` } });
      },
    );
  }
}
