import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../../core/config/experimentConfig';
import { decodeShareHash, encodeShareHash, type HideableControl } from '../../core/config/shareLink';
import { presetById, type Preset } from '../../core/config/presets';
import type { EnvSpec } from '../../core/envs/types';
import { Learner } from '../../core/learner/learner';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../core/model/checkpoint';
import { createNetwork } from '../../core/model/networks';
import { setNetworkWeights } from '../../core/model/weights';
import { PolicyPlayer } from '../../core/replay/policyPlayer';
import { RecordingStore } from '../../core/replay/recordingStore';
import { actorOptionsFor, envOptionsFor, envSpecFor, learnerOptionsFor, networkFor, networkSpecFor } from '../../core/training/fromConfig';
import type { MetricsRecord } from '../../core/training/metrics';
import { TrainingHistory } from '../../core/training/trainingHistory';
import { TrainingRun, type ActorHandle, type Scheduler } from '../../core/training/trainingRun';
import { selectBackend, type BackendChoice, type BackendReport } from './selectBackend';
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
  histories: readonly { label: string; history: TrainingHistory }[];
  latest: MetricsRecord | null;
  /** Pause training while the tab is hidden (otherwise it continues; queues stay bounded either way). */
  pauseWhenHidden: boolean;
  player: PolicyPlayer | null;
  observationShape: readonly number[];
}

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

  private readonly defaults = browserDefaults();

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
    };
  }

  private pausedForHiddenTab = false;

  setPauseWhenHidden(on: boolean): void {
    this.set({ pauseWhenHidden: on });
  }

  /** Called by the page when its visibility changes. */
  visibilityChanged(hidden: boolean): void {
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
    await this.disposeRuns();
    this.restored = null;
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
      // Check the weights against a network built from the file's own settings before touching anything.
      const probe = createNetwork(networkFor(checkpoint.config, spec), networkSpec, 0, false);
      try {
        setNetworkWeights(probe, checkpoint.weights);
      } finally {
        probe.dispose();
      }
      await this.disposeRuns();
      this.comparisonPreset = null;
      this.restored = checkpoint;
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

  private makePlayer(config: ExperimentConfig, version: number, weights: readonly Float32Array[]): PolicyPlayer {
    const spec = specOf(config);
    const player = new PolicyPlayer({
      envId: config.env,
      envSettings: envOptionsFor(config),
      network: networkFor(config, spec),
      seed: config.seed,
    });
    player.setWeights(version, weights);
    return player;
  }

  private async createRuns(): Promise<void> {
    const report = await selectBackend(this.snapshot.backendChoice);
    this.set({ backend: report });
    const base = this.snapshot.config;
    const variants = this.comparisonPreset?.comparison ?? [{ label: 'Run', overrides: {} }];
    const slots: RunSlot[] = [];
    try {
      for (const variant of variants) {
        const config = validateConfig({ ...base, ...variant.overrides }).config;
        const spec = specOf(config);
        const learner = new Learner(learnerOptionsFor(config, spec));
        if (this.restored && variants.length === 1) {
          learner.restore({
            version: this.restored.version,
            frames: this.restored.frames,
            weights: this.restored.weights,
            ...(this.restored.optimizer && this.restored.optimizer.name === config.optimizer ? { optimizer: this.restored.optimizer } : {}),
            ...(this.restored.popart && config.popart ? { popart: this.restored.popart } : {}),
          });
        }
        const slot: RunSlot = { label: variant.label, config, history: new TrainingHistory(), learner, actors: [], run: null, done: null };
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
    this.recordings.clear();
    this.set({
      histories: slots.map((s) => ({ label: s.label, history: s.history })),
      actorBackend: (first.actors[0] as WebWorkerActor | undefined)?.backend ?? null,
      pendingChanges: false,
      player: this.makePlayer(first.config, first.learner.version, initial),
      observationShape: specOf(first.config).observationShape,
    });
  }

  private start(slot: RunSlot): void {
    const isFirst = slot === this.slots[0];
    const spec = specOf(slot.config);
    let skippedBefore = 0;
    let skippedInARow = 0;
    const run = new TrainingRun({
      config: slot.config,
      learner: slot.learner,
      actors: slot.actors,
      deterministic: false,
      scheduler: browserScheduler,
      actorTimeoutMs: ACTOR_WATCHDOG_MS,
      replaceActor: (index) => WebWorkerActor.create(actorOptionsFor(slot.config, spec, index), 'wasm'),
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
      onEpisodes: (returns, lengths, frames) => slot.history.addEpisodes(returns, lengths, frames),
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
        }
      },
      (e: unknown) => {
        if (!this.slots.includes(slot)) return;
        this.set({ status: 'failed', message: { kind: 'error', text: `Training stopped: ${e instanceof Error ? e.message : String(e)}` } });
      },
    );
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
}
