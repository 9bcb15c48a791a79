import { createNetwork } from '../../core/model/networks';
import { setNetworkWeights } from '../../core/model/weights';
import { presetById } from '../../core/config/presets';
import {
  checkRecording,
  checkRunSnapshot,
  defaultRunName,
  mostRecentUnfinished,
  RUN_SNAPSHOT_FORMAT,
  savedSlotOf,
  type RunSnapshot,
  type SavedRunInfo,
  type SavedSlot,
} from '../../core/persistence/runSnapshot';
import type { Recording } from '../../core/replay/replay';
import type { RecordingStore } from '../../core/replay/recordingStore';
import { envSpecFor, networkFor, networkSpecFor } from '../../core/training/fromConfig';
import { TrainingHistory } from '../../core/telemetry/trainingHistory';
import { newRunProgress } from '../../core/training/trainingRun';
import { checkpointOf } from '../../core/persistence/checkpoint';
import { StorageFullError, type ReplayKind } from '../persistence/runStore';
import type { LabDeps, LabRunStore } from './labDeps';
import { errorText, type LabStore } from './labStore';
import type { LivePlayback } from './livePlayback';
import type { ResumeState, RunController, RunSlot } from './runController';

/** How often a training run is saved to the browser's storage (it is also saved on Pause). */
export const DEFAULT_SAVE_INTERVAL_MS = 30_000;
/** A save waits at most this long for the update in progress (a learner stuck on a lost GPU must not block saves and Reset). */
const CAPTURE_TIMEOUT_MS = 15_000;

/**
 * Saved runs: the store once open, the save queue (saves run one at a time,
 * every `saveIntervalMs` while training, on Pause, Reset and finish), and
 * opening, renaming and deleting runs. A save writes a new checkpoint and
 * then switches to it, so a crash mid-save keeps the previous one.
 */
export class RunPersistence {
  saveIntervalMs = DEFAULT_SAVE_INTERVAL_MS;
  private runStore: LabRunStore | null = null;
  private storageOpening: Promise<void> | null = null;
  private saveInFlight: Promise<boolean> | null = null;
  private saveQueued: Promise<boolean> | null = null;
  /** The replays the store holds for `runId` (undefined: not known, written again at the next save). */
  private storedReplays: { runId: string | null } & Partial<Record<ReplayKind, Recording | null>> = { runId: null };

  constructor(
    private readonly store: LabStore,
    private readonly deps: LabDeps,
    private readonly runs: RunController,
    private readonly playback: LivePlayback,
  ) {}

  private get recordings(): RecordingStore {
    return this.playback.recordings;
  }

  /**
   * Opens the storage, lists the saved runs (offering to resume the most
   * recent unfinished one) and saves the training run every
   * `saveIntervalMs`. The returned function stops the periodic save.
   */
  connect(): () => void {
    this.storageOpening ??= this.open();
    return this.deps.scheduler.interval(this.saveIntervalMs, () => {
      const { status, lastSave } = this.store.state;
      // While training, and after Steps taken while paused.
      const first = this.runs.slots[0];
      const stepped = status === 'paused' && first !== undefined && first.learner.framesSeen !== lastSave?.frames;
      if (status === 'running' || stepped) void this.saveNow();
    });
  }

  /** Resolves once the storage is open (or known to be unavailable). */
  ready(): Promise<void> {
    return this.storageOpening ?? Promise.resolve();
  }

