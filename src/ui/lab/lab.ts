import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../../core/config/experimentConfig';
import { decodeShareHash, encodeShareHash, type HideableControl } from '../../core/config/shareLink';
import { comparisonRunConfig, presetById, type Preset } from '../../core/config/presets';
import type { EnvSpec } from '../../core/envs/types';
import { Learner, type LearnerState } from '../../core/learner/learner';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../core/model/checkpoint';
import { createNetwork } from '../../core/model/networks';
import { setNetworkWeights } from '../../core/model/weights';
import { PolicyPlayer } from '../../core/replay/policyPlayer';
import { RecordingStore } from '../../core/replay/recordingStore';
import { actorOptionsFor, envOptionsFor, envSpecFor, learnerOptionsFor, networkFor, networkSpecFor, tasksOf } from '../../core/training/fromConfig';
import { PopArt } from '../../core/agent/popart';
import { suiteTaskEnvId } from '../../core/envs/suite/minatarSuite';
import type { MetricsRecord } from '../../core/training/metrics';
import { TrainingHistory } from '../../core/training/trainingHistory';
import { TrainingRun, type ActorHandle, type RunProgress, type Scheduler } from '../../core/training/trainingRun';
import {
  checkRecording,
  checkRunSnapshot,
  defaultRunName,
  mostRecentUnfinished,
  RUN_SNAPSHOT_FORMAT,
  type RunSnapshot,
  type SavedRunInfo,
  type SavedSlot,
} from '../../core/persistence/runSnapshot';
import type { Recording } from '../../core/replay/replay';
import { newRunId, RunStore, StorageFullError, type DamagedRun, type ReplayKind } from '../persistence/runStore';
import {
  activeGpuDevice,
  BACKEND_LABELS,
  markBackendBroken,
  selectBackend,
  type BackendChoice,
  type BackendReport,
  type GpuDeviceLike,
} from './selectBackend';
import { WebWorkerActor } from './webWorkerActor';

export type LabStatus = 'idle' | 'starting' | 'running' | 'paused' | 'finished' | 'failed';

export interface LabMessage {
  kind: 'info' | 'warning' | 'error';
  text: string;
}

/** One training run of the experiment (two for an ablation preset). */
interface RunSlot {
  label: string;
  config: ExperimentConfig;
  history: TrainingHistory;
  learner: Learner;
  actors: ActorHandle[];
  run: TrainingRun | null;
  done: Promise<void> | null;
  /** A resumed run's counters, for its TrainingRun (absent for a new run). */
  continueFrom?: RunProgress;
  /** The last (up to 100) finished episodes, saved so that a resumed run's mean-100 figures continue. */
  recentEpisodes?: { returns: number[]; lengths: number[] };
}

export interface LabSnapshot {
  config: ExperimentConfig;
  presetId: string | null;
  /** Labels of the runs compared side by side (one label when not comparing). */
  comparison: readonly string[];
  hidden: ReadonlySet<HideableControl>;
  status: LabStatus;
  message: LabMessage | null;
  /** Problems found in the share link the page was opened with. */
  linkProblems: readonly string[];
  /** The page was opened with a link that sets up an experiment: offer to start it. */
  linkOffer: boolean;
  backendChoice: BackendChoice;
  backend: BackendReport | null;
  actorBackend: string | null;
  /** Settings changed since the current runs were created: they apply on Reset. */
  pendingChanges: boolean;
  /** Each run's curves, and its settings once it is created (a comparison's runs differ: the charts and score tables read them). */
  histories: readonly { label: string; history: TrainingHistory; config?: ExperimentConfig }[];
  latest: MetricsRecord | null;
  /** Pause training while the tab is hidden (otherwise it continues; queues stay bounded either way). */
  pauseWhenHidden: boolean;
  player: PolicyPlayer | null;
  observationShape: readonly number[];
  /** Saved runs (IndexedDB): 'pending' until the storage is open, 'unavailable' when the browser offers none. */
  storage: 'pending' | 'ready' | 'unavailable';
  /** Stored runs, the most recently saved first. */
  savedRuns: readonly SavedRunInfo[];
  /** Stored runs whose entries are damaged: listed only so that they can be deleted. */
  damagedRuns: readonly DamagedRun[];
  /** The saved run the lab has open or is training (null for a run not saved yet). */
  savedRunId: string | null;
  /** When the current run was last saved, and at which frame count (run 1). */
  lastSave: { at: string; frames: number } | null;
  /** After a reload or a crash: the most recently saved unfinished run, offered for resuming. */
  resumeOffer: SavedRunInfo | null;
}

/** How often a training run is saved to the browser's storage (it is also saved on Pause). */
export const DEFAULT_SAVE_INTERVAL_MS = 30_000;

const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/** The browser's scheduler: yield with a macrotask so rendering and input get their turn between updates. */
const browserScheduler: Scheduler = {
  now: () => performance.now(),
  yieldToEventLoop: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
  timeout: (ms, onTimeout) => {
    const id = setTimeout(onTimeout, ms);
    return () => clearTimeout(id);
  },
};

/** An actor call slower than this is taken for a hung worker and the worker is replaced. */
const ACTOR_WATCHDOG_MS = 60_000;
/** After this many non-finite updates in a row the run pauses with a message. */
const MAX_CONSECUTIVE_SKIPS = 5;
/** A learner call that failed counts as a device loss if the learner's WebGPU device reports its loss within this many milliseconds. */
const DEVICE_LOSS_GRACE_MS = 3000;
/** A replacement learner takes over optimiser statistics at most this many updates old (they are read back from the GPU this often). */
const OPTIMIZER_COPY_EVERY = 10;

/**
 * The page's defaults: the schema's, with one actor per spare core
 * (navigator.hardwareConcurrency minus one for the learner, 2 to 8).
 */
