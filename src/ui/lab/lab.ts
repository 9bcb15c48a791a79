import { configFieldByKey, validateConfig, type ExperimentConfig } from '../../core/config/experimentConfig';
import { decodeShareHash, encodeShareHash, type HideableControl, type OpenablePanel } from '../../core/config/shareLink';
import { presetById } from '../../core/config/presets';
import { RecordingStore } from '../../core/replay/recordingStore';
import { envSpecFor } from '../../core/training/fromConfig';
import { TrainingHistory } from '../../core/telemetry/trainingHistory';
import type { ActorHandle } from '../../core/training/trainingRun';
import type { BackendChoice } from './backendTypes';
import { BackendSupervisor } from './backendSupervisor';
import { ClassRun, type ClassRunSettings } from './classRun';
import type { LabDeps } from './labDeps';
import { LabStore, type LabMessage, type LabSnapshot } from './labStore';
import { LivePlayback } from './livePlayback';
import { MemoryGuard } from './memoryGuard';
import { ModelFiles } from './modelFiles';
import { RunController } from './runController';
import { RunPersistence } from './runPersistence';
import { VtraceInspector } from './vtraceInspector';
import { ZooAgents } from './zooAgents';

export type { LabMessage, LabSnapshot, LabStatus } from './labStore';

/**
 * The lab's state and actions, framework-free: React subscribes to it
 * (useSyncExternalStore), and nothing else owns runs, workers or the link.
 *
 * It composes seven parts, each with its dependencies passed in (`LabDeps`):
 * - `runs` (RunController): the runs, Train / Pause / Resume / Step / Reset;
 * - `persistence` (RunPersistence): the save queue, opening and resuming saved runs;
 * - `backend` (BackendSupervisor): the learner's backend, device loss, learner replacement;
 * - `models` (ModelFiles): model download and load;
 * - `playback` (LivePlayback): the policy playing live and the latest/best recordings;
 * - `memory` (MemoryGuard): the settings' memory estimate against the tab's budget; Train and Step refuse runs that exceed it;
 * - `inspector` (VtraceInspector): the last batch a learner used, per time step, with V-trace's quantities;
 * - `zoo` (ZooAgents): the trained agents that ship with the site, watched beside the run or trained on;
 * - `classRun` (ClassRun): a class run this tab leads, its runs' actors being the students' tabs.
 * What is left here is the experiment itself: settings, presets, the share link and visibility.
 */
export class Lab {
  private readonly store: LabStore;
  readonly playback: LivePlayback;
  readonly runs: RunController;
  readonly persistence: RunPersistence;
  readonly backend: BackendSupervisor;
  readonly models: ModelFiles;
  readonly memory: MemoryGuard;
  readonly inspector: VtraceInspector;
  readonly zoo: ZooAgents;
  readonly classRun: ClassRun;
  private readonly defaults: ExperimentConfig;
  private pausedForHiddenTab = false;

