import { presetById, applyPreset } from '../../core/config/presets';
import { checkpointOfCompact, decodeCompactModel, type CompactModel } from '../../core/persistence/compactModel';
import type { Checkpoint } from '../../core/persistence/checkpoint';
import { decodeZooManifest, MAX_ZOO_FILE_BYTES, zooEntryForPreset, type ZooEntry, type ZooManifest } from '../../core/persistence/zooManifest';
import { RecordingStore } from '../../core/replay/recordingStore';
import type { LabScheduler } from './labDeps';
import { errorText, type LabStore } from './labStore';
import { createPlayer, LivePlayback } from './livePlayback';
import { checkWeightsFit } from './modelFiles';

/** Reads a file of the site's zoo folder (`zoo/<name>`, relative to the page) as text; rejects with a message when it cannot. */
export type ZooFileReader = (name: string) => Promise<string>;

/** What the page shows of the zoo; a new object on every change. */
export interface ZooSnapshot {
  /** The manifest: 'loading' until read, null when the site has none (or it is damaged: `problem` says why). */
  manifest: ZooManifest | 'loading' | null;
  problem: string | null;
  /** The agent the trained viewer plays (null: none). */
  watching: ZooEntry | null;
  /** An agent being fetched (its id). */
  fetching: string | null;
}

/** What the zoo asks of the lab's other parts. */
export interface ZooHooks {
  /** Chooses a tf.js backend if none is yet (building a network needs one). */
  ensureBackend(): Promise<void>;
  /**
   * Makes `checkpoint` the model the next run continues (as a loaded model
   * file), with `frames` as the run's budget, then trains; `message` says what
   * happened.
   */
  startFrom(checkpoint: Checkpoint, frames: number, message: string): Promise<void>;
}

/**
 * The trained agents that ship with the site (`public/zoo/`, written by
 * `npm run zoo`): reads the manifest, offers a preset's agent, plays it in
 * a viewer of its own (`playback`, beside the current run's, with no
 * training), and hands it to the runs to continue training from. A missing
 * or damaged file gives a message and changes nothing.
 */
export class ZooAgents {
  /** The trained agent playing live, apart from the current run's player. */
  readonly playback: LivePlayback;
  private snapshot: ZooSnapshot = { manifest: 'loading', problem: null, watching: null, fetching: null };
  private readonly listeners = new Set<() => void>();
  private readonly models = new Map<string, CompactModel>();
  private manifestRead: Promise<void> | null = null;

  constructor(
    private readonly store: LabStore,
    private readonly readFile: ZooFileReader,
    scheduler: LabScheduler,
    private readonly hooks: ZooHooks,
    options: { autoplay?: boolean } = {},
  ) {
    this.playback = new LivePlayback(scheduler, new RecordingStore(), options);
  }

  readonly getSnapshot = (): ZooSnapshot => this.snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private update(patch: Partial<ZooSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  /** Reads the manifest (once); a site without one offers no trained agents. */
  loadManifest(): Promise<void> {
    this.manifestRead ??= (async () => {
      try {
        const text = await this.readFile('manifest.json');
        if (text.length > MAX_ZOO_FILE_BYTES) throw new Error('zoo manifest: the file is too large');
        this.update({ manifest: decodeZooManifest(text), problem: null });
      } catch (e) {
        this.update({ manifest: null, problem: errorText(e) });
      }
    })();
    return this.manifestRead;
  }

  /** The agent a preset offers, if the manifest has one. */
  entryFor(presetId: string | null): ZooEntry | null {
    const { manifest } = this.snapshot;
    if (presetId === null || manifest === null || manifest === 'loading') return null;
    return zooEntryForPreset(manifest, presetId) ?? null;
  }

  /** Plays agent `id` at once in the trained viewer; nothing trains. */
  async watch(id: string): Promise<void> {
    try {
      const { entry, model } = await this.fetchModel(id);
      await this.hooks.ensureBackend();
      checkWeightsFit(model.config, model.weights);
      this.playback.setPlayer(this.playerOf(model));
      this.playback.recordings.clear();
      this.update({ watching: entry });
      this.store.notify('info', `Watching the trained agent of ${entry.env}: ${entry.frames.toLocaleString('en-US')} frames of training. Your own run is untouched.`);
    } catch (e) {
      this.store.notify('error', `Could not show the trained agent: ${errorText(e)}. Nothing was changed.`);
    }
  }

  stopWatching(): void {
    this.playback.setPlayer(null);
    this.playback.recordings.clear();
    this.update({ watching: null });
  }

  /** A new player of the watched agent, for after the tf.js backend changed. */
  rebuildPlayer(): void {
    const model = this.snapshot.watching ? this.models.get(this.snapshot.watching.id) : undefined;
    if (model && this.playback.player) this.playback.setPlayer(this.playerOf(model));
  }

  /**
   * Continues training agent `id`: its weights (and PopArt statistics) with
   * its settings, for as many frames again as the preset trains in the tab;
   * its optimiser starts afresh (a compact model keeps none).
   */
  async startFrom(id: string): Promise<void> {
    let checkpoint: Checkpoint;
    let frames: number;
    let entry: ZooEntry;
    try {
      const fetched = await this.fetchModel(id);
      entry = fetched.entry;
      checkpoint = checkpointOfCompact(fetched.model);
      await this.hooks.ensureBackend();
      checkWeightsFit(checkpoint.config, checkpoint.weights);
      const preset = entry.presets.map(presetById).find((p) => p !== undefined);
      frames = checkpoint.frames + (preset ? applyPreset(preset).frames : checkpoint.config.frames);
    } catch (e) {
      this.store.notify('error', `Could not start from the trained agent: ${errorText(e)}. Nothing was changed.`);
      return;
    }
    await this.hooks.startFrom(
      checkpoint,
      frames,
      `Training on from the trained agent of ${entry.env} (${checkpoint.frames.toLocaleString('en-US')} frames, ${checkpoint.version.toLocaleString('en-US')} updates) up to ${frames.toLocaleString('en-US')} frames; its optimiser starts afresh.`,
    );
  }

  private playerOf(model: CompactModel): ReturnType<typeof createPlayer> {
    return createPlayer(model.config, model.version, model.weights, { popart: model.popart });
  }

  /** The manifest's entry `id` and its model, fetched once and checked against the entry. */
  private async fetchModel(id: string): Promise<{ entry: ZooEntry; model: CompactModel }> {
    await this.loadManifest();
    const { manifest, problem } = this.snapshot;
    if (manifest === null || manifest === 'loading') throw new Error(`the site's list of trained agents is unavailable (${problem ?? 'not read'})`);
    const entry = manifest.entries.find((e) => e.id === id);
    if (!entry) throw new Error(`the site has no trained agent '${id}'`);
    const cached = this.models.get(id);
    if (cached) return { entry, model: cached };
    this.update({ fetching: id });
    try {
      const text = await this.readFile(entry.file);
      if (text.length > MAX_ZOO_FILE_BYTES) throw new Error(`zoo/${entry.file} is larger than ${MAX_ZOO_FILE_BYTES / 1024 / 1024} MB`);
      const model = decodeCompactModel(text);
      if (model.config.env !== entry.env) throw new Error(`zoo/${entry.file} is a model of ${model.config.env}, but the site's list says ${entry.env}`);
      this.models.set(id, model);
      return { entry, model };
    } finally {
      this.update({ fetching: null });
    }
  }
}