export function browserDefaults(hardwareConcurrency = navigator.hardwareConcurrency || 2): ExperimentConfig {
  return { ...DEFAULT_CONFIG, actors: Math.min(8, Math.max(2, hardwareConcurrency - 1)) };
}

function specOf(config: ExperimentConfig): EnvSpec {
  return envSpecFor(config);
}

/**
 * The lab's state and actions, framework-free: React subscribes to it
 * (useSyncExternalStore), and nothing else owns runs, workers or the link.
 */
export class Lab {
  readonly recordings = new RecordingStore();
  private readonly listeners = new Set<() => void>();
  private snapshot: LabSnapshot;
  private slots: RunSlot[] = [];
  private comparisonPreset: Preset | null = null;
  private playerWeightsAt = 0;
  private restored: Checkpoint | null = null;
  /** Milliseconds before an actor that stopped answering is replaced (the browser tests shorten it through testHooks.ts). */
  actorWatchdogMs = ACTOR_WATCHDOG_MS;
  /** The learner's WebGPU device whose loss is watched, and its loss (resolving with why). */
  private watchedDevice: GpuDeviceLike | null = null;
  private deviceLost: Promise<string> | null = null;
  /** The learners' move to the next backend after their device was lost, once begun, and why. */
  private backendSwitch: Promise<void> | null = null;
  private deviceLossReason: string | null = null;
  /** The WebGPU device each learner was made on (learners on other backends are absent). */
  private readonly learnerDevices = new WeakMap<Learner, GpuDeviceLike>();

  private readonly defaults = browserDefaults();

  /** Saved runs: the store once open, the periodic save, and the save in progress (saves run one at a time). */
  saveIntervalMs = DEFAULT_SAVE_INTERVAL_MS;
  private runStore: RunStore | null = null;
  private storageOpening: Promise<void> | null = null;
  private saveInFlight: Promise<boolean> | null = null;
  private saveQueued: Promise<boolean> | null = null;
  /** A saved run opened and not yet trained: its checkpoint and restored curves (createRuns continues it). */
  private resumeState: { id: string; snapshot: RunSnapshot; histories: TrainingHistory[]; openedConfig: ExperimentConfig } | null = null;
  /** The replays the store holds for `runId` (undefined: not known, written again at the next save). */
  private storedReplays: { runId: string | null } & Partial<Record<ReplayKind, Recording | null>> = { runId: null };