  constructor(initialHash: string, deps: LabDeps) {
    this.defaults = deps.defaults;
    this.store = new LabStore(initialSnapshot(initialHash, deps.defaults));
    this.memory = new MemoryGuard(this.store, deps.memoryBudgetBytes);
    this.playback = new LivePlayback(deps.scheduler, new RecordingStore(), { autoplay: deps.autoplay ?? true });
    this.backend = new BackendSupervisor(this.store, deps.backends, deps.scheduler, deps.createLearner, deps.measurements, {
      failLearners: (error) => this.runs.failLearners(error),
      backendMoved: () => {
        this.runs.rebuildPlayer();
        this.zoo.rebuildPlayer();
      },
    });
    this.runs = new RunController(this.store, deps, this.backend, this.playback, {
      save: () => this.persistence.saveNow(),
      runsCreated: (resumed) => this.persistence.runsCreated(resumed),
      runsReset: () => {
        this.persistence.forget();
        this.playback.recordings.clear();
      },
    });
    this.classRun = new ClassRun(this.store, deps.connectNats, deps.scheduler, () => {
      const { status } = this.store.state;
      return status === 'running' || status === 'starting' ? 'training' : status === 'paused' ? 'paused' : 'stopped';
    });
    this.runs.classRun = this.classRun;
    this.persistence = new RunPersistence(this.store, deps, this.runs, this.playback);
    this.models = new ModelFiles(this.store, this.runs, this.playback, () => this.persistence.forget(), () => deps.scheduler.date());
    this.zoo = new ZooAgents(
      this.store,
      deps.readZooFile,
      deps.scheduler,
      {
        ensureBackend: () => this.runs.ensureBackend(),
        startFrom: async (checkpoint, frames, message) => {
          // The current run is saved (Saved runs keeps it) and replaced, as Reset would.
          await this.runs.reset();
          await this.models.adopt({ ...checkpoint, config: { ...checkpoint.config, frames } }, message);
          await this.train();
          // Starting clears the message; say again what is training.
          if (this.store.state.status === 'running') this.store.notify('info', message);
        },
      },
      { autoplay: deps.autoplay ?? true },
    );
    this.inspector = new VtraceInspector(this.store, {
      runLabels: () => this.runs.slots.map((s) => s.label),
      envsPerUnroll: (run) => this.runs.slots[run]?.config.envsPerActor ?? 1,
      lastBatchInspection: (run) => this.runs.lastBatchInspection(run),
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => this.store.subscribe(listener);
  readonly getSnapshot = (): LabSnapshot => this.store.state;

  get recordings(): RecordingStore {
    return this.playback.recordings;
  }

  // --- The experiment: settings, presets, link ---

  /** The share link's hash for the current experiment (settings, seed, hidden controls and open panels). */
  shareHash(): string {
    const { config, hidden, open } = this.store.state;
    return encodeShareHash(config, [...hidden], [...open]);
  }

  setConfig(next: ExperimentConfig): void {
    const { config } = validateConfig(next);
    this.store.set({ config, pendingChanges: this.runs.slots.length > 0, observationShape: envSpecFor(config).observationShape, linkOffer: false });
  }

  setHidden(hidden: ReadonlySet<HideableControl>): void {
    this.store.set({ hidden });
  }

  /** Opens or closes a panel a link can open (the share link then says so). */
  setPanelOpen(panel: OpenablePanel, on: boolean): void {
    const { open } = this.store.state;
    if (open.has(panel) === on) return;
    const next = new Set(open);
    if (on) next.add(panel);
    else next.delete(panel);
    this.store.set({ open: next });
  }

  setBackendChoice(choice: BackendChoice): void {
    this.store.set({ backendChoice: choice, pendingChanges: this.runs.slots.length > 0 });
  }

  /** Automatic measures the backends again at the next Train (after Reset, when runs exist). */
  measureAgain(): void {
    this.backend.forgetMeasurement();
    const hasRuns = this.runs.slots.length > 0;
    this.store.set({ pendingChanges: hasRuns });
    this.store.notify('info', `Automatic will measure the backends again when you ${hasRuns ? 'press Reset, then Train' : 'press Train'}.`);
  }

  /** Shows a message to the user. */
  notify(kind: LabMessage['kind'], text: string): void {
    this.store.notify(kind, text);
  }

  /** Applies the nearest settings that fit the tab's memory (`memoryProblem.suggestion`). */
  useMemorySuggestion(): void {
    const problem = this.store.state.memoryProblem;
    if (problem?.suggestion == null) return;
    this.setConfig(problem.suggestion);
    this.store.notify('info', `Settings lowered to fit this tab's memory: ${problem.changes.map((c) => `${configFieldByKey(c.key).label} ${c.from} → ${c.to}`).join(', ')}. Press Train.`);
  }

  dismissLinkOffer(): void {
    this.store.set({ linkOffer: false });
  }

  applyPreset(id: string): void {
    const preset = presetById(id);
    if (!preset) {
      this.store.notify('error', `Unknown preset '${id}'.`);
      return;
    }
    this.runs.comparisonPreset = preset.comparison ? preset : null;
    const watching = this.zoo.getSnapshot().watching;
    if (watching && !watching.presets.includes(id)) this.zoo.stopWatching();
    const config = validateConfig({ ...this.defaults, ...preset.config }).config;
    const hasRuns = this.runs.slots.length > 0;
    this.store.set({
      config,
      presetId: id,
      comparison: preset.comparison?.map((c) => c.label) ?? [],
      pendingChanges: hasRuns,
      observationShape: envSpecFor(config).observationShape,
      message: { kind: 'info', text: `Preset: ${preset.title}. ${hasRuns ? 'Press Reset, then Train.' : 'Press Train.'}` },
    });
  }

  // --- Training ---

  /** Train, or Resume when paused; settings that exceed the tab's memory make no runs (the message says why). */
  async train(): Promise<void> {
    const status = this.store.state.status;
    const makesRuns = status === 'idle' || status === 'finished' || status === 'failed';
    if (makesRuns && this.memory.refuses('Train')) return;
    return this.runs.train();
  }

  pause(): void {
    this.runs.pause();
  }

  resume(): void {
    this.runs.resumeRuns();
  }

  async step(): Promise<void> {
    if (this.store.state.status === 'idle' && this.memory.refuses('Step')) return;
    return this.runs.step();
  }

  reset(): Promise<void> {
    return this.runs.reset();
  }

  // --- A class run: this tab is the learner, the students' tabs its actors ---

  /**
   * Connects to the class's NATS server and trains with the students' tabs
   * (and `npm run actor` processes) as actors. A run in progress is saved
   * and reset first: the class run starts from the current settings.
   */
  async startClassRun(settings: ClassRunSettings): Promise<void> {
    if (this.store.state.status !== 'idle') await this.runs.reset();
    if (await this.classRun.connect(settings)) await this.train();
  }

  /** Ends the class run: its runs are saved and reset, the students' tabs hear that the learner stopped, and the connection closes. */
  async endClassRun(): Promise<void> {
    if (this.store.state.status !== 'idle') await this.runs.reset();
    await this.classRun.disconnect();
  }

  /** The live actors of run `run` (0 is run 1), replacements included; for the test hooks (testHooks.ts). */
  liveActors(run = 0): readonly ActorHandle[] {
    return this.runs.liveActors(run);
  }

  setPauseWhenHidden(on: boolean): void {
    this.store.set({ pauseWhenHidden: on });
  }

  /** Called by the page when its visibility changes. */
  visibilityChanged(hidden: boolean): void {
    const { status, pauseWhenHidden } = this.store.state;
    this.playback.setPageVisible(!hidden);
    this.zoo.playback.setPageVisible(!hidden);
    // A hidden tab may be closed or discarded next: save what it has (a pause below saves anyway).
    if (hidden && status === 'running' && !pauseWhenHidden) void this.saveNow();
    if (hidden && pauseWhenHidden && status === 'running') {
      this.pausedForHiddenTab = true;
      this.pause();
    } else if (!hidden && this.pausedForHiddenTab) {
      this.pausedForHiddenTab = false;
      if (this.store.state.status === 'paused') this.resume();
    }
  }

  // --- Trained agents that ship with the site ---

  /** Plays the site's trained agent `id` beside the current run, with no training. */
  watchTrainedAgent(id: string): Promise<void> {
    return this.zoo.watch(id);
  }

  /** Replaces the current run (saved first) with the site's trained agent `id` and trains it on. */
  startFromTrainedAgent(id: string): Promise<void> {
    return this.zoo.startFrom(id);
  }

  // --- Models and saved runs ---

  downloadModel(): Promise<Blob> {
    return this.models.download();
  }

  loadModel(file: Blob): Promise<void> {
    return this.models.load(file);
  }

  /** Opens the saved runs' storage and saves periodically; returns the function that stops it. */
  connectStorage(): () => void {
    return this.persistence.connect();
  }

  saveNow(): Promise<boolean> {
    return this.persistence.saveNow();
  }

  /** Opens a saved run; `start` then trains it, through `train()` so that its settings' memory is checked. */
  async openSavedRun(id: string, options: { start?: boolean } = {}): Promise<void> {
    await this.persistence.openRun(id, { start: false });
    if (options.start && this.store.state.savedRunId === id && this.store.state.status === 'idle') await this.train();
  }

  /** Resumes the run offered after a reload. */
  async acceptResumeOffer(): Promise<void> {
    const offer = this.store.state.resumeOffer;
    if (offer) await this.openSavedRun(offer.id, { start: true });
  }

  dismissResumeOffer(): void {
    this.store.set({ resumeOffer: null });
  }

  renameSavedRun(id: string, name: string): Promise<boolean> {
    return this.persistence.rename(id, name);
  }

  deleteSavedRun(id: string): Promise<boolean> {
    return this.persistence.delete(id);
  }
}

/** The snapshot of a page opened with `initialHash`: the link's settings over `defaults`, its problems, its offer. */
function initialSnapshot(initialHash: string, defaults: ExperimentConfig): LabSnapshot {
  const link = initialHash.replace(/^#/, '').length > 0 ? decodeShareHash(initialHash) : null;
  // Settings the link gives win; the rest take the page's defaults.
  const fromLink = Object.fromEntries((link?.changed ?? []).map((key) => [key, link!.config[key]]));
  const config = validateConfig({ ...defaults, ...fromLink }).config;
  return {
    config,
    presetId: null,
    comparison: [],
    hidden: new Set(link?.hidden ?? []),
    open: new Set(link?.open ?? []),
    status: 'idle',
    message: null,
    linkProblems: link?.problems ?? [],
    linkOffer: link !== null && (link.changed.length > 0 || link.hidden.length > 0),
    backendChoice: 'auto',
    backend: null,
    measurement: null,
    measuring: false,
    actorBackend: null,
    learnerThread: null,
    pendingChanges: false,
    histories: [{ label: 'Run', history: new TrainingHistory() }],
    latest: null,
    pauseWhenHidden: false,
    observationShape: envSpecFor(config).observationShape,
    memoryProblem: null, // set by the MemoryGuard as the lab is made
    storage: 'pending',
    savedRuns: [],
    damagedRuns: [],
    savedRunId: null,
    lastSave: null,
    resumeOffer: null,
    classRun: null,
  };
}