  private async open(): Promise<void> {
    let store: LabRunStore;
    try {
      store = await this.deps.openRunStore();
    } catch (e) {
      this.store.set({
        storage: 'unavailable',
        message: this.store.state.message ?? {
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
    const damaged = await this.refresh();
    const idle = this.store.state.status === 'idle' && this.runs.slots.length === 0 && this.runs.resume === null;
    this.store.set({ storage: 'ready', resumeOffer: idle ? mostRecentUnfinished(this.store.state.savedRuns) : null });
    if (damaged > 0 && this.store.state.message === null) {
      this.store.notify('warning', `${damaged === 1 ? 'One saved run is' : `${damaged} saved runs are`} damaged and cannot be opened; they were skipped. You can delete them under Saved runs.`);
    }
  }

  /** Reads the list of saved runs again; resolves with the number of damaged entries. */
  async refresh(): Promise<number> {
    if (!this.runStore) return 0;
    try {
      const { runs, damaged } = await this.runStore.list();
      this.store.set({ savedRuns: runs, damagedRuns: damaged });
      return damaged.length;
    } catch (e) {
      this.store.notify('error', `Could not list the saved runs: ${errorText(e)}.`);
      return 0;
    }
  }

  /** Saves the runs now; a request made during a save is served by one more save after it. Resolves true when saved. */
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
    const save = this.write().finally(() => {
      if (this.saveInFlight === save) this.saveInFlight = null;
    });
    this.saveInFlight = save;
    return save;
  }

  private async write(): Promise<boolean> {
    const store = this.runStore;
    const slots = this.runs.slots;
    if (!store || slots.length === 0 || slots.some((s) => s.run === null)) return false;
    const id = this.store.state.savedRunId ?? this.deps.newRunId();
    try {
      const captured: SavedSlot[] = [];
      for (const slot of slots) captured.push(await this.withTimeout(captureSlot(slot), 'the learner did not finish its update in time'));
      if (this.runs.slots !== slots) return false; // the runs were discarded meanwhile
      const first = captured[0]!;
      const labels = slots.map((s) => s.label);
      const snapshot: RunSnapshot = { format: RUN_SNAPSHOT_FORMAT, savedAt: this.deps.scheduler.date().toISOString(), presetId: this.store.state.presetId, slots: captured };
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
      if (this.runs.slots === slots) this.store.set({ savedRunId: id, lastSave: { at: snapshot.savedAt, frames: first.frames } });
      if (outcome.freedReplays.length > 0) {
        this.store.notify(
          'warning',
          `The browser's storage was full: the ${outcome.freedReplays.length} oldest stored replays were deleted to make room, and the run was saved.${outcome.replaysSaved ? '' : " Its own replays did not fit and were not saved."}`,
        );
      } else if (!outcome.replaysSaved) {
        this.store.notify('warning', "The run was saved, but its replays did not fit in the browser's storage.");
      }
      await this.refresh();
      return true;
    } catch (e) {
      if (this.runs.slots !== slots) return false;
      const last = this.store.state.lastSave;
      const kept = last && this.store.state.savedRunId === id ? ` The last save (${last.frames.toLocaleString('en-US')} frames) is kept, unchanged.` : '';
      if (e instanceof StorageFullError) {
        this.store.notify('error', `Could not save the run: ${e.message}.${kept} Delete saved runs you no longer need (under Saved runs) to make room.`);
      } else {
        this.store.notify('warning', `Could not save the run: ${errorText(e)}.${kept} The lab tries again in ${Math.round(this.saveIntervalMs / 1000)} s.`);
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

  /** `promise`, or a rejection with `message` after CAPTURE_TIMEOUT_MS. */
  private withTimeout<T>(promise: Promise<T>, message: string): Promise<T> {
    let cancel = (): void => {};
    const timeout = new Promise<never>((_, reject) => (cancel = this.deps.scheduler.timeout(CAPTURE_TIMEOUT_MS, () => reject(new Error(message)))));
    return Promise.race([promise, timeout]).finally(() => cancel());
  }

  /** New runs were made: a resumed run keeps its entry and replays; a new run is saved as a new entry. */
  runsCreated(resumed: ResumeState | null): void {
    if (!resumed) this.recordings.clear();
    this.store.set({ savedRunId: resumed?.id ?? null, lastSave: resumed ? this.store.state.lastSave : null, resumeOffer: null });
  }

  /** The lab no longer has a saved run open (Reset, a loaded model file). */
  forget(): void {
    this.runs.resume = null;
    this.store.set({ savedRunId: null, lastSave: null, resumeOffer: null });
  }

  /**
   * Opens a saved run: its settings, curves, replays and the model as of its
   * last save; `start` continues training it at once. A run in training is
   * saved first. A damaged saved run gets a message and changes nothing.
   */
  async openRun(id: string, options: { start?: boolean } = {}): Promise<void> {
    const store = this.runStore;
    if (!store) {
      this.store.notify('error', 'Saved runs are not available in this browser.');
      return;
    }
    if (this.store.state.status === 'starting') return;
    this.store.set({ resumeOffer: null });
    let opened: OpenedRun;
    try {
      // Checking the weights builds a network, which needs a tf.js backend.
      await this.runs.ensureBackend();
      opened = checkStoredRun(await store.load(id));
    } catch (e) {
      const name = this.store.state.savedRuns.find((r) => r.id === id)?.name;
      this.store.notify('error', `Could not open the saved run${name ? ` '${name}'` : ''}: ${errorText(e)}. It was skipped; nothing else changed.`);
      return;
    }
    if (this.runs.slots.length > 0) await this.saveNow();
    await this.runs.disposeRuns();
    const { info, snapshot, histories, latest, best, problems } = opened;
    const first = snapshot.slots[0]!;
    const preset = snapshot.presetId !== null ? presetById(snapshot.presetId) : undefined;
    this.runs.comparisonPreset = snapshot.slots.length > 1 && preset?.comparison ? preset : null;
    this.runs.restored = checkpointOf(first.config, first, snapshot.savedAt);
    this.runs.resume = { id, snapshot, histories, openedConfig: first.config };
    this.recordings.restore({ latest, best });
    this.storedReplays = { runId: id, latest, best };
    this.store.set({
      config: first.config,
      presetId: snapshot.presetId,
      comparison: snapshot.slots.length > 1 ? snapshot.slots.map((s) => s.label) : [],
      status: 'idle',
      pendingChanges: false,
      latest: histories[0]!.latest,
      histories: snapshot.slots.map((s, i) => ({ label: s.label, history: histories[i]!, config: s.config })),
      observationShape: envSpecFor(first.config).observationShape,
      savedRunId: id,
      lastSave: { at: info.updatedAt, frames: info.frames },
      linkOffer: false,
      message: {
        kind: problems.length > 0 ? 'warning' : 'info',
        text: `Opened '${info.name}' (${first.frames.toLocaleString('en-US')} frames, ${first.version.toLocaleString('en-US')} updates).${problems.length > 0 ? ` ${problems.join(' ')}` : ''}${options.start ? '' : ' Press Train to continue training it.'}`,
      },
    });
    this.playback.setPlayer(this.runs.playerOf(first.config, first.version, first.weights));
    if (options.start) await this.runs.train();
  }

  async rename(id: string, name: string): Promise<boolean> {
    if (!this.runStore) return false;
    try {
      await this.runStore.rename(id, name);
      await this.refresh();
      return true;
    } catch (e) {
      this.store.notify('error', `Could not rename the saved run: ${errorText(e)}.`);
      return false;
    }
  }

  /** Deletes a saved run (not the one the lab has open: Reset first). */
  async delete(id: string): Promise<boolean> {
    if (!this.runStore) return false;
    if (id === this.store.state.savedRunId) {
      this.store.notify('error', 'That run is open in the lab, and would be saved again: press Reset first, then delete it.');
      return false;
    }
    try {
      await this.runStore.delete(id);
      if (this.store.state.resumeOffer?.id === id) this.store.set({ resumeOffer: null });
      await this.refresh();
      return true;
    } catch (e) {
      this.store.notify('error', `Could not delete the saved run: ${errorText(e)}.`);
      return false;
    }
  }
}

/**
 * A run's state for saving, read between two updates: after `idle()`
 * resolves, every read below is issued before the next update can begin,
 * so weights, optimiser state, counters and curves agree.
 */
async function captureSlot(slot: RunSlot): Promise<SavedSlot> {
  await slot.run?.idle();
  const state = slot.learner.snapshot();
  const history = slot.history.toState({ recentEpisodes: false });
  const progress = slot.run?.progress() ?? slot.continueFrom ?? newRunProgress();
  return savedSlotOf(slot.label, slot.config, await state, { history, progress });
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
function checkStoredRun(loaded: { info: SavedRunInfo; snapshot: unknown; replays: Record<ReplayKind, unknown> }): OpenedRun {
  const snapshot = checkRunSnapshot(loaded.snapshot);
  for (const [i, slot] of snapshot.slots.entries()) {
    const spec = envSpecFor(slot.config);
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
      return TrainingHistory.fromState(slot.history, { recentEpisodes: slot.progress });
    } catch (e) {
      problems.push(`Its curves could not be restored (${errorText(e)}), so they start again.`);
      return new TrainingHistory({ recentEpisodes: slot.progress });
    }
  });
  const latest = loaded.replays.latest === undefined ? null : checkRecording(loaded.replays.latest);
  const best = loaded.replays.best === undefined ? null : checkRecording(loaded.replays.best);
  if ((loaded.replays.latest !== undefined && latest === null) || (loaded.replays.best !== undefined && best === null)) {
    problems.push('A damaged replay was left out.');
  }
  return { info: loaded.info, snapshot, histories, latest, best, problems };
}