  constructor(initialHash: string) {
    const link = initialHash.replace(/^#/, '').length > 0 ? decodeShareHash(initialHash) : null;
    // Settings the link gives win; the rest take the page's defaults.
    const fromLink = Object.fromEntries((link?.changed ?? []).map((key) => [key, link!.config[key]]));
    const config = validateConfig({ ...this.defaults, ...fromLink }).config;
    this.snapshot = {
      config,
      presetId: null,
      comparison: [],
      hidden: new Set(link?.hidden ?? []),
      status: 'idle',
      message: null,
      linkProblems: link?.problems ?? [],
      linkOffer: link !== null && (link.changed.length > 0 || link.hidden.length > 0),
      backendChoice: 'auto',
      backend: null,
      actorBackend: null,
      pendingChanges: false,
      histories: [{ label: 'Run', history: new TrainingHistory() }],
      latest: null,
      pauseWhenHidden: false,
      player: null,
      observationShape: specOf(config).observationShape,
      storage: 'pending',
      savedRuns: [],
      damagedRuns: [],
      savedRunId: null,
      lastSave: null,
      resumeOffer: null,
    };
  }

  private pausedForHiddenTab = false;

  setPauseWhenHidden(on: boolean): void {
    this.set({ pauseWhenHidden: on });
  }

  /** Called by the page when its visibility changes. */
  visibilityChanged(hidden: boolean): void {
    // A hidden tab may be closed or discarded next: save what it has (a pause below saves anyway).
    if (hidden && this.snapshot.status === 'running' && !this.snapshot.pauseWhenHidden) void this.saveNow();
    if (hidden && this.snapshot.pauseWhenHidden && this.snapshot.status === 'running') {
      this.pausedForHiddenTab = true;
      this.pause();
    } else if (!hidden && this.pausedForHiddenTab) {
      this.pausedForHiddenTab = false;
      if (this.snapshot.status === 'paused') this.resume();
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LabSnapshot => this.snapshot;

  private set(patch: Partial<LabSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.listeners.forEach((l) => l());
  }

  /** The share link's hash for the current experiment (settings, seed and hidden controls). */
  shareHash(): string {
    return encodeShareHash(this.snapshot.config, [...this.snapshot.hidden]);
  }

  setConfig(next: ExperimentConfig): void {
    const { config } = validateConfig(next);
    this.set({ config, pendingChanges: this.slots.length > 0, observationShape: specOf(config).observationShape, linkOffer: false });
  }

  setHidden(hidden: ReadonlySet<HideableControl>): void {
    this.set({ hidden });
  }

  setBackendChoice(choice: BackendChoice): void {
    this.set({ backendChoice: choice, pendingChanges: this.slots.length > 0 });
  }

  /** Shows a message to the user. */
  notify(kind: LabMessage['kind'], text: string): void {
    this.set({ message: { kind, text } });
  }

  dismissLinkOffer(): void {
    this.set({ linkOffer: false });
  }

  applyPreset(id: string): void {
    const preset = presetById(id);
    if (!preset) {
      this.set({ message: { kind: 'error', text: `Unknown preset '${id}'.` } });
      return;
    }
    this.comparisonPreset = preset.comparison ? preset : null;
    const config = validateConfig({ ...this.defaults, ...preset.config }).config;
    this.set({
      config,
      presetId: id,
      comparison: preset.comparison?.map((c) => c.label) ?? [],
      pendingChanges: this.slots.length > 0,
      observationShape: specOf(config).observationShape,
      message: { kind: 'info', text: `Preset: ${preset.title}. ${this.slots.length > 0 ? 'Press Reset, then Train.' : 'Press Train.'}` },
    });
  }

  /** Starts training (creating the runs if needed) or resumes a paused run. */
  async train(): Promise<void> {
    const { status } = this.snapshot;
    if (status === 'paused') return this.resume();
    if (status === 'running' || status === 'starting') return;
    if (status === 'finished' || status === 'failed') await this.reset();
    this.set({ status: 'starting', message: null, linkOffer: false });
    try {
      await this.createRuns();
      for (const slot of this.slots) this.start(slot);
      this.set({ status: 'running' });
    } catch (e) {
      await this.disposeRuns();
      this.set({ status: 'failed', message: { kind: 'error', text: `Could not start training: ${e instanceof Error ? e.message : String(e)}` } });
    }
  }

  pause(): void {
    if (this.snapshot.status !== 'running') return;
    this.slots.forEach((s) => s.run?.pause());
    this.set({ status: 'paused' });
    void this.saveNow();
  }

  resume(): void {
    if (this.snapshot.status !== 'paused') return;
    this.slots.forEach((s) => s.run?.resume());
    this.set({ status: 'running' });
  }

  /** One learner update of every run (starting paused runs when there are none yet). */
  async step(): Promise<void> {
    if (this.snapshot.status === 'idle') {
      this.set({ status: 'starting', message: null, linkOffer: false });
      try {
        await this.createRuns();
        for (const slot of this.slots) {
          this.start(slot);
          slot.run!.pause();
        }
        this.set({ status: 'paused' });
      } catch (e) {
        await this.disposeRuns();
        this.set({ status: 'failed', message: { kind: 'error', text: `Could not start training: ${e instanceof Error ? e.message : String(e)}` } });
        return;
      }
    }
    if (this.snapshot.status === 'running') this.pause();
    if (this.snapshot.status !== 'paused') return;
    try {
      await Promise.all(this.slots.map((s) => s.run!.step()));
    } catch (e) {
      this.set({ message: { kind: 'error', text: `Step failed: ${e instanceof Error ? e.message : String(e)}` } });
    }
  }

  /** Stops and discards the runs; the settings stay. */
  async reset(): Promise<void> {
    // The run stays in Saved runs, as it stands now.
    if (this.snapshot.status === 'running' || this.snapshot.status === 'paused') await this.saveNow();
    await this.disposeRuns();
    this.restored = null;
    this.forgetSavedRun();
    this.recordings.clear();
    this.set({
      status: 'idle',
      pendingChanges: false,
      latest: null,
      player: null,
      histories: [{ label: 'Run', history: new TrainingHistory() }],
      observationShape: specOf(this.snapshot.config).observationShape,
    });
  }

  /** The current model (run 1) as a checkpoint file. */
  async downloadModel(): Promise<Blob> {
    const slot = this.slots[0];
    const config = slot?.config ?? this.snapshot.config;
    const spec = specOf(config);
    let checkpoint: Checkpoint;
    if (slot) {
      const learner = slot.learner;
      const optimizer = await learner.getOptimizerState();
      checkpoint = {
        config,
        envId: config.env,
        spec: networkSpecFor(config, spec),
        network: networkFor(config, spec),
        version: learner.version,
        frames: learner.framesSeen,
        weights: await learner.getWeights(),
        optimizer: { name: learner.options.optimizer, ...optimizer },
        ...(learner.popart ? { popart: learner.popart.getState() } : {}),
        createdAt: new Date().toISOString(),
      };
    } else if (this.restored) {
      checkpoint = this.restored;
    } else {
      throw new Error('There is no trained model yet: press Train first.');
    }
    const shapes = slot?.learner.network.variables.map((v) => v.shape);
    return new Blob([encodeCheckpoint(checkpoint, shapes)], { type: 'application/json' });
  }

  /**
   * Loads a checkpoint file (ours or the headless trainer's). A wrong file
   * or weights of another shape give a message and change nothing.
   */
  async loadModel(file: Blob): Promise<void> {
    try {
      if (file.size > MAX_MODEL_BYTES) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; a model file is at most ${MAX_MODEL_BYTES / 1e6} MB`);
      const checkpoint = decodeCheckpoint(await file.text());
      const current = this.slots[0]?.config;
      if (current && current.env !== checkpoint.envId) {
        throw new Error(
          `it is a model of ${checkpoint.envId}, but the current run trains ${current.env}; press Reset first to switch the experiment to that model`,
        );
      }
      const spec = specOf(checkpoint.config);
      if (checkpoint.envId !== checkpoint.config.env) throw new Error(`the file's environment (${checkpoint.envId}) does not match its settings (${checkpoint.config.env})`);
      const networkSpec = networkSpecFor(checkpoint.config, spec);
      if (
        checkpoint.spec.numActions !== spec.numActions ||
        checkpoint.spec.observationShape.join() !== spec.observationShape.join() ||
        (checkpoint.spec.numTasks ?? 1) !== networkSpec.numTasks
      ) {
        throw new Error(`the model's inputs/outputs do not fit ${checkpoint.envId}`);
      }
      if (checkpoint.config.popart !== (checkpoint.popart !== undefined)) {
        throw new Error(checkpoint.config.popart ? 'its settings use PopArt but it holds no PopArt statistics' : 'it holds PopArt statistics but its settings do not use PopArt');
      }
      // Check the weights against a network built from the file's own settings before touching
      // anything; building it needs a tf.js backend, which a fresh page has not chosen yet.
      await this.ensureBackend();
      const probe = createNetwork(networkFor(checkpoint.config, spec), networkSpec, 0, false);
      try {
        setNetworkWeights(probe, checkpoint.weights);
      } finally {
        probe.dispose();
      }
      await this.disposeRuns();
      this.comparisonPreset = null;
      this.restored = checkpoint;
      this.forgetSavedRun();
      this.recordings.clear();
      this.set({
        config: checkpoint.config,
        presetId: null,
        comparison: [],
        status: 'idle',
        pendingChanges: false,
        latest: null,
        histories: [{ label: 'Run', history: new TrainingHistory() }],
        observationShape: spec.observationShape,
        message: { kind: 'info', text: `Loaded a model of ${checkpoint.envId} (${checkpoint.frames.toLocaleString('en-US')} frames, ${checkpoint.version} updates). Press Train to continue training it.` },
      });
      this.set({ player: this.makePlayer(checkpoint.config, checkpoint.version, checkpoint.weights) });
    } catch (e) {
      this.set({ message: { kind: 'error', text: `Could not load the model: ${e instanceof Error ? e.message : String(e)}. The current model is unchanged.` } });
    }
  }

  /**
   * A player of run 1's policy. A suite's agent plays one game at a time
   * (the first to begin with; the viewer switches), in the suite layout, and
   * under PopArt shows values in the game's own scale, with run 1's latest
   * statistics (or a loaded model's).
   */
  /** Chooses a tf.js backend if no run has yet (building a network, e.g. to check a file's weights, needs one). */
  private async ensureBackend(): Promise<void> {
    if (this.slots.length === 0) this.set({ backend: await selectBackend(this.snapshot.backendChoice) });
  }

  private makePlayer(config: ExperimentConfig, version: number, weights: readonly Float32Array[]): PolicyPlayer {
    const spec = specOf(config);
    const tasks = tasksOf(config).map((name) => ({ name, envId: suiteTaskEnvId(name) }));
    const saved = config.popart ? this.restored?.popart : undefined;
    const numTasks = Math.max(1, tasks.length);
    let restored: PopArt | null = null;
    if (saved && saved.mu.length === numTasks) {
      restored = new PopArt(numTasks);
      restored.setState(saved);
    }
    const valueScale = (task: number): { mu: number; sigma: number } | null => {
      const t = this.snapshot.latest?.tasks?.[task];
      if (t && t.popartMu !== null && t.popartSigma !== null) return { mu: t.popartMu, sigma: t.popartSigma };
      return restored ? { mu: restored.mu[task]!, sigma: restored.sigma(task) } : null;
    };
    const player = new PolicyPlayer({
      envId: tasks[0]?.envId ?? config.env,
      tasks,
      envSettings: envOptionsFor(config),
      network: networkFor(config, spec),
      seed: config.seed,
      ...(config.popart ? { valueScale } : {}),
    });
    player.setWeights(version, weights);
    return player;
  }

  private async createRuns(): Promise<void> {
    const report = await selectBackend(this.snapshot.backendChoice);
    this.set({ backend: report });
    this.watchLearnerDevice();
    const base = this.snapshot.config;
    // A saved run that was opened continues, unless its settings were changed since.
    const resume = this.resumeState?.openedConfig === base ? this.resumeState : null;
    const variants = resume?.snapshot.slots.map((s) => ({ label: s.label, overrides: {} })) ?? this.comparisonPreset?.comparison ?? [{ label: 'Run', overrides: {} }];
    const slots: RunSlot[] = [];
    try {
      for (const [index, variant] of variants.entries()) {
        const saved = resume?.snapshot.slots[index];
        const config = saved?.config ?? comparisonRunConfig(base, variant);
        const spec = specOf(config);
        const learner = new Learner(learnerOptionsFor(config, spec));
        if (saved) {
          learner.restore({ version: saved.version, frames: saved.frames, weights: saved.weights, ...(saved.optimizer ? { optimizer: saved.optimizer } : {}), ...(saved.popart ? { popart: saved.popart } : {}) });
        } else if (this.restored && variants.length === 1) {
          learner.restore({
            version: this.restored.version,
            frames: this.restored.frames,
            weights: this.restored.weights,
            ...(this.restored.optimizer && this.restored.optimizer.name === config.optimizer ? { optimizer: this.restored.optimizer } : {}),
            ...(this.restored.popart && config.popart ? { popart: this.restored.popart } : {}),
          });
        }
        const slot: RunSlot = { label: variant.label, config, history: resume?.histories[index] ?? new TrainingHistory(), learner, actors: [], run: null, done: null };
        if (saved) {
          slot.continueFrom = saved.progress;
          slot.recentEpisodes = { returns: [...saved.progress.recentReturns], lengths: [...saved.progress.recentLengths] };
        }
        slots.push(slot);
        for (let i = 0; i < config.actors; i++) slot.actors.push(await WebWorkerActor.create(actorOptionsFor(config, spec, i), 'wasm'));
      }
    } catch (e) {
      for (const s of slots) {
        s.actors.forEach((a) => a.dispose());
        s.learner.dispose();
      }
      throw e;
    }
    this.slots = slots;
    const first = slots[0]!;
    const initial = await first.learner.getWeights();
    // A resumed run keeps its replays; a new run is saved as a new entry.
    if (!resume) this.recordings.clear();
    this.resumeState = null;
    this.set({
      savedRunId: resume?.id ?? null,
      lastSave: resume ? this.snapshot.lastSave : null,
      resumeOffer: null,
      histories: slots.map((s) => ({ label: s.label, history: s.history, config: s.config })),
      actorBackend: (first.actors[0] as WebWorkerActor | undefined)?.backend ?? null,
      pendingChanges: false,
      player: this.makePlayer(first.config, first.learner.version, initial),
      observationShape: specOf(first.config).observationShape,
    });
  }

  private start(slot: RunSlot): void {
    const isFirst = slot === this.slots[0];
    const device = activeGpuDevice();
    if (device) this.learnerDevices.set(slot.learner, device);
    const spec = specOf(slot.config);
    let skippedBefore = 0;
    let skippedInARow = 0;
    const run = new TrainingRun({
      config: slot.config,
      learner: slot.learner,
      actors: slot.actors,
      deterministic: false,
      scheduler: browserScheduler,
      actorTimeoutMs: this.actorWatchdogMs,
      replaceActor: (index) => WebWorkerActor.create(actorOptionsFor(slot.config, spec, index), 'wasm'),
      ...(slot.continueFrom ? { continueFrom: slot.continueFrom } : {}),
      replaceLearner: (state, error) => this.replaceLearner(slot, state, error),
      optimizerCopyEvery: OPTIMIZER_COPY_EVERY,
      onLearnerRestart: (learner, error) => {
        // A failed call's own error ("mapAsync ... unmapped") says less than the device's loss.
        const reason = this.deviceLossReason ?? error;
        const on = BACKEND_LABELS[this.snapshot.backend?.backend ?? 'cpu'];
        const which = this.slots.length > 1 ? `Run '${slot.label}': the` : 'The';
        this.set({
          message: {
            kind: 'warning',
            text: `${which} learner stopped because ${reason}. It moved to ${on} with the weights of update ${learner.version}, the frame count and optimiser statistics at most ${OPTIMIZER_COPY_EVERY} updates old, and training goes on.`,
          },
        });
      },
      onActorRestart: (index, reason) =>
        this.set({ message: { kind: 'warning', text: `Actor ${index + 1} stopped (${reason}); a new one took over with the current weights. Restarts so far: ${run.actorRestarts}.` } }),
      onUpdate: (record) => {
        slot.history.addRecord(record);
        if (isFirst) this.set({ latest: record });
        if (record.skippedUpdates > skippedBefore) {
          skippedBefore = record.skippedUpdates;
          skippedInARow++;
          if (skippedInARow >= MAX_CONSECUTIVE_SKIPS) {
            this.pause();
            this.set({
              message: {
                kind: 'error',
                text: `Paused: ${skippedInARow} updates in a row had a NaN or infinite loss or gradient, so they were skipped and the weights left as they were. Try a lower learning rate or reward clipping, then Reset.`,
              },
            });
          } else {
            this.set({ message: { kind: 'warning', text: `Skipped an update whose loss or gradient was not finite; the weights were left untouched (${record.skippedUpdates} so far).` } });
          }
        } else {
          skippedInARow = 0;
        }
      },
      onEpisodes: (returns, lengths, frames) => {
        slot.history.addEpisodes(returns, lengths, frames);
        rememberEpisodes(slot, returns, lengths);
      },
      onPublish: (version, weights) => {
        const now = performance.now();
        if (!isFirst || now - this.playerWeightsAt < 250) return;
        this.playerWeightsAt = now;
        this.snapshot.player?.setWeights(version, weights);
      },
    });
    slot.run = run;
    slot.done = run.run().then(
      () => {
        if (this.slots.includes(slot) && this.slots.every((s) => s.run?.state === 'finished')) {
          this.set({ status: 'finished', message: { kind: 'info', text: 'Training finished: the frame budget is spent.' } });
          void this.saveNow();
        }
      },
      (e: unknown) => {
        if (!this.slots.includes(slot)) return;
        this.set({ status: 'failed', message: { kind: 'error', text: `Training stopped: ${e instanceof Error ? e.message : String(e)}` } });
      },
    );
  }

  /** The live actors of run `run` (0 is run 1), replacements included; for the test hooks (testHooks.ts). */
  liveActors(run = 0): readonly ActorHandle[] {
    const slot = this.slots[run];
    return slot?.run?.currentActors ?? slot?.actors ?? [];
  }

  /** Watches the learner's WebGPU device (when it runs on one) for its loss. */
  private watchLearnerDevice(): void {
    const device = activeGpuDevice();
    if (!device || device === this.watchedDevice) return;
    this.watchedDevice = device;
    const lost = device.lost.then((info) => info.message || info.reason || 'no reason given');
    this.deviceLost = lost;
    void lost.then((why) => this.learnerDeviceLost(why));
  }

  /**
   * The learner's WebGPU device is gone (a GPU reset, the driver, or the
   * test hook): WebGPU is not used again in this page; the learners move to
   * the next backend with their current weights (TrainingRun.replaceLearner
   * calls back into replaceLearner below) and the live player is rebuilt.
   */
  private learnerDeviceLost(why: string): void {
    const reason = `its WebGPU device was lost (${why})`;
    this.deviceLossReason = reason;
    markBackendBroken('webgpu', `the WebGPU device was lost (${why}); reload the page to use WebGPU again`);
    this.backendSwitch = this.moveToNextBackend();
    this.backendSwitch.catch((e: unknown) =>
      this.set({ message: { kind: 'error', text: `The learner's WebGPU device was lost and no other backend could start: ${e instanceof Error ? e.message : String(e)}` } }),
    );
    this.set({ message: { kind: 'warning', text: `The learner stopped because ${reason}; moving it to the next backend with its current weights…` } });
    for (const s of this.slots) s.run?.learnerFailed(new Error(reason));
  }

  private async moveToNextBackend(): Promise<void> {
    const report = await selectBackend(this.snapshot.backendChoice);
    this.set({ backend: report });
    // The live player's network was on the lost device too: rebuild it on the new backend.
    const old = this.snapshot.player;
    const first = this.slots[0];
    const state = first?.run?.learnerState;
    const source = first && state ? { config: first.config, ...state } : this.restored;
    if (!old || !source) return;
    this.set({ player: this.makePlayer(source.config, source.version, source.weights) });
    try {
      old.dispose();
    } catch {
      // Its tensors were on the lost device.
    }
  }

  /** Whether the learners' device was lost (now, or within the grace period after a call failed). */
  private async wasDeviceLoss(): Promise<boolean> {
    if (this.backendSwitch) return true;
    if (!this.deviceLost) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DEVICE_LOSS_GRACE_MS)));
    const lost = await Promise.race([this.deviceLost.then(() => true), grace]);
    clearTimeout(timer);
    return lost;
  }

  /**
   * A run's learner failed: if its WebGPU device was lost, makes a learner
   * on the next backend from the run's copy of the state; any other error
   * fails the run as before.
   */
  private async replaceLearner(slot: RunSlot, state: LearnerState, error: Error): Promise<Learner> {
    const device = this.learnerDevices.get(slot.learner);
    if (!device || device !== this.watchedDevice || !(await this.wasDeviceLoss())) throw error;
    await this.backendSwitch;
    const learner = new Learner(learnerOptionsFor(slot.config, specOf(slot.config)));
    learner.restore(state);
    const old = slot.learner;
    slot.learner = learner;
    try {
      old.dispose();
    } catch {
      // Its tensors were on the lost device.
    }
    return learner;
  }

  private async disposeRuns(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) s.run?.stop();
    await Promise.allSettled(slots.map((s) => s.done ?? Promise.resolve()));
    for (const s of slots) {
      (s.run?.currentActors ?? s.actors).forEach((a) => a.dispose());
      s.learner.dispose();
    }
    this.snapshot.player?.dispose();
  }

  // --- Saved runs (IndexedDB; src/ui/persistence/runStore.ts) ---

  /**
   * Opens the browser's storage, lists the saved runs (offering to resume
   * the most recent unfinished one) and saves the training run every
   * `saveIntervalMs`. The page calls it once mounted; the returned function
   * stops the periodic save.
   */
  connectStorage(): () => void {
    this.storageOpening ??= this.openStorage();
    const timer = setInterval(() => {
      const { status, lastSave } = this.snapshot;
      // While training, and after Steps taken while paused.
      const stepped = status === 'paused' && this.slots[0] !== undefined && this.slots[0].learner.framesSeen !== lastSave?.frames;
      if (status === 'running' || stepped) void this.saveNow();
    }, this.saveIntervalMs);
    return () => clearInterval(timer);
  }

  private async openStorage(): Promise<void> {
    let store: RunStore;
    try {
      store = await RunStore.open();
    } catch (e) {
      this.set({
        storage: 'unavailable',
        message: this.snapshot.message ?? {
          kind: 'warning',
          text: `This browser does not let the lab save runs (${errorText(e)}), so a reload loses the run in training. Download the model to keep it.`,
        },
      });
      return;
    }
    this.runStore = store;
    try {
      await store.collectGarbage();
    } catch {
      // Sweeping leftovers is housekeeping; saving and loading do not depend on it.
    }
    const damaged = await this.refreshSavedRuns();
    const idle = this.snapshot.status === 'idle' && this.slots.length === 0 && this.resumeState === null;
    this.set({ storage: 'ready', resumeOffer: idle ? mostRecentUnfinished(this.snapshot.savedRuns) : null });
    if (damaged > 0 && this.snapshot.message === null) {
      this.notify('warning', `${damaged === 1 ? 'One saved run is' : `${damaged} saved runs are`} damaged and cannot be opened; they were skipped. You can delete them under Saved runs.`);
    }
  }

  /** Reads the list of saved runs again; resolves with the number of damaged entries. */
  async refreshSavedRuns(): Promise<number> {
    if (!this.runStore) return 0;
    try {
      const { runs, damaged } = await this.runStore.list();
      this.set({ savedRuns: runs, damagedRuns: damaged });
      return damaged.length;
    } catch (e) {
      this.notify('error', `Could not list the saved runs: ${errorText(e)}.`);
      return 0;
    }
  }

  /**
   * Saves the training run now (it is also saved every `saveIntervalMs`,
   * on Pause, on Reset and when it finishes). Saves run one at a time; a
   * request made during a save is served by one more save after it.
   * Resolves true when the run was saved.
   */
  saveNow(): Promise<boolean> {
    if (this.saveQueued) return this.saveQueued;
    if (this.saveInFlight) {
      this.saveQueued = this.saveInFlight.then(() => {
        this.saveQueued = null;
        return this.startSave();
      });
      return this.saveQueued;
    }
    return this.startSave();
  }

  private startSave(): Promise<boolean> {
    const save = this.writeRun().finally(() => {
      if (this.saveInFlight === save) this.saveInFlight = null;
    });
    this.saveInFlight = save;
    return save;
  }

  private async writeRun(): Promise<boolean> {
    const store = this.runStore;
    const slots = this.slots;
    if (!store || slots.length === 0 || slots.some((s) => s.run === null)) return false;
    const id = this.snapshot.savedRunId ?? newRunId();
    try {
      const captured: SavedSlot[] = [];
      for (const slot of slots) captured.push(await withTimeout(captureSlot(slot), CAPTURE_TIMEOUT_MS, 'the learner did not finish its update in time'));
      if (this.slots !== slots) return false; // the runs were discarded meanwhile
      const first = captured[0]!;
      const labels = slots.map((s) => s.label);
      const snapshot: RunSnapshot = { format: RUN_SNAPSHOT_FORMAT, savedAt: new Date().toISOString(), presetId: this.snapshot.presetId, slots: captured };
      const replays = this.replaysToSave(id);
      const outcome = await store.save({
        id,
        info: {
          name: labels.length > 1 ? `${defaultRunName(first.config)} (${labels.join(' vs ')})` : defaultRunName(first.config),
          env: first.config.env,
          seed: first.config.seed,
          labels,
          frames: first.frames,
          updates: first.version,
          meanReturn: slots[0]!.history.latest?.episodeReturnMean100 ?? null,
          finished: captured.every((c) => c.frames >= c.config.frames),
        },
        snapshot,
        replays,
      });
      if (this.storedReplays.runId !== id) this.storedReplays = { runId: id };
      for (const kind of ['latest', 'best'] as const) {
        if (replays[kind] !== undefined && outcome.replaysSaved) this.storedReplays[kind] = replays[kind];
        if (outcome.freedReplays.includes(`${id}/${kind}`) || !outcome.replaysSaved) this.storedReplays[kind] = undefined;
      }
      if (this.slots === slots) this.set({ savedRunId: id, lastSave: { at: snapshot.savedAt, frames: first.frames } });
      if (outcome.freedReplays.length > 0) {
        this.notify(
          'warning',
          `The browser's storage was full: the ${outcome.freedReplays.length} oldest stored replays were deleted to make room, and the run was saved.${outcome.replaysSaved ? '' : " Its own replays did not fit and were not saved."}`,
        );
      } else if (!outcome.replaysSaved) {
        this.notify('warning', "The run was saved, but its replays did not fit in the browser's storage.");
      }
      await this.refreshSavedRuns();
      return true;
    } catch (e) {
      if (this.slots !== slots) return false;
      const last = this.snapshot.lastSave;
      const kept = last && this.snapshot.savedRunId === id ? ` The last save (${last.frames.toLocaleString('en-US')} frames) is kept, unchanged.` : '';
      if (e instanceof StorageFullError) {
        this.notify('error', `Could not save the run: ${e.message}.${kept} Delete saved runs you no longer need (under Saved runs) to make room.`);
      } else {
        this.notify('warning', `Could not save the run: ${errorText(e)}.${kept} The lab tries again in ${Math.round(this.saveIntervalMs / 1000)} s.`);
      }
      return false;
    }
  }

  /** The replays to write with a save of run `id`: those that changed since they were stored. */
  private replaysToSave(id: string): Partial<Record<ReplayKind, Recording | null>> {
    const out: Partial<Record<ReplayKind, Recording | null>> = {};
    const stored = this.storedReplays.runId === id ? this.storedReplays : null;
    for (const kind of ['latest', 'best'] as const) {
      const current = this.recordings[kind];
      const known = stored ? stored[kind] : undefined;
      if (known === undefined ? current !== null : known !== current) out[kind] = current;
    }
    return out;
  }

  /** The lab no longer has a saved run open (Reset, a loaded model file). */
  private forgetSavedRun(): void {
    this.resumeState = null;
    this.set({ savedRunId: null, lastSave: null, resumeOffer: null });
  }

  /**
   * Opens a saved run: its settings, curves, replays and the model as of its
   * last save; `start` continues training it at once (Train does
   * otherwise). A run in training is saved first. A damaged saved run
   * gets a message and changes nothing.
   */
  async openSavedRun(id: string, options: { start?: boolean } = {}): Promise<void> {
    const store = this.runStore;
    if (!store) {
      this.notify('error', 'Saved runs are not available in this browser.');
      return;
    }
    if (this.snapshot.status === 'starting') return;
    this.set({ resumeOffer: null });
    let opened: OpenedRun;
    try {
      // Checking the weights builds a network, which needs a tf.js backend.
      await this.ensureBackend();
      opened = openRun(await store.load(id));
    } catch (e) {
      const name = this.snapshot.savedRuns.find((r) => r.id === id)?.name;
      this.notify('error', `Could not open the saved run${name ? ` '${name}'` : ''}: ${errorText(e)}. It was skipped; nothing else changed.`);
      return;
    }
    if (this.slots.length > 0) await this.saveNow();
    await this.disposeRuns();
    const { info, snapshot, histories, latest, best, problems } = opened;
    const first = snapshot.slots[0]!;
    const spec = specOf(first.config);
    const preset = snapshot.presetId !== null ? presetById(snapshot.presetId) : undefined;
    this.comparisonPreset = snapshot.slots.length > 1 && preset?.comparison ? preset : null;
    this.restored = {
      config: first.config,
      envId: first.config.env,
      spec: networkSpecFor(first.config, spec),
      network: networkFor(first.config, spec),
      version: first.version,
      frames: first.frames,
      weights: first.weights,
      ...(first.optimizer ? { optimizer: first.optimizer } : {}),
      ...(first.popart ? { popart: first.popart } : {}),
      createdAt: snapshot.savedAt,
    };
    this.resumeState = { id, snapshot, histories, openedConfig: first.config };
    this.recordings.restore({ latest, best });
    this.storedReplays = { runId: id, latest, best };
    this.set({
      config: first.config,
      presetId: snapshot.presetId,
      comparison: snapshot.slots.length > 1 ? snapshot.slots.map((s) => s.label) : [],
      status: 'idle',
      pendingChanges: false,
      latest: histories[0]!.latest,
      histories: snapshot.slots.map((s, i) => ({ label: s.label, history: histories[i]!, config: s.config })),
      observationShape: spec.observationShape,
      savedRunId: id,
      lastSave: { at: info.updatedAt, frames: info.frames },
      linkOffer: false,
      message: {
        kind: problems.length > 0 ? 'warning' : 'info',
        text: `Opened '${info.name}' (${first.frames.toLocaleString('en-US')} frames, ${first.version.toLocaleString('en-US')} updates).${problems.length > 0 ? ` ${problems.join(' ')}` : ''}${options.start ? '' : ' Press Train to continue training it.'}`,
      },
    });
    this.set({ player: this.makePlayer(first.config, first.version, first.weights) });
    if (options.start) await this.train();
  }

  /** Resumes the run offered after a reload. */
  async acceptResumeOffer(): Promise<void> {
    const offer = this.snapshot.resumeOffer;
    if (offer) await this.openSavedRun(offer.id, { start: true });
  }

  dismissResumeOffer(): void {
    this.set({ resumeOffer: null });
  }

  async renameSavedRun(id: string, name: string): Promise<boolean> {
    if (!this.runStore) return false;
    try {
      await this.runStore.rename(id, name);
      await this.refreshSavedRuns();
      return true;
    } catch (e) {
      this.notify('error', `Could not rename the saved run: ${errorText(e)}.`);
      return false;
    }
  }

  /** Deletes a saved run (not the one the lab has open: Reset first). */
  async deleteSavedRun(id: string): Promise<boolean> {
    if (!this.runStore) return false;
    if (id === this.snapshot.savedRunId) {
      this.notify('error', 'That run is open in the lab, and would be saved again: press Reset first, then delete it.');
      return false;
    }
    try {
      await this.runStore.delete(id);
      if (this.snapshot.resumeOffer?.id === id) this.set({ resumeOffer: null });
      await this.refreshSavedRuns();
      return true;
    } catch (e) {
      this.notify('error', `Could not delete the saved run: ${errorText(e)}.`);
      return false;
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A save waits at most this long for the update in progress (a learner stuck on a lost GPU must not block saves and Reset). */
const CAPTURE_TIMEOUT_MS = 15_000;

/** `promise`, or a rejection with `message` after `ms` milliseconds. */
function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Keeps a slot's last 100 finished episodes (for the mean-100 figures of a resumed run). */
function rememberEpisodes(slot: RunSlot, returns: readonly number[], lengths: readonly number[]): void {
  const recent = (slot.recentEpisodes ??= { returns: [], lengths: [] });
  recent.returns.push(...returns);
  recent.lengths.push(...lengths);
  const excess = recent.returns.length - 100;
  if (excess > 0) {
    recent.returns.splice(0, excess);
    recent.lengths.splice(0, excess);
  }
}

/**
 * A run's state for saving, read between two updates: after `idle()`
 * resolves, every read below is issued before the next update can begin,
 * so weights, optimiser state, counters and curves agree.
 */
async function captureSlot(slot: RunSlot): Promise<SavedSlot> {
  await slot.run?.idle();
  const learner = slot.learner;
  const version = learner.version;
  const frames = learner.framesSeen;
  const popart = learner.popart?.getState();
  const weights = learner.getWeights();
  const optimizer = learner.getOptimizerState();
  const history = slot.history.toState();
  const last = slot.history.latest;
  const recent = slot.recentEpisodes ?? { returns: [], lengths: [] };
  const progress: RunProgress = {
    episodes: last?.episodes ?? slot.continueFrom?.episodes ?? 0,
    skippedUpdates: last?.skippedUpdates ?? slot.continueFrom?.skippedUpdates ?? 0,
    actorRestarts: last?.actorRestarts ?? slot.continueFrom?.actorRestarts ?? 0,
    wallSeconds: last?.wallSeconds ?? slot.continueFrom?.wallSeconds ?? 0,
    recentReturns: [...recent.returns],
    recentLengths: [...recent.lengths],
  };
  const [w, o] = await Promise.all([weights, optimizer]);
  return {
    label: slot.label,
    config: slot.config,
    version,
    frames,
    weights: w,
    optimizer: { name: learner.options.optimizer, ...o },
    ...(popart ? { popart } : {}),
    history,
    progress,
  };
}

/** A saved run read back and checked, ready to be opened. */
interface OpenedRun {
  info: SavedRunInfo;
  snapshot: RunSnapshot;
  histories: TrainingHistory[];
  latest: Recording | null;
  best: Recording | null;
  /** What could not be restored (the run opens without it). */
  problems: string[];
}

/**
 * Checks a stored run before anything is changed: the checkpoint (throws
 * when damaged), that its weights fit the network its settings describe,
 * then the curves and replays (restored when intact, else left out with a
 * note: they are not worth refusing a run for).
 */
function openRun(loaded: { info: SavedRunInfo; snapshot: unknown; replays: Record<ReplayKind, unknown> }): OpenedRun {
  const snapshot = checkRunSnapshot(loaded.snapshot);
  for (const [i, slot] of snapshot.slots.entries()) {
    const spec = specOf(slot.config);
    const probe = createNetwork(networkFor(slot.config, spec), networkSpecFor(slot.config, spec), 0, false);
    try {
      setNetworkWeights(probe, slot.weights);
    } catch (e) {
      throw new Error(`the weights of run ${i + 1} do not fit its network (${errorText(e)})`, { cause: e });
    } finally {
      probe.dispose();
    }
  }
  const problems: string[] = [];
  const histories = snapshot.slots.map((slot) => {
    try {
      return TrainingHistory.fromState(slot.history);
    } catch (e) {
      problems.push(`Its curves could not be restored (${errorText(e)}), so they start again.`);
      return new TrainingHistory();
    }
  });
  const latest = loaded.replays.latest === undefined ? null : checkRecording(loaded.replays.latest);
  const best = loaded.replays.best === undefined ? null : checkRecording(loaded.replays.best);
  if ((loaded.replays.latest !== undefined && latest === null) || (loaded.replays.best !== undefined && best === null)) {
    problems.push('A damaged replay was left out.');
  }
  return { info: loaded.info, snapshot, histories, latest, best, problems };
}
